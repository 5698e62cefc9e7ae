// Reports a parameter without a description, naming it and where it goes.

module.exports = function parameterDescribed(parameter) {
  if (parameter === null || typeof parameter !== 'object') return [];
  if (typeof parameter.description === 'string' && parameter.description.trim() !== '') return [];
  const name = typeof parameter.name === 'string' ? parameter.name : '(unnamed)';
  const where = typeof parameter.in === 'string' ? ` (${parameter.in})` : '';
  return [{ message: `Parameter "${name}"${where} has no description.` }];
};
