// Which failures count as "the database is not reachable now" (503 + Retry-After), which not.
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./unavailable.js";

const withCode = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, ...(cause ? { cause } : {}) });

describe("isDatabaseUnavailable", () => {
  it("recognises refused and dropped connections and a server shutting down or starting, also wrapped", () => {
    for (const code of ["ECONNREFUSED", "CONNECTION_CLOSED", "CONNECT_TIMEOUT", "57P01", "57P03", "08006"]) expect(isDatabaseUnavailable(withCode(code)), code).toBe(true);
    const drizzleWrapped = Object.assign(new Error("Failed query: select 1"), { cause: withCode("57P01") });
    expect(isDatabaseUnavailable(drizzleWrapped)).toBe(true);
  });

  it("leaves query faults and our own errors alone", () => {
    for (const code of ["23505", "42P01", "57014", "ERR_INVALID_ARG_TYPE"]) expect(isDatabaseUnavailable(withCode(code)), code).toBe(false);
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
