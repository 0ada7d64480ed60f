import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, parseRetryAfter } from "./retry.js";

describe("retry policy", () => {
  it("retries only answers that mean 'try later'", () => {
    for (const s of [408, 429, 502, 503, 504]) expect(isRetryableStatus(s, undefined)).toBe(true);
    for (const s of [400, 401, 403, 404, 413, 422, 500]) expect(isRetryableStatus(s, undefined)).toBe(false);
    expect(isRetryableStatus(409, "IDEMPOTENCY_IN_FLIGHT")).toBe(true);
    expect(isRetryableStatus(409, "CONFLICT")).toBe(false);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });

  it("backs off exponentially with full jitter, capped, and never waits less than Retry-After", () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(p, 0, () => 1)).toBe(100);
    expect(backoffDelay(p, 3, () => 1)).toBe(800);
    expect(backoffDelay(p, 10, () => 1)).toBe(1000);
    expect(backoffDelay(p, 3, () => 0)).toBe(0);
    expect(backoffDelay(p, 0, () => 0, 2000)).toBe(2000);
    expect(backoffDelay(p, 0, () => 1, 2000)).toBeGreaterThanOrEqual(2000);
  });
});
