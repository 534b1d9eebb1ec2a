#!/usr/bin/env node
// gen.mjs writes src/generated/api.ts from the server's API document
// (api/openapi.yaml at the repository's root): a TypeScript type for every
// schema that the client API uses, a request type per client operation (path,
// query and body fields side by side, as the gateway takes them), the map of
// operation IDs to request and result types, the route table (method, path,
// which fields fill the path, which travel in the query), and the map of
// gateway event names to payload types.
//
//   node scripts/gen.mjs            regenerate
//   node scripts/gen.mjs --check    fail when src/generated/api.ts is stale
//   node scripts/gen.mjs --out F    write to F instead
//   node scripts/gen.mjs --spec F   read F instead of ../../api/openapi.yaml
//
// Client operations are those that keep the document's default security (a
// user token); the server API (signed) and the operator API are left out, as
// are the infrastructure paths (no security). New operations (threads, …)
// are picked up when this script runs again.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const specPath = resolve(arg("--spec") ?? resolve(root, "../../api/openapi.yaml"));
const outPath = resolve(arg("--out") ?? resolve(root, "src/generated/api.ts"));
const check = process.argv.includes("--check");

// Events whose payload schema is not named after them (see the document's
// "Real-time gateway" section): the three message events share one schema.
const sharedEventSchemas = {
  messageReceived: "MessageListEvent",
  messageRevokeReceived: "MessageListEvent",
  messageEdited: "MessageListEvent",
};

const doc = parse(readFileSync(specPath, "utf8"));
const schemas = doc.components?.schemas ?? {};
const params = doc.components?.parameters ?? {};

function refName(ref) {
  const m = /^#\/components\/(schemas|parameters)\/(.+)$/.exec(ref);
  if (!m) throw new Error(`gen: unsupported $ref ${ref}`);
  return m[2];
}

function resolveParam(p) {
  return p.$ref ? params[refName(p.$ref)] : p;
}

function ucFirst(s) {
  return s[0].toUpperCase() + s.slice(1);
}

function lcFirst(s) {
  return s[0].toLowerCase() + s.slice(1);
}

// Schemas reached from client operations and events; emitted in document order.
const used = new Set();
function use(schema) {
  if (!schema || typeof schema !== "object") return;
  if (schema.$ref) {
    const n = refName(schema.$ref);
    if (!used.has(n)) {
      used.add(n);
      use(schemas[n]);
    }
    return;
  }
  for (const k of ["items", "additionalProperties", "not"]) if (typeof schema[k] === "object") use(schema[k]);
  for (const k of ["allOf", "anyOf", "oneOf"]) for (const s of schema[k] ?? []) use(s);
  for (const s of Object.values(schema.properties ?? {})) use(s);
}

function doc1(text, indent) {
  if (!text) return "";
  const clean = String(text).trim().replace(/\*\//g, "*\\/");
  const lines = clean.split("\n");
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? " " + l : ""}`).join("\n")}\n${indent} */\n`;
}

const ident = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
function key(k) {
  return ident.test(k) ? k : JSON.stringify(k);
}

// tsType renders a schema as a TypeScript type expression.
function tsType(s, indent = "") {
  if (!s || typeof s !== "object" || Object.keys(s).length === 0) return "unknown";
  if (s.$ref) return refName(s.$ref);
  if ("const" in s) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.allOf) return s.allOf.map((x) => wrap(tsType(x, indent))).join(" & ");
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf).map((x) => wrap(tsType(x, indent))).join(" | ");
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : s.properties ? ["object"] : [];
  if (types.length === 0) return "unknown";
  return types.map((t) => wrap(single(t, s, indent))).join(" | ");
}

function wrap(t) {
  return /[|&]/.test(t) && !/^[{(]/.test(t) ? `(${t})` : t;
}

function single(t, s, indent) {
  switch (t) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const it = tsType(s.items, indent);
      return /[|& ]/.test(it) ? `Array<${it}>` : `${it}[]`;
    }
    case "object":
      return objectType(s, indent);
  }
  throw new Error(`gen: unsupported type ${t}`);
}

