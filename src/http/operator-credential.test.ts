// The operator credential: without one configured nothing unlocks metrics; with one, only the
// exact token does.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "./context.js";
import { AppError } from "./errors.js";
import { hasOperatorCredential, operatorAuthenticator } from "./operator-credential.js";

const TOKEN = "a".repeat(40);

async function run(token: string | undefined, authorization?: string) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    try {
      await operatorAuthenticator(token)(c, [], undefined as never);
      return c.json({ ok: true, detail: hasOperatorCredential(c, token) });
    } catch (err) {
      return c.json({ code: (err as AppError).code });
    }
  });
  const res = await app.request("/", { headers: authorization ? { authorization } : {} });
  return res.json();
}

describe("operator credential", () => {
  it("is off (404) when none is configured, whatever is sent", async () => {
    expect(await run(undefined)).toEqual({ code: "NOT_FOUND" });
    expect(await run(undefined, "Bearer anything")).toEqual({ code: "NOT_FOUND" });
  });

  it("accepts the exact token only", async () => {
    expect(await run(TOKEN, `Bearer ${TOKEN}`)).toEqual({ ok: true, detail: true });
    expect(await run(TOKEN)).toEqual({ code: "UNAUTHORIZED" });
    expect(await run(TOKEN, `Bearer ${TOKEN.slice(1)}`)).toEqual({ code: "UNAUTHORIZED" });
    expect(await run(TOKEN, `Bearer ${TOKEN}a`)).toEqual({ code: "UNAUTHORIZED" });
    expect(await run(TOKEN, `Basic ${TOKEN}`)).toEqual({ code: "UNAUTHORIZED" });
  });
});
