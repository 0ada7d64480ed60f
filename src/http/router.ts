// Builds the Hono routes from the spec: every operation in openapi/gateway.yaml gets exactly
// one handler, and a handler without an operation (or the reverse) refuses to start.
// Per request: authenticate (headers) -> read the exact body bytes within the limit ->
// verify the body signature when the operation requires one -> parse -> validate -> handle.
import type { Context, Hono } from "hono";
import type { operations } from "../generated/openapi.js";
import { readBody, mediaTypeOf, parseBody, type BodyTimeouts } from "./body.js";
import type { AppEnv } from "./context.js";
import { AppError } from "./errors.js";
import { mayHoldUnstorableText, unstorableTextAt } from "./storable-text.js";
import type { JsonObject, Operation, Spec } from "./spec.js";
import { assertValid, type SpecValidator } from "./validation.js";

export interface OperationInput<B = unknown, Q = Record<string, unknown>, P = Record<string, string>> {
  body: B;
  query: Q;
  params: P;
  /** The exact bytes received (undefined for operations without a request body). */
  rawBody: Uint8Array | undefined;
  mediaType: string | undefined;
}

type Op<K extends keyof operations> = operations[K];
type JsonBodyOf<K extends keyof operations> = Op<K> extends { requestBody: { content: { "application/json": infer B } } }
  ? B
  : Op<K> extends { requestBody?: { content: { "application/json": infer B } } }
    ? B | undefined
    : Op<K> extends { requestBody: { content: { "application/x-www-form-urlencoded": infer F } } }
      ? F
      : undefined;
type QueryOf<K extends keyof operations> = Op<K> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : Record<string, never>;
type PathOf<K extends keyof operations> = Op<K> extends { parameters: { path: infer P } } ? P : Record<string, never>;

export type Handler<K extends keyof operations> = (
  c: Context<AppEnv>,
  input: OperationInput<JsonBodyOf<K>, QueryOf<K>, PathOf<K>>,
) => Response | Promise<Response>;

/** A domain's contribution to the app: handlers keyed by operationId. */
export type Handlers = { [K in keyof operations]?: Handler<K> };

/** Checks credentials for one security scheme; sets `principal` or throws AppError. */
export type Authenticator = (c: Context<AppEnv>, scopes: string[], op: Operation) => Promise<void>;
/** Checks the detached signature over the exact body bytes (operations with x-signed-body). */
export type BodyVerifier = (c: Context<AppEnv>, rawBody: Uint8Array, op: Operation) => Promise<void>;

/** Runs after authentication, before the body is read (e.g. per-platform rate limits). */
export type AfterAuthenticate = (c: Context<AppEnv>, op: Operation) => Promise<void>;
/** Wraps the handler once the input is read and checked (e.g. Idempotency-Key replay). */
export type AroundHandler = (
  c: Context<AppEnv>,
  op: Operation,
  input: OperationInput,
  next: () => Promise<Response>,
) => Promise<Response>;

export interface MountOptions {
  spec: Spec;
  validator: SpecValidator;
  handlers: Handlers;
  authenticators: Record<string, Authenticator>;
  bodyVerifier?: BodyVerifier;
  afterAuthenticate?: AfterAuthenticate;
  aroundHandler?: AroundHandler;
  bodyLimitBytes: number;
  /** How slowly a body may arrive (config's HTTP_BODY_*); unset, no limit (in-process tests). */
  bodyTimeouts?: BodyTimeouts;
}

export function mountOperations(app: Hono<AppEnv>, options: MountOptions): void {
  const { spec, handlers } = options;
  const known = new Set(spec.operations.map((o) => o.operationId));
  const orphans = Object.keys(handlers).filter((id) => !known.has(id));
  if (orphans.length > 0) throw new Error(`handlers without a spec operation: ${orphans.join(", ")}`);
  const missing = spec.operations.filter((o) => !(o.operationId in handlers)).map((o) => o.operationId);
  if (missing.length > 0) throw new Error(`spec operations without a handler: ${missing.join(", ")}`);

  const globalSecurity = (spec.document.security ?? []) as Array<Record<string, string[]>>;
  for (const op of spec.operations) {
    const security = (op.definition.security as Array<Record<string, string[]>> | undefined) ?? globalSecurity;
    for (const requirement of security) {
      for (const scheme of Object.keys(requirement)) {
        if (!options.authenticators[scheme]) throw new Error(`${op.operationId}: no authenticator for security scheme ${scheme}`);
      }
    }
    if (op.definition["x-signed-body"] === true && !options.bodyVerifier) {
      throw new Error(`${op.operationId}: x-signed-body needs a body verifier`);
    }
    const handler = handlers[op.operationId as keyof operations] as unknown as Handler<keyof operations>;
    app.on(op.method.toUpperCase(), toHonoPath(op.path), async (c) => {
      c.set("operationId", op.operationId);
      c.set("route", op.path);
      await authenticate(c, op, security, options.authenticators);
      if (options.afterAuthenticate) await options.afterAuthenticate(c, op);
      const input = await readInputIn(c, op, options);
      const run = async () => handler(c, input as never);
      return options.aroundHandler ? options.aroundHandler(c, op, input, run) : run();
    });
  }
}

