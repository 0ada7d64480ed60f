// Is this error "the database cannot be reached right now" rather than a fault of the request
// or of our code? Then the answer is 503 with Retry-After (clients retry; load balancers see
// /readyz fail meanwhile), not a 500 — a PostgreSQL restart or failover is an expected event.
// Drivers wrap errors (drizzle's query error carries the driver's as `cause`): walk the chain.

/** postgres.js connection failures, and socket errors before or while a query runs. */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
  "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN",
]);

/**
 * SQLSTATEs of a server going away or not yet back: class 08 (connection exception),
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123])$/;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  }
  return false;
}

/** Seconds a client should wait before trying again: a PostgreSQL restart takes a few. */
export const DATABASE_RETRY_AFTER_S = 5;