function objectType(s, indent) {
  const props = s.properties ?? {};
  const names = Object.keys(props);
  const ap = s.additionalProperties;
  if (names.length === 0) {
    if (ap && typeof ap === "object") return `Record<string, ${tsType(ap, indent)}>`;
    if (ap === false) return "Record<string, never>";
    return "Record<string, unknown>";
  }
  const req = new Set(s.required ?? []);
  const inner = indent + "  ";
  let out = "{\n";
  for (const n of names) {
    const p = props[n];
    out += doc1(p.description, inner);
    out += `${inner}${key(n)}${req.has(n) ? "" : "?"}: ${tsType(p, inner)};\n`;
  }
  if (ap && typeof ap === "object") out += `${inner}[key: string]: ${tsType(ap, inner)};\n`;
  return out + indent + "}";
}

// Client operations, in document order.
const ops = [];
for (const [path, item] of Object.entries(doc.paths ?? {})) {
  for (const method of ["get", "post", "put", "patch", "delete"]) {
    const op = item[method];
    if (!op || !op.operationId) continue;
    if (op.security !== undefined) continue; // server API, operator API, infrastructure
    const all = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolveParam);
    const pathParams = all.filter((p) => p.in === "path");
    const queryParams = all.filter((p) => p.in === "query");
    const body = op.requestBody?.content?.["application/json"]?.schema;
    const ok = op.responses?.["200"] ?? op.responses?.["201"];
    const result = ok?.content?.["application/json"]?.schema;
    ops.push({ id: op.operationId, method: method.toUpperCase(), path, op, pathParams, queryParams, body, bodyRequired: !!op.requestBody?.required, result });
    for (const p of [...pathParams, ...queryParams]) use(p.schema);
    use(body);
    use(result);
  }
}
ops.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

// Events: every schema named <Name>Event is the payload of event <name>.
const events = [];
for (const name of Object.keys(schemas)) {
  if (!name.endsWith("Event") || name === "MessageListEvent") continue;
  if (schemas[name].type !== "object") continue; // an enumeration such as WebhookEvent
  events.push({ event: lcFirst(name.slice(0, -"Event".length)), schema: name });
}
for (const [event, schema] of Object.entries(sharedEventSchemas)) if (schemas[schema]) events.push({ event, schema });
events.sort((a, b) => (a.event < b.event ? -1 : a.event > b.event ? 1 : 0));
for (const e of events) use({ $ref: `#/components/schemas/${e.schema}` });
use({ $ref: "#/components/schemas/ErrorBody" });

let out = "";
out += "// Code generated by scripts/gen.mjs from api/openapi.yaml. DO NOT EDIT.\n";
out += "// Regenerate with `npm run gen`; test.sh fails when this file is stale.\n";
out += `// API version ${doc.info?.version ?? "?"}: ${ops.length} client operations, ${events.length} events.\n\n`;
out += "/* eslint-disable */\n\n";

out += "// ---- Schemas (components/schemas) ----\n\n";
for (const name of Object.keys(schemas)) {
  if (!used.has(name)) continue;
  const s = schemas[name];
  out += doc1(s.description, "");
  const t = tsType(s);
  if (t.startsWith("{")) out += `export interface ${name} ${t}\n\n`;
  else out += `export type ${name} = ${t};\n\n`;
}

