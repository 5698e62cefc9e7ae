// Reports every schema property without a description. A property that is only a local $ref counts as
// described when the schema it references has a description. The rule runs on the unresolved document, so
// each schema is checked once, where it is written; $ref targets are checked as roots of their own.

const SCHEMA_MAPS = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'];
const SCHEMA_VALUES = ['additionalProperties', 'unevaluatedProperties', 'items', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'unevaluatedItems'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hasText(value) {
  return typeof value === 'string' && value.trim() !== '';
}

function resolveLocal(root, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
  let node = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = node[key];
  }
  return node;
}

function described(property, root) {
  if (!isObject(property)) return true; // `true`/`false` schemas have nothing to describe
  if (hasText(property.description)) return true;
  if (typeof property.$ref === 'string') {
    const target = resolveLocal(root, property.$ref);
    return isObject(target) && hasText(target.description);
  }
  return false;
}

module.exports = function schemaPropertiesDescribed(input, _options, context) {
  const root = context.document.data;
  const results = [];
  const seen = new Set();

  function walk(schema, path) {
    if (!isObject(schema) || seen.has(schema)) return;
    seen.add(schema);
    if (typeof schema.$ref === 'string') return; // checked where the target is written
    if (isObject(schema.properties)) {
      for (const [name, property] of Object.entries(schema.properties)) {
        if (!described(property, root)) {
          results.push({
            message: `Property "${name}" has no description.`,
            path: [...path, 'properties', name],
          });
        }
      }
    }
    for (const key of SCHEMA_MAPS) {
      if (isObject(schema[key])) {
        for (const [name, child] of Object.entries(schema[key])) walk(child, [...path, key, name]);
      }
    }
    for (const key of SCHEMA_VALUES) walk(schema[key], [...path, key]);
    for (const key of SCHEMA_LISTS) {
      if (Array.isArray(schema[key])) schema[key].forEach((child, i) => walk(child, [...path, key, i]));
    }
  }

  walk(input, context.path);
  return results;
};
