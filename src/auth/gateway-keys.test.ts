// Gateway keys on a real database (PGlite, or PostgreSQL with DATABASE_URL): one active key even
// when several processes start at once, a wrong KEK fails at start, rotation keeps the old key
// published for the retention period.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, usingPostgres, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { createGatewayKeys } from "./gateway-keys.js";
import { KekMismatchError } from "./key-encryption.js";

let t: TestDatabase;
const clock = new ManualClock("2026-01-01T00:00:00Z");
const kek = Buffer.alloc(32, 3);
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe("gateway keys", () => {
  it("concurrent first starts create exactly one active key", async () => {
    // On PostgreSQL, separate connections pools stand for separate processes.
    const dbs = usingPostgres() ? await Promise.all([t.reopen(), t.reopen(), t.reopen()]) : [t.db, t.db, t.db];
    try {
      await Promise.all(dbs.map((db) => createGatewayKeys({ db, clock, kek: () => kek }).ensureActive()));
    } finally {
      if (usingPostgres()) await Promise.all(dbs.map((db) => db.close()));
    }
    const rows = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from gateway_key where status = 'active'`);
    expect(rows[0]!.n).toBe(1);
    const stored = await t.db.rows<{ private_jwk_encrypted: string }>(sql`select private_jwk_encrypted from gateway_key`);
    expect(stored[0]!.private_jwk_encrypted).not.toMatch(/"d"/);
  });

  it("refuses to start with the wrong KEK", async () => {
    await expect(createGatewayKeys({ db: t.db, clock, kek: () => Buffer.alloc(32, 4) }).ensureActive()).rejects.toBeInstanceOf(KekMismatchError);
  });

  it("rotation retires the old key with publish_until = now + retention; past it, the key leaves the JWKS", async () => {
    const keys = createGatewayKeys({ db: t.db, clock, kek: () => kek, retentionMs: 3600_000 });
    const before = await keys.active();
    const { kid, retired } = await keys.rotate({ actor: { kind: "cli" } });
    expect(retired).toEqual([before.kid]);
    expect((await keys.active()).kid).toBe(kid);
    expect((await keys.jwks()).keys.map((k) => k.kid).sort()).toEqual([before.kid, kid].sort());
    const [row] = await t.db.rows<{ publish_until: Date | string }>(sql`select publish_until from gateway_key where kid = ${before.kid}`);
    expect(new Date(row!.publish_until).getTime()).toBe(clock.now().getTime() + 3600_000);
    clock.advance(3600_001);
    keys.invalidate();
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([kid]);
    expect(await keys.publicKey(before.kid)).toBeUndefined();
  });

  it("rotation is for operators and admins only", async () => {
    const keys = createGatewayKeys({ db: t.db, clock, kek: () => kek });
    await expect(keys.rotate({ actor: { kind: "regulator", userId: "u", role: "officer", regionPrefix: "" } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(keys.rotate({ actor: { kind: "platform", platformId: "p", clientId: "c", scopes: [] } })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("signs inside a transaction when the cached keys have gone stale, without waiting on the database", async () => {
    // On the embedded database a reload awaited here would queue behind this very transaction
    // on PGlite's single connection and never finish; the stale set is served and refreshed later.
    const keys = createGatewayKeys({ db: t.db, clock, kek: () => kek, cacheTtlMs: 0 });
    await keys.ensureActive();
    const kid = await t.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      const active = await keys.active();
      await keys.jwks();
      await tx.execute(sql`select 1`);
      return active.kid;
    });
    expect((await keys.jwks()).keys.map((k) => k.kid)).toContain(kid);
  }, 15_000);
});
