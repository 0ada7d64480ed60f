// Cross-cutting request handling: request ids, structured access logs, metrics, and the
// mapping of every error to problem+json. Authorization headers and bodies are never logged.
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from "../db/unavailable.js";
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { uuidv7 } from "uuidv7";
import type { AppEnv } from "./context.js";
import { AppError, problemOf } from "./errors.js";
import type { HttpMetrics } from "./metrics.js";
import { OAuthRequestError, toHonoPath } from "./router.js";
import type { Spec } from "./spec.js";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger, metrics: HttpMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    c.set("requestId", requestId);
    c.set("log", logger.child({ requestId }));
    c.header("X-Request-Id", requestId);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.get("route") ?? "unmatched";
    metrics.observe(c.req.method, route, c.res.status, seconds);
    const level = c.res.status >= 500 ? "error" : "info";
    c.get("log")[level](
      { method: c.req.method, route, operationId: c.get("operationId"), status: c.res.status, ms: Math.round(seconds * 1000) },
      "request",
    );
  };
}

export function problemResponse(c: Context<AppEnv>, err: AppError): Response {
  const body = problemOf(err, c.get("requestId") ?? "unknown", new URL(c.req.url).pathname);
  const headers: Record<string, string> = {
    "Content-Type": "application/problem+json; charset=utf-8",
    "X-Request-Id": c.get("requestId") ?? "unknown",
    ...(err.extra.headers ?? {}),
  };
  return new Response(JSON.stringify(body), { status: err.status, headers });
}

export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof AppError) return problemResponse(c, err);
  if (err instanceof OAuthRequestError) {
    return new Response(JSON.stringify({ error: "invalid_request", error_description: err.description }), {
      status: 400,
      headers: { "Content-Type": "application/json", "Cache-Control": "no-store", "X-Request-Id": c.get("requestId") ?? "unknown" },
    });
  }
  if (isDatabaseUnavailable(err)) {
    (c.get("log") ?? console).warn({ err: (err as Error).message }, "database unavailable");
    return problemResponse(
      c,
      new AppError("UNAVAILABLE", "the database is unreachable for the moment; try again shortly", { headers: { "Retry-After": String(DATABASE_RETRY_AFTER_S) } }),
    );
  }
  // Unknown failures are logged with their stack and answered without internals.
  (c.get("log") ?? console).error({ err }, "unhandled error");
  return problemResponse(c, new AppError("INTERNAL", "an unexpected error occurred; quote the request id when reporting it"));
}

/** 404 for unknown paths; 405 with Allow when the path exists for other methods. */
export function notFound(spec: Spec) {
  const templates = spec.operations.map((op) => ({
    method: op.method.toUpperCase(),
    pattern: new RegExp("^" + toHonoPath(op.path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+") + "$"),
  }));
  return (c: Context<AppEnv>): Response => {
    const path = new URL(c.req.url).pathname;
    const allowed = templates.filter((t) => t.pattern.test(path)).map((t) => t.method);
    if (allowed.length > 0) {
      return problemResponse(
        c,
        new AppError("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${path}`, { headers: { Allow: allowed.join(", ") } }),
      );
    }
    return problemResponse(c, new AppError("NOT_FOUND", `no such resource: ${path}`));
  };
}
