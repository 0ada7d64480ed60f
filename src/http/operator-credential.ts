// The operator's credential for what only operators should read: Prometheus metrics (routes,
// job counts, process internals) and the readiness checks' failure details (which name hosts
// and drivers). A static bearer token from config (METRICS_TOKEN), compared in constant time
// (both sides hashed first, so neither the length nor a prefix of the token leaks through timing).
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import type { AppEnv } from "./context.js";
import { AppError } from "./errors.js";
import type { Authenticator } from "./router.js";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Does the request carry the operator credential? False when none is configured. */
export function hasOperatorCredential(c: Context<AppEnv>, token: string | undefined): boolean {
  if (token === undefined) return false;
  const m = /^Bearer +(\S+) *$/i.exec(c.req.header("authorization") ?? "");
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

/** The operatorToken security scheme: 404 when no credential is configured, 401 without it. */
export function operatorAuthenticator(token: string | undefined): Authenticator {
  return async (c) => {
    if (token === undefined) throw new AppError("NOT_FOUND", "metrics are off: set METRICS_TOKEN to serve them");
    if (!hasOperatorCredential(c, token)) {
      throw new AppError("UNAUTHORIZED", "send Authorization: Bearer <the operator credential>", { headers: { "WWW-Authenticate": 'Bearer realm="operator"' } });
    }
  };
}
