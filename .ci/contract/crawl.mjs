// Sends every GET operation of an OpenAPI document through Prism's validating proxy (prism proxy --errors) and
// counts what does not match the document. Usage: node crawl.mjs <document> <proxy> <bad-input proxy> <api>
//   <proxy>            validates requests and responses: the document's own examples must pass both ways.
//   <bad-input proxy>  validates responses only (--validate-request=false), so that a deliberately bad request
//                      reaches the API and its answer (a documented 4xx) is what gets checked.
//   <api>              the API itself, only to find real ids and cursors; nothing sent there is judged.
// Each operation is sent plain, once per query parameter with that parameter's example, once per documented
// media type (Accept), once conditionally (If-None-Match), and with bad inputs: an unknown parameter, a malformed
// value, a nonexistent id. Exits 1 on any violation.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [documentPath, proxy, badInputProxy, api] = process.argv.slice(2);
const document = parse(readFileSync(documentPath, "utf8"));

// Prism 5 matches media types by their last subtype, so it checks an application/geo+json (or any other +json)
// answer against the operation's application/json schema. Such answers are checked here instead, with the schema
// of their own media type.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
for (const format of ["int32", "int64", "float", "double"]) ajv.addFormat(format, true);
ajv.addSchema({ ...document, $id: "https://contract.invalid/openapi.json" });
const pointer = (...keys) => keys.map((k) => String(k).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
const lastSubtype = (type) => type.split("/").map((part, i) => (i === 1 ? part.split("+").pop() : part)).join("/");
const misrouted = (declared, type) => {
  const keys = Object.keys(declared?.content ?? {});
  const prismPick = keys.find((key) => lastSubtype(mediaType(key)) === lastSubtype(type));
  const exact = keys.find((key) => mediaType(key) === type);
  return exact !== undefined && prismPick !== exact ? exact : undefined;
};
const checkAgainstSchema = (entry, status, key, body) => {
  const responses = entry.operation.responses;
  const statusKey = [String(status), `${String(status)[0]}XX`, "default"].find((k) => responses[k]);
  const validate = ajv.getSchema(`https://contract.invalid/openapi.json#/${pointer("paths", entry.path, "get", "responses", statusKey, "content", key, "schema")}`);
  if (!validate) return [`no schema for ${status} ${key}`];
  let value;
  try { value = JSON.parse(body); } catch { return [`${key} body is not JSON`]; }
  return validate(value) ? [] : validate.errors.map((e) => `response.body${e.instancePath.replace(/\//g, ".")}: ${e.message} (${key} checked by the crawl)`);
};

const resolve = (node) => {
  if (!node?.$ref) return node;
  const target = node.$ref.replace(/^#\//, "").split("/").reduce((at, key) => at?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], document);
  return resolve(target);
};

// Values for query parameters that carry no example in the document, so that every parameter is still sent.
// The run lists the parameters that needed one of these.
const fallbackValues = {
  q: "industrie", sort: "-id", format: "csv", delimiter: "comma", geometry: "point", include: "resources",
  code: "TI2707", phase: "2018-2022", kind: "EPCI", type: "territories", collection: "territories",
};

const examplesOf = (parameter) => {
  const schema = resolve(parameter.schema) ?? {};
  const values = [];
  if (parameter.example !== undefined) values.push(parameter.example);
  for (const example of Object.values(parameter.examples ?? {})) values.push(resolve(example).value);
  if (schema.example !== undefined) values.push(schema.example);
  if (Array.isArray(schema.examples)) values.push(...schema.examples);
  return values.filter((value) => value !== undefined);
};

// A value the document itself suggests: an enum member, a default, or the "e.g." of the description.
const suggestedValue = (parameter) => {
  const schema = resolve(parameter.schema) ?? {};
  const items = resolve(schema.items) ?? {};
  if (schema.enum?.length) return schema.enum.find((value) => value !== null);
  if (items.enum?.length) return items.enum.slice(0, 2);
  if (schema.default !== undefined) return schema.default;
  const eg = /e\.g\. "?([^\s",;)]+)/.exec(parameter.description ?? "");
  if (eg) return eg[1].replace(/\.$/, "");
  const type = [schema.type].flat().find((t) => t !== "null");
  if (type === "boolean") return true;
  if (type === "integer" || type === "number") return parameter.name === "year" ? 2020 : 1;
  if (schema.format === "date") return "2020-01-01";
  if (schema.format === "date-time") return "2026-01-01T00:00:00Z";
  return fallbackValues[parameter.name];
};

const serialize = (value) => (Array.isArray(value) ? value.join(",") : String(value));

