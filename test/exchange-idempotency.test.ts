// Idempotency-Key on signed submissions: replay of the stored response, 422 for the same key
// with another body, 409 while the first attempt is in flight, takeover of an abandoned claim.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestHash } from "../src/http/idempotency.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { onboardPlatform, type OnboardedPlatform } from "./support/platform.js";
import { complaint, merchant } from "./exchange-fixtures.js";

let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;

beforeAll(async () => {
  gw = await startTestGateway();
  a = await onboardPlatform(gw);
  b = await onboardPlatform(gw);
  await a.signedRequest("/v1/merchants/batch", { records: [merchant("idem-shop")] });
});
afterAll(async () => {
  await gw?.close();
});

const count = async (q: ReturnType<typeof sql>) => Number((await gw.system.deps.db.rows<{ n: number }>(q))[0]!.n);

describe("Idempotency-Key", () => {
  it("replays the stored response for the same key and body (new signature each time)", async () => {
    const body = JSON.stringify({ records: [complaint("idem-1", "idem-shop")] });
    const first = await a.signedRequest("/v1/events/batch", body, { idempotencyKey: "key-1" });
    expect(first.status).toBe(200);
    const firstBody = await first.text();
    const batches = await count(sql`select count(*)::int as n from batch where platform_id = ${a.platformId}::uuid`);
    const again = await a.signedRequest("/v1/events/batch", body, { idempotencyKey: "key-1" });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toMatch(/application\/json/);
    expect(await again.text()).toBe(firstBody);
    expect(await count(sql`select count(*)::int as n from batch where platform_id = ${a.platformId}::uuid`)).toBe(batches);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
  });

  it("answers 422 for the same key with a different body", async () => {
    await a.signedRequest("/v1/events/batch", { records: [complaint("idem-2", "idem-shop")] }, { idempotencyKey: "key-2" });
    const res = await a.signedRequest("/v1/events/batch", { records: [complaint("idem-3", "idem-shop")] }, { idempotencyKey: "key-2" });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("keeps key spaces apart per platform", async () => {
    await b.signedRequest("/v1/merchants/batch", { records: [merchant("idem-shop")] }, { idempotencyKey: "key-2" });
    const res = await b.signedRequest("/v1/events/batch", { records: [complaint("idem-2", "idem-shop")] }, { idempotencyKey: "key-x" });
    expect(res.status).toBe(200);
  });

  it("answers 409 while a claim is in flight, and takes over an abandoned one", async () => {
    const body = JSON.stringify({ records: [complaint("idem-4", "idem-shop")] });
    const now = gw.clock.now();
    const hash = requestHash("POST", "/v1/events/batch", new TextEncoder().encode(body));
    await gw.system.deps.db.orm.execute(sql`
      insert into idempotency_record (scope, key, request_hash, state, created_at, locked_until, expires_at)
      values (${`platform:${a.platformId}`}, 'key-4', ${hash}, 'in_flight', ${now.toISOString()}::timestamptz,
              ${new Date(now.getTime() + 60_000).toISOString()}::timestamptz, ${new Date(now.getTime() + 86_400_000).toISOString()}::timestamptz)`);
    const busy = await a.signedRequest("/v1/events/batch", body, { idempotencyKey: "key-4" });
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { code: string }).code).toBe("IDEMPOTENCY_IN_FLIGHT");

    await gw.system.deps.db.orm.execute(sql`update idempotency_record set locked_until = ${new Date(now.getTime() - 1000).toISOString()}::timestamptz where key = 'key-4'`);
    const taken = await a.signedRequest("/v1/events/batch", body, { idempotencyKey: "key-4" });
    expect(taken.status).toBe(200);
    expect(((await taken.json()) as { accepted: number }).accepted).toBe(1);
    const [row] = await gw.system.deps.db.rows<{ state: string; response_status: number }>(sql`select state, response_status from idempotency_record where key = 'key-4'`);
    expect(row).toEqual({ state: "done", response_status: 200 });
  });

  it("stores nothing for a request refused before the handler (token scope), so a proper retry runs", async () => {
    const body = { records: [merchant("idem-403")] };
    const refused = await a.signedRequest("/v1/merchants/batch", body, { idempotencyKey: "key-5", scopes: ["events:write"] });
    expect(refused.status).toBe(403);
    const ok = await a.signedRequest("/v1/merchants/batch", body, { idempotencyKey: "key-5" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("idempotent-replayed")).toBeNull();
  });

  it("lets concurrent identical requests produce one batch", async () => {
    const body = JSON.stringify({ records: [complaint("idem-6", "idem-shop")] });
    const before = await count(sql`select count(*)::int as n from batch where platform_id = ${a.platformId}::uuid`);
    const responses = await Promise.all([1, 2, 3].map(() => a.signedRequest("/v1/events/batch", body, { idempotencyKey: "key-6" })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    for (const s of statuses) expect([200, 409]).toContain(s);
    expect(await count(sql`select count(*)::int as n from batch where platform_id = ${a.platformId}::uuid`)).toBe(before + 1);
  });

  it("answers an over-long or malformed Idempotency-Key with 400 problem+json, and stores nothing", async () => {
    const body = { records: [complaint("idem-7", "idem-shop")] };
    // The long random one does not compress: PostgreSQL refused it as an index row (a 500).
    for (const key of ["k".repeat(256), randomBytes(3000).toString("hex")]) {
      const res = await a.signedRequest("/v1/events/batch", body, { idempotencyKey: key });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { code: string; errors: Array<{ pointer: string }> };
      expect(problem.code).toBe("VALIDATION_FAILED");
      expect(problem.errors[0]!.pointer).toBe("/idempotency-key");
    }
    expect(await count(sql`select count(*)::int as n from idempotency_record where length(key) > 255`)).toBe(0);
    const ok = await a.signedRequest("/v1/events/batch", body, { idempotencyKey: "k".repeat(255) });
    expect(ok.status).toBe(200);
  });

  it("deletes expired records with the cleanup job", async () => {
    const { deleteExpiredIdempotencyRecords } = await import("../src/http/idempotency.js");
    const n = await deleteExpiredIdempotencyRecords(gw.system.deps.db, new Date(gw.clock.now().getTime() + 2 * 86_400_000));
    expect(n).toBeGreaterThan(0);
    expect(await count(sql`select count(*)::int as n from idempotency_record`)).toBe(0);
  });
});