/** /v1/entities/{id} -> /v1/entities/:id */
export function toHonoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}

async function authenticate(
  c: Context<AppEnv>,
  op: Operation,
  security: Array<Record<string, string[]>>,
  authenticators: Record<string, Authenticator>,
): Promise<void> {
  // OpenAPI semantics: alternatives are OR-ed, schemes inside one alternative AND-ed.
  if (security.length === 0 || security.some((r) => Object.keys(r).length === 0)) return;
  let firstFailure: unknown;
  for (const requirement of security) {
    try {
      for (const [scheme, scopes] of Object.entries(requirement)) await authenticators[scheme]!(c, scopes, op);
      return;
    } catch (err) {
      firstFailure ??= err;
      c.set("principal", undefined);
    }
  }
  throw firstFailure;
}

/**
 * Operations marked `x-error-format: oauth2` (the token endpoint) answer even malformed
 * requests the RFC 6749 §5.2 way, so OAuth clients can parse every error they get.
 */
async function readInputIn(c: Context<AppEnv>, op: Operation, options: MountOptions): Promise<OperationInput> {
  if (op.definition["x-error-format"] !== "oauth2") return readInput(c, op, options);
  try {
    return await readInput(c, op, options);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    throw new OAuthRequestError(err.detail);
  }
}

/** An RFC 6749 `invalid_request` error; rendered by the error handler as OAuth JSON. */
export class OAuthRequestError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = "OAuthRequestError";
  }
}

async function readInput(c: Context<AppEnv>, op: Operation, options: MountOptions): Promise<OperationInput> {
  const v = options.validator.for(op.operationId);
  const params = { ...c.req.param() } as Record<string, string>;
  if (v.params) assertValid(v.params, params, "path parameters");
  const query = queryObject(c.req.url);
  if (v.query) assertValid(v.query, query, "query parameters");

  const requestBody = op.definition.requestBody as JsonObject | undefined;
  if (!requestBody) {
    checkHeaders(c, v);
    return { body: undefined, query, params, rawBody: undefined, mediaType: undefined };
  }

  const content = (requestBody.content ?? {}) as Record<string, JsonObject>;
  const mediaType = mediaTypeOf(c.req.header("content-type"));
  const hasBody = c.req.raw.body !== null && c.req.header("content-length") !== "0";
  if (!hasBody && requestBody.required !== true) {
    checkHeaders(c, v);
    return { body: undefined, query, params, rawBody: undefined, mediaType };
  }
  if (!mediaType || !(mediaType in content)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Content-Type must be one of: ${Object.keys(content).join(", ")}`, {
      headers: { "Accept-Post": Object.keys(content).join(", ") },
    });
  }
  const limit = Number(op.definition["x-max-body-bytes"] ?? options.bodyLimitBytes);
  const rawBody = await readBody(c.req.raw, Math.min(limit, options.bodyLimitBytes), options.bodyTimeouts);
  // After the signature check, so a missing or garbled X-JWS-Signature keeps its own 401 codes.
  if (op.definition["x-signed-body"] === true) await options.bodyVerifier!(c, rawBody, op);
  checkHeaders(c, v);
  if (rawBody.byteLength === 0) throw new AppError("VALIDATION_FAILED", "request body is required", { errors: [{ pointer: "/", message: "required" }] });
  const recordsProperty = v.record?.property;
  const body = parseBody(rawBody, mediaType, recordsProperty);
  // An NDJSON body is checked in its wrapped JSON shape ({ records: [...] }).
  const validate = v.body.get(mediaType === "application/x-ndjson" ? "application/json" : mediaType) ?? v.body.get(mediaType);
  if (validate) assertValid(validate, body, "request body");
  // A batch refuses such text per record (a bad record never sinks the good ones); any other
  // body as a whole, here, before a statement fails on it.
  if (recordsProperty === undefined && mayHoldUnstorableText(rawBody)) {
    const pointer = unstorableTextAt(body);
    if (pointer !== undefined) {
      throw new AppError("VALIDATION_FAILED", `request body is invalid: ${pointer} contains U+0000 or a lone UTF-16 surrogate, which cannot be stored`, {
        errors: [{ pointer, message: "contains U+0000 or a lone UTF-16 surrogate, which cannot be stored" }],
      });
    }
  }
  return { body, query, params, rawBody, mediaType };
}

/**
 * Header parameters the spec declares (Idempotency-Key's length, ...), checked before any
 * handler or wrapper uses them: a bad value is a 400, never a failure further down.
 */
function checkHeaders(c: Context<AppEnv>, v: ReturnType<SpecValidator["for"]>): void {
  if (!v.headers) return;
  // Hono gives the names lower-cased, as the validator declares them.
  assertValid(v.headers, c.req.header(), "headers");
}

/** Query parameters; a repeated name becomes an array (validated against the schema). */
function queryObject(url: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URL(url).searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