// A malformed value for the first parameter whose schema allows one to be built.
const malformed = (parameters) => {
  for (const parameter of parameters) {
    const schema = resolve(parameter.schema) ?? {};
    const items = resolve(schema.items) ?? {};
    const type = [schema.type].flat().find((t) => t !== "null");
    if (type === "integer" || type === "number") return [parameter.name, "not-a-number"];
    if (type === "boolean") return [parameter.name, "perhaps"];
    if (schema.format === "date" || schema.format === "date-time") return [parameter.name, "2020-13-45"];
    if (schema.enum || items.enum || schema.pattern) return [parameter.name, "not~a~valid~value"];
  }
  return undefined;
};

const operations = Object.entries(document.paths)
  .filter(([, item]) => item.get)
  .map(([path, item]) => ({
    path,
    id: item.get.operationId ?? `GET ${path}`,
    operation: item.get,
    parameters: [...(item.parameters ?? []), ...(item.get.parameters ?? [])].map(resolve),
  }));

const documented = (operation, status) => {
  const responses = operation.responses ?? {};
  const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, "default"].find((k) => responses[k]);
  return key === undefined ? undefined : resolve(responses[key]);
};

const mediaType = (contentType) => (contentType ?? "").split(";")[0].trim().toLowerCase();

const violations = [];
const rows = [];
const withoutExample = new Set();
let checkedByCrawl = 0;

// Operations that declare a security requirement (the admin reads: keys, audit) are sent with the API's admin key.
const secured = (entry) => (entry.operation.security ?? []).some((requirement) => Object.keys(requirement).length > 0);
const withKey = (entry, headers) => (secured(entry) ? { ...headers, "X-Api-Key": process.env.API_KEY ?? "" } : headers);

async function send(target, entry, url, headers, { badInput = false, expect4xx = badInput } = {}) {
  headers = withKey(entry, headers);
  let response = await fetch(target + url, { headers, redirect: "manual" });
  let body = await response.text();
  let found = [];
  const fromPrism = (list) => {
    for (const v of list ?? []) {
      // A deliberately bad request is judged by the API's answer to it, not by the request itself.
      if (badInput && v.location?.[0] === "request") continue;
      if (v.severity && v.severity !== "Error") continue;
      found.push(`${(v.location ?? []).join(".")}: ${v.message}`);
    }
  };
  let problem;
  if (mediaType(response.headers.get("content-type")) === "application/problem+json") problem = JSON.parse(body);
  let fromApi = true;
  if (String(problem?.type ?? "").startsWith("https://stoplight.io/prism/errors#")) {
    // Prism answered itself: the request or the response broke the document (with the list of violations), or
    // Prism could not match or forward the request. Either way this is not the API's answer.
    fromApi = false;
    const requestRejected = problem.type.endsWith("UNPROCESSABLE_ENTITY");
    if (problem.validation) fromPrism(problem.validation.map((v) => (requestRejected ? { ...v, location: ["request", ...(v.location ?? [])] } : v)));
    if (found.length === 0) found.push(`Prism: ${problem.title}: ${problem.detail ?? ""}`);
    if (problem.validation && !requestRejected) {
      // The response broke the document, by Prism's reading: unless Prism read it with another media type's schema.
      const direct = await fetch(api + url, { headers, redirect: "manual" });
      const directBody = await direct.text();
      if (misrouted(documented(entry.operation, direct.status), mediaType(direct.headers.get("content-type")))) {
        response = direct; body = directBody; found = []; fromApi = true;
      }
    }
  }
  if (fromApi) {
    const header = response.headers.get("sl-violations");
    if (header) fromPrism(JSON.parse(header));
    const declared = documented(entry.operation, response.status);
    const type = mediaType(response.headers.get("content-type"));
    if (!declared) found.push(`status ${response.status} is not documented`);
    else if (declared.content) {
      if (!Object.keys(declared.content).map(mediaType).includes(type)) {
        found.push(`${response.status} as ${type || "no content type"} is not documented (${Object.keys(declared.content).join(", ")})`);
      }
      const exact = misrouted(declared, type);
      if (exact) { found.push(...checkAgainstSchema(entry, response.status, exact, body)); checkedByCrawl++; }
    } else if (body.length > 0) found.push(`${response.status} has a body the document does not declare`);
    if (expect4xx && response.status < 400) found.push(`bad input answered ${response.status}, not a 4xx`);
  }
  entry.requests++;
  entry.statuses[response.status] = (entry.statuses[response.status] ?? 0) + 1;
  // One line per violation, at most a few per answer (a wrong schema can break every item of a page).
  entry.violations += found.length;
  if (found.length > 3) found = [...found.slice(0, 3), `… and ${found.length - 3} more in this answer`];
  for (const message of found) {
    violations.push(`${entry.id}: GET ${url}${headers.Accept ? ` (Accept: ${headers.Accept})` : ""}${headers["If-None-Match"] ? " (If-None-Match)" : ""} → ${response.status}: ${message}`);
  }
  return { response, body };
}

