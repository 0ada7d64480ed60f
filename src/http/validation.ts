// Request validators compiled by Ajv (JSON Schema 2020-12) from the spec itself: there is no
// second, hand-written schema for anything the spec describes.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { AppError, type FieldError } from "./errors.js";
import { SpecError, type JsonObject, type Operation, type Spec } from "./spec.js";

const SPEC_ID = "urn:credit-sandbox:openapi";
/** OpenAPI keywords that are annotations, not assertions. */
const ANNOTATIONS = ["example", "discriminator", "xml", "externalDocs"];
const MAX_REPORTED = 20;

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

export interface OperationValidators {
  /** Body validator per request media type (JSON-like bodies only). */
  body: Map<string, ValidateFunction>;
  query?: ValidateFunction;
  params?: ValidateFunction;
  headers?: ValidateFunction;
  /** Per-record validator when the body is a batch whose records are checked one by one. */
  record?: { property: string; validate: ValidateFunction };
}

export class SpecValidator {
  private readonly bodies: Ajv2020;
  private readonly params: Ajv2020;
  private readonly byOperation = new Map<string, OperationValidators>();

  constructor(private readonly spec: Spec) {
    this.bodies = makeAjv(false);
    // Query, path and header values arrive as strings: coerce them to the declared types.
    this.params = makeAjv(true);
    for (const ajv of [this.bodies, this.params]) ajv.addSchema(spec.document, SPEC_ID);
    for (const op of spec.operations) this.byOperation.set(op.operationId, this.compile(op));
  }

  for(operationId: string): OperationValidators {
    const v = this.byOperation.get(operationId);
    if (!v) throw new Error(`no validators for ${operationId}`);
    return v;
  }

  /** A validator for a named component schema, e.g. for records validated one by one. */
  component(name: string): ValidateFunction {
    const v = this.bodies.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
    if (!v) throw new Error(`no component schema ${name}`);
    return v;
  }

  private compile(op: Operation): OperationValidators {
    const where = `${op.method.toUpperCase()} ${op.path}`;
    const compileWith = (ajv: Ajv2020, schema: unknown, what: string): ValidateFunction => {
      try {
        return ajv.compile(rebase(schema) as JsonObject);
      } catch (err) {
        throw new SpecError(`${where} ${what}: ${(err as Error).message}`);
      }
    };
    const result: OperationValidators = { body: new Map() };
    const content = ((op.definition.requestBody as JsonObject | undefined)?.content ?? {}) as Record<string, JsonObject>;
    const perRecord = op.definition["x-records-validated-individually"] as string | undefined;
    for (const [mediaType, media] of Object.entries(content)) {
      if (!media.schema) continue;
      let schema = media.schema as JsonObject;
      // An NDJSON body's schema describes one line; the router checks the wrapped
      // { records: [...] } shape with the JSON validator and each line as a record.
      if (mediaType === "application/x-ndjson") continue;
      if (perRecord) {
        // A bad record must not sink the good ones: the batch is checked without its items,
        // and each record is checked on its own by the handler.
        const resolved = this.deref(schema);
        const props = (resolved.properties ?? {}) as Record<string, JsonObject>;
        const list = props[perRecord];
        if (!list?.items) throw new SpecError(`${where}: x-records-validated-individually names ${perRecord}, which has no items`);
        result.record ??= { property: perRecord, validate: compileWith(this.bodies, list.items, "record schema") };
        schema = { ...resolved, properties: { ...props, [perRecord]: { ...list, items: true } } };
      }
      result.body.set(mediaType, compileWith(this.bodies, schema, `request body (${mediaType})`));
    }
    const parameters = this.resolveParameters(op);
    for (const location of ["query", "path", "header"] as const) {
      const list = parameters.filter((p) => p.in === location);
      if (list.length === 0) continue;
      const schema = {
        type: "object",
        properties: Object.fromEntries(list.map((p) => [location === "header" ? String(p.name).toLowerCase() : p.name, p.schema ?? {}])),
        required: list.filter((p) => p.required).map((p) => (location === "header" ? String(p.name).toLowerCase() : p.name)),
      };
      const v = compileWith(this.params, schema, `${location} parameters`);
      if (location === "query") result.query = v;
      else if (location === "path") result.params = v;
      else result.headers = v;
    }
    return result;
  }

  private resolveParameters(op: Operation): JsonObject[] {
    return ((op.definition.parameters ?? []) as JsonObject[]).map((p) => this.deref(p));
  }

  private deref(node: JsonObject): JsonObject {
    let cur = node;
    for (let i = 0; i < 10 && typeof cur.$ref === "string"; i++) {
      const path = (cur.$ref as string).replace(/^#\//, "").split("/");
      let target: unknown = this.spec.document;
      for (const part of path) target = (target as JsonObject)?.[part];
      if (!target || typeof target !== "object") throw new SpecError(`unresolvable reference ${String(cur.$ref)}`);
      cur = target as JsonObject;
    }
    return cur;
  }
}

function makeAjv(coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    coerceTypes: coerce ? "array" : false,
    useDefaults: coerce,
    validateFormats: true,
  });
  addFormats(ajv);
  for (const k of ANNOTATIONS) ajv.addKeyword(k);
  return ajv;
}

/** Local refs (#/components/...) point into the spec document registered under SPEC_ID. */
function rebase(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebase);
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node as JsonObject)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#") ? SPEC_ID + v : rebase(v);
  }
  return out;
}

/** Ajv errors as JSON pointers the caller can act on. */
export function fieldErrors(errors: ErrorObject[] | null | undefined, prefix = ""): FieldError[] {
  return (errors ?? []).slice(0, MAX_REPORTED).map((e) => {
    let pointer = prefix + e.instancePath;
    if (e.keyword === "required") pointer += `/${String((e.params as { missingProperty: string }).missingProperty)}`;
    if (e.keyword === "additionalProperties") pointer += `/${String((e.params as { additionalProperty: string }).additionalProperty)}`;
    return { pointer: pointer || "/", message: e.message ?? e.keyword };
  });
}

export function assertValid(validate: ValidateFunction, value: unknown, where: string, prefix = ""): void {
  if (validate(value)) return;
  const errors = fieldErrors(validate.errors, prefix);
  const first = errors[0];
  throw new AppError("VALIDATION_FAILED", `${where} is invalid${first ? `: ${first.pointer} ${first.message}` : ""}`, { errors });
}
