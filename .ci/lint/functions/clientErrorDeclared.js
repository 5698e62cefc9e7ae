// Reports an operation that declares no 4xx response (a status 400-499, or the 4XX range).

const CLIENT_ERROR = /^4([0-9]{2}|XX)$/;

module.exports = function clientErrorDeclared(operation, _options, context) {
  if (operation === null || typeof operation !== 'object') return [];
  const responses = operation.responses;
  const statuses = responses !== null && typeof responses === 'object' ? Object.keys(responses) : [];
  if (statuses.some((status) => CLIENT_ERROR.test(status))) return [];
  const found = statuses.length === 0 ? 'none' : statuses.join(', ');
  return [{
    message: `Operation declares no 4xx response (it declares: ${found}).`,
    path: responses === undefined ? context.path : [...context.path, 'responses'],
  }];
};
