// Signed audit heads end to end through the admin API: the schedule and an admin sign the
// chain's head; a published head verifies while the chain is intact and fails, naming the row,
// once someone with database rights (but not the signing key) rewrites history — even when the
// rewrite is re-hashed to the end, which the chain alone cannot see. A head signed by a key the
// gateway does not publish, or altered, fails on its signature.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq, gte, sql } from "drizzle-orm";
import { CompactSign, decodeProtectedHeader, generateKeyPair } from "jose";
import { appendAudit, auditRowHash, type JsonValue } from "../src/audit/index.js";
import { AUDIT_HEAD_TYP } from "../src/audit/heads.js";
import { ManualClock } from "../src/clock.js";
import { auditLog } from "../src/db/schema/audit.js";
import type { Tx } from "../src/db/client.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import type { components } from "../src/generated/openapi.js";
import { loginRegulator, type LoggedInRegulator } from "./support/platform.js";

const HOUR = 3_600_000;
const clock = new ManualClock("2026-03-01T09:30:00Z");
let gw: TestGateway;
let admin: LoggedInRegulator;

type Head = components["schemas"]["SignedAuditHead"];

beforeAll(async () => {
  gw = await startTestGateway({ clock, auditHeadIntervalMs: HOUR });
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
  for (let i = 1; i <= 6; i++) {
    clock.advance(60_000);
    await appendAudit(gw.testDb.db.orm, clock, { actor: "regulator:r1", action: "notice.issue", subjectType: "entity", subjectId: `e${i}`, data: { i } });
  }
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

const api = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  gw.fetch(path, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${init.token ?? admin.token}`, ...(init.body ? { "content-type": "application/json" } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });

async function sign(): Promise<Head> {
  const res = await api("/v1/regulator/audit/heads", { method: "POST" });
  expect(res.status).toBe(201);
  return (await res.json()) as Head;
}

async function check(jws: string) {
  const res = await api("/v1/regulator/audit/heads/verify", { method: "POST", body: { jws } });
  expect(res.status).toBe(200);
  return (await res.json()) as { ok: boolean; problem?: string; detail?: string; head?: { seq: number }; chain?: { firstBadSeq: number } };
}

async function asAttacker(fn: (tx: Tx) => Promise<unknown>): Promise<void> {
  await gw.testDb.db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger user`);
    await fn(tx);
    await tx.execute(sql`alter table audit_log enable trigger user`);
  });
}

async function lastRow() {
  const [row] = await gw.testDb.db.orm.select().from(auditLog).orderBy(sql`seq desc`).limit(1);
  return row!;
}