const expand = (path, values) => path.replace(/\{([^}]+)\}/g, (_, name) => encodeURIComponent(values[name]));

// A real id for the path parameter of /v1/x/{id}/...: the document's example, the description's "e.g.", or the
// first item of the list /v1/x, whichever the API knows.
async function pathValues(entry) {
  const values = {};
  for (const parameter of entry.parameters.filter((p) => p.in === "path")) {
    const candidates = [...examplesOf(parameter), suggestedValue(parameter)].filter((v) => v !== undefined);
    const list = entry.path.slice(0, entry.path.indexOf(`{${parameter.name}}`) - 1);
    const page = await fetch(`${api}${list}?limit=1`, { headers: withKey(entry, {}) }).then((r) => (r.ok ? r.json() : undefined)).catch(() => undefined);
    if (page?.items?.[0]?.id) candidates.push(page.items[0].id);
    values[parameter.name] = candidates[0];
    for (const candidate of candidates) {
      const probe = await fetch(api + expand(entry.path, { ...values, [parameter.name]: candidate }), { headers: withKey(entry, {}) });
      await probe.arrayBuffer();
      if (probe.status !== 404) { values[parameter.name] = candidate; break; }
    }
  }
  return values;
}

async function crawl(entry) {
  const values = await pathValues(entry);
  const path = expand(entry.path, values);
  const query = (pairs) => (pairs.length ? `${path}?${new URLSearchParams(pairs)}` : path);
  const plain = await send(proxy, entry, path, {});
  const next = mediaType(plain.response.headers.get("content-type")) === "application/json" ? JSON.parse(plain.body)?.links?.next : undefined;
  const nextQuery = next ? new URL(next, api).searchParams : new URLSearchParams();

  for (const parameter of entry.parameters.filter((p) => p.in === "query")) {
    let values = examplesOf(parameter);
    if (values.length === 0) {
      withoutExample.add(parameter.name);
      const value = nextQuery.get(parameter.name) ?? suggestedValue(parameter);
      values = value === undefined ? [] : [value];
    }
    for (const value of values) await send(proxy, entry, query([[parameter.name, serialize(value)]]), {});
  }

  const success = documented(entry.operation, 200);
  for (const type of Object.keys(success?.content ?? {}).slice(1)) await send(proxy, entry, path, { Accept: type });
  const etag = plain.response.headers.get("etag");
  if (etag && plain.response.status === 200) await send(proxy, entry, path, { "If-None-Match": etag });

  // Every /v1 operation rejects a parameter it does not know; the health probes answer whatever they are sent.
  await send(badInputProxy, entry, query([["unknownParameter", "1"]]), {}, { badInput: true, expect4xx: entry.path.startsWith("/v1/") });
  const bad = malformed(entry.parameters.filter((p) => p.in === "query"));
  if (bad) await send(badInputProxy, entry, query([bad]), {}, { badInput: true });
  if (Object.keys(values).length) {
    const missing = Object.fromEntries(Object.keys(values).map((name) => [name, "does-not-exist-0000"]));
    await send(badInputProxy, entry, expand(entry.path, missing), {}, { badInput: true });
  }
}

const started = Date.now();
const entries = operations.map((o) => ({ ...o, requests: 0, statuses: {}, violations: 0 }));
// A few operations at a time: enough to keep both cores busy, few enough not to time anything out.
const queue = [...entries];
await Promise.all(Array.from({ length: 3 }, async () => {
  for (let entry = queue.shift(); entry; entry = queue.shift()) {
    try { await crawl(entry); } catch (error) {
      entry.violations++;
      violations.push(`${entry.id}: the crawl failed: ${error.message}`);
    }
  }
}));

const table = entries.map((e) => [e.id, String(e.requests), Object.entries(e.statuses).map(([s, n]) => `${s}×${n}`).join(" "), String(e.violations)]);
const header = ["operation", "requests", "statuses", "violations"];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
console.log(line(header));
for (const row of table) console.log(line(row));
if (violations.length) {
  console.log("\nviolations:");
  for (const v of violations) console.log(`  ${v}`);
}
if (withoutExample.size) {
  console.log(`\nquery parameters without an example in the document (sent with a suggested value): ${[...withoutExample].sort().join(", ")}`);
}
if (checkedByCrawl) {
  console.log(`\n${checkedByCrawl} answers in a +json media type beside application/json were checked by the crawl's own validator (Prism reads them with the application/json schema)`);
}
const requests = entries.reduce((n, e) => n + e.requests, 0);
const total = entries.reduce((n, e) => n + e.violations, 0);
console.log(`\ncontract: ${entries.length} GET operations, ${requests} requests through Prism, ${total} violations (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exitCode = total ? 1 : 0;
