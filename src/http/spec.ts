// Loads openapi/gateway.yaml (and any files it $refs), bundles it into one document and checks
// it enough to refuse to start on a broken spec: OpenAPI 3.1, unique operationIds, every
// schema compiles (see validation.ts).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { specPath } from "../paths.js";
import { applyOperationExamples } from "./spec-examples.js";

export type JsonObject = Record<string, unknown>;

export interface Operation {
  operationId: string;
  method: string; // lower case
  path: string; // OpenAPI template, e.g. /v1/entities/{id}
  definition: JsonObject;
}

export interface Spec {
  document: JsonObject;
  operations: Operation[];
}

export class SpecError extends Error {
  constructor(message: string) {
    super(`openapi/gateway.yaml: ${message}`);
    this.name = "SpecError";
  }
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export function loadSpec(file = specPath()): Spec {
  const document = bundle(readYaml(file), dirname(file), new Set([file])) as JsonObject;
  if (typeof document.openapi !== "string" || !document.openapi.startsWith("3.1.")) {
    throw new SpecError(`openapi must be 3.1.x (got ${String(document.openapi)})`);
  }
  const paths = (document.paths ?? {}) as Record<string, JsonObject>;
  const operations: Operation[] = [];
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const definition = item[method] as JsonObject | undefined;
      if (!definition) continue;
      const operationId = definition.operationId;
      if (typeof operationId !== "string") throw new SpecError(`${method.toUpperCase()} ${path} has no operationId`);
      if (seen.has(operationId)) throw new SpecError(`operationId ${operationId} is used twice`);
      seen.add(operationId);
      operations.push({ operationId, method, path, definition: withPathParameters(definition, item) });
    }
  }
  // The definitions share their parameter, body and response objects with the document, so
  // the examples land in what is served too.
  applyOperationExamples(document, operations);
  return { document, operations };
}

/** Path-level parameters apply to every operation under the path. */
function withPathParameters(op: JsonObject, item: JsonObject): JsonObject {
  const shared = (item.parameters ?? []) as JsonObject[];
  if (shared.length === 0) return op;
  const own = (op.parameters ?? []) as JsonObject[];
  const key = (p: JsonObject) => `${String(p.in)}:${String(p.name)}`;
  const ownKeys = new Set(own.map(key));
  return { ...op, parameters: [...shared.filter((p) => !ownKeys.has(key(p))), ...own] };
}

function readYaml(file: string): unknown {
  try {
    return parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new SpecError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Inlines $refs to other files so the served document and the validators see one tree. */
function bundle(node: unknown, baseDir: string, visiting: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => bundle(n, baseDir, visiting));
  if (node === null || typeof node !== "object") return node;
  const obj = node as JsonObject;
  const ref = obj.$ref;
  if (typeof ref === "string" && !ref.startsWith("#")) {
    const [file = "", pointer = ""] = ref.split("#");
    const target = resolve(baseDir, file);
    if (visiting.has(target)) throw new SpecError(`circular file reference to ${target}`);
    const loaded = resolvePointer(readYaml(target), pointer, ref);
    return bundle(loaded, dirname(target), new Set([...visiting, target]));
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) out[k] = bundle(v, baseDir, visiting);
  return out;
}

export function resolvePointer(doc: unknown, pointer: string, label = pointer): unknown {
  if (pointer === "" || pointer === "/") return doc;
  let cur = doc;
  for (const raw of pointer.replace(/^\//, "").split("/")) {
    const part = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object" || !(part in (cur as JsonObject))) {
      throw new SpecError(`unresolvable reference ${label}`);
    }
    cur = (cur as JsonObject)[part];
  }
  return cur;
}