describe("signed audit heads", () => {
  let published: Head;

  it("the schedule signs the head every interval with the gateway's key", async () => {
    clock.set("2026-03-01T10:00:00Z");
    gw.system.jobs.runner.kick();
    await gw.jobEvents.waitFor((e) => e.job === "audit.sign-head" && e.type === "done", 20_000);
    const list = (await (await api("/v1/regulator/audit/heads")).json()) as { heads: Head[]; nextCursor: string | null };
    expect(list.heads).toHaveLength(1);
    const head = list.heads[0]!;
    const last = await lastRow();
    expect(head).toMatchObject({ seq: last.seq, hash: last.hash, at: "2026-03-01T10:00:00.000Z", signedBy: "system:audit-head-schedule" });
    const jwks = (await (await gw.fetch("/.well-known/jwks.json")).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(head.kid);
    expect(decodeProtectedHeader(head.jws)).toMatchObject({ alg: "ES256", typ: AUDIT_HEAD_TYP, kid: head.kid });
  });

  it("an admin signs on demand; a district admin cannot", async () => {
    clock.advance(60_000);
    await appendAudit(gw.testDb.db.orm, clock, { actor: "regulator:r2", action: "sandbox.admit", subjectType: "entity", subjectId: "e7", data: { reason: "低风险" } });
    published = await sign();
    expect(published).toMatchObject({ seq: (await lastRow()).seq, signedBy: `regulator:${admin.userId}` });
    const district = await loginRegulator(gw, { role: "admin", regionPrefix: "510104" });
    const refused = await api("/v1/regulator/audit/heads", { method: "POST", token: district.token });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe("CITY_SCOPE_REQUIRED");
    const list = (await (await api("/v1/regulator/audit/heads?limit=1")).json()) as { heads: Head[]; nextCursor: string | null };
    expect(list.heads[0]!.jws).toBe(published.jws);
    const older = (await (await api(`/v1/regulator/audit/heads?limit=1&cursor=${list.nextCursor}`)).json()) as { heads: Head[]; nextCursor: string | null };
    expect(older.heads[0]!.signedBy).toBe("system:audit-head-schedule");
    expect(older.nextCursor).toBeNull();
  });

  it("an untampered chain verifies against the published head, also after the gateway key rotated", async () => {
    expect(await check(published.jws)).toMatchObject({ ok: true, head: { seq: published.seq, hash: published.hash } });
    await gw.system.auth.rotateGatewayKey({ actor: { kind: "cli" } });
    clock.advance(60_000);
    await appendAudit(gw.testDb.db.orm, clock, { actor: "cli", action: "later", subjectType: "t", data: {} });
    // Signed by a key now retired, still published: still checks.
    expect(await check(published.jws)).toMatchObject({ ok: true });
  });

  it("a head signed by a key the gateway does not publish fails, and so does an altered one", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify({ seq: published.seq, hash: published.hash, at: published.at })))
      .setProtectedHeader({ alg: "ES256", kid: "gw-not-ours", typ: AUDIT_HEAD_TYP })
      .sign(privateKey);
    expect(await check(forged)).toMatchObject({ ok: false, problem: "unknown_key", detail: expect.stringMatching(/gw-not-ours.*not in the JWKS/) });
    // Our kid, someone else's signature.
    const impostor = await new CompactSign(new TextEncoder().encode(JSON.stringify({ seq: 1, hash: published.hash, at: published.at })))
      .setProtectedHeader({ alg: "ES256", kid: published.kid, typ: AUDIT_HEAD_TYP })
      .sign(privateKey);
    expect(await check(impostor)).toMatchObject({ ok: false, problem: "signature" });
    expect(await check("not-a-jws")).toMatchObject({ ok: false, problem: "malformed" });
  });

  it("a history rewritten and re-hashed to the end verifies on its own, but not against the signed head", async () => {
    const seq = published.seq - 2;
    await asAttacker(async (tx) => {
      await tx.execute(sql`update audit_log set data = '{"i": 5, "note": "rewritten"}' where seq = ${seq}`);
      const [before] = await tx.select().from(auditLog).where(eq(auditLog.seq, seq - 1));
      let prevHash = before!.hash;
      for (const row of await tx.select().from(auditLog).where(gte(auditLog.seq, seq)).orderBy(asc(auditLog.seq))) {
        const hash = auditRowHash({ ...row, prevHash, data: row.data as JsonValue });
        await tx.update(auditLog).set({ prevHash, hash }).where(eq(auditLog.seq, row.seq));
        prevHash = hash;
      }
    });
    const result = await check(published.jws);
    expect(result).toMatchObject({ ok: false, problem: "chain", head: { seq: published.seq }, chain: { firstBadSeq: published.seq } });
    expect(result.detail).toMatch(new RegExp(`no longer matches the head signed at ${published.at.replace(/\./g, "\\.")} \\(row ${published.seq}\\)`));
    // Nor is a new head signed over it: the last signed head no longer holds.
    const refused = await api("/v1/regulator/audit/heads", { method: "POST" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string; detail: string })).toMatchObject({ code: "AUDIT_CHAIN_BROKEN", detail: expect.stringMatching(/no longer has the anchored hash/) });
  });

  it("signed heads are append-only", async () => {
    for (const statement of [sql`update audit_head set audit_seq = 1`, sql`delete from audit_head`, sql`truncate audit_head`]) {
      const error = await gw.testDb.db.orm.execute(statement).then(() => undefined, (e: { cause?: { message?: string } }) => e);
      expect(error?.cause?.message).toMatch(/^audit_head is append-only: (UPDATE|DELETE|TRUNCATE) is not allowed$/);
    }
  });

  it("an edited row (hash left alone) fails against the head too, naming the row", async () => {
    await asAttacker((tx) => tx.execute(sql`update audit_log set actor = 'regulator:someone-else' where seq = 2`));
    expect(await check(published.jws)).toMatchObject({ ok: false, problem: "chain", chain: { firstBadSeq: 2 }, detail: expect.stringMatching(/row 2 modified/) });
  });
});