out += "// ---- Requests: one per client operation ----\n\n";
const reqNames = new Map();
for (const o of ops) {
  let name = `${ucFirst(o.id)}Request`;
  if (schemas[name] && used.has(name)) name = `${ucFirst(o.id)}Input`;
  reqNames.set(o.id, name);
  const lines = [];
  for (const p of o.pathParams) lines.push(doc1(p.description, "  ") + `  ${key(p.name)}: ${tsType(p.schema, "  ")};\n`);
  for (const p of o.queryParams) lines.push(doc1(p.description, "  ") + `  ${key(p.name)}${p.required ? "" : "?"}: ${tsType(p.schema, "  ")};\n`);
  let bodyRef = "";
  if (o.body) {
    if (o.body.$ref) bodyRef = refName(o.body.$ref);
    else {
      const req = new Set(o.body.required ?? []);
      for (const [n, p] of Object.entries(o.body.properties ?? {})) {
        lines.push(doc1(p.description, "  ") + `  ${key(n)}${req.has(n) ? "" : "?"}: ${tsType(p, "  ")};\n`);
      }
    }
  }
  out += doc1(`The request of \`${o.id}\` (${o.method} ${o.path})${o.op.summary ? ": " + o.op.summary.toLowerCase() : ""}.`, "");
  if (bodyRef && lines.length === 0) out += `export type ${name} = ${bodyRef};\n\n`;
  else if (bodyRef) out += `export type ${name} = ${bodyRef} & {\n${lines.join("")}};\n\n`;
  else if (lines.length === 0) out += `export type ${name} = Record<string, never>;\n\n`;
  else out += `export interface ${name} {\n${lines.join("")}}\n\n`;
}

out += "// ---- Operations ----\n\n";
out += "/** Operations maps each client operation ID to its request and result types. */\n";
out += "export interface Operations {\n";
for (const o of ops) out += `  ${key(o.id)}: { request: ${reqNames.get(o.id)}; result: ${o.result ? tsType(o.result, "  ") : "unknown"} };\n`;
out += "}\n\n";
out += "/** OperationID is the ID of a client operation. */\nexport type OperationID = keyof Operations;\n";
out += "/** RequestOf is the request type of an operation. */\nexport type RequestOf<K extends OperationID> = Operations[K][\"request\"];\n";
out += "/** ResultOf is the result type of an operation. */\nexport type ResultOf<K extends OperationID> = Operations[K][\"result\"];\n\n";

out += "/** Route is how an operation travels over HTTP. */\n";
out += "export interface Route {\n  readonly method: \"GET\" | \"POST\" | \"PUT\" | \"PATCH\" | \"DELETE\";\n  readonly path: string;\n  /** The request fields that fill the path. */\n  readonly pathParams: readonly string[];\n  /** The request fields sent as query parameters (a GET sends every field that is not in the path). */\n  readonly queryParams: readonly string[];\n  /** Whether the operation takes a JSON body. */\n  readonly body: boolean;\n}\n\n";
out += "/** routes maps each client operation ID to its HTTP route. */\n";
out += "export const routes: { readonly [K in OperationID]: Route } = {\n";
for (const o of ops) {
  out += `  ${key(o.id)}: { method: ${JSON.stringify(o.method)}, path: ${JSON.stringify(o.path)}, pathParams: ${JSON.stringify(o.pathParams.map((p) => p.name))}, queryParams: ${JSON.stringify(o.queryParams.map((p) => p.name))}, body: ${o.body ? "true" : "false"} },\n`;
}
out += "};\n\n";

out += "// ---- Gateway events ----\n\n";
out += "/** EventMap maps each gateway event name to the payload of its dispatch. */\n";
out += "export interface EventMap {\n";
for (const e of events) out += `  ${key(e.event)}: ${e.schema};\n`;
out += "}\n\n";
out += "/** EventName is the name of a gateway event. */\nexport type EventName = keyof EventMap;\n\n";
out += "/** eventNames lists every gateway event the API document describes. */\n";
out += `export const eventNames: readonly EventName[] = ${JSON.stringify(events.map((e) => e.event))};\n`;

if (check) {
  let old = "";
  try {
    old = readFileSync(outPath, "utf8");
  } catch {
    // missing counts as stale
  }
  if (old !== out) {
    console.error(`gen: ${relative(process.cwd(), outPath)} is stale: run \`npm run gen\` in sdk/js and commit the result`);
    process.exit(1);
  }
  console.log(`gen: ${relative(process.cwd(), outPath)} is up to date (${ops.length} operations, ${events.length} events)`);
} else {
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, out);
  console.log(`gen: wrote ${relative(process.cwd(), outPath)} (${ops.length} operations, ${events.length} events)`);
}
