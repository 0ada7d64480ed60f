// The ingestion verbs against a real database (PGlite, or PostgreSQL with DATABASE_URL):
// authorisation first, one transaction per batch, coalesced rescore jobs, receipts.
import { sql } from "drizzle-orm";
import { CompactSign, compactVerify, generateKeyPair } from "jose";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { complaint, makeUscc, merchant } from "../../test/exchange-fixtures.js";
import { ManualClock } from "../clock.js";
import { platform } from "../db/schema/platform.js";
import type { Principal } from "../http/context.js";
import { createEnqueueMany, JobRegistry } from "../jobs/index.js";
import { createLogger } from "../logger.js";
import type { ExchangeContext, ExchangeDeps } from "./context.js";
import { specRecordValidators } from "./index.js";
import { ingestEvents } from "./ingest-events.js";
import { ingestMerchants } from "./ingest-merchants.js";
import type { OutboundMessage } from "./outbound/types.js";
import { RESCORE_JOB, rescoreJob } from "./rescore-job.js";

let t: TestDatabase;
let deps: ExchangeDeps;
let platformId: string;
let principal: Principal;
const published: OutboundMessage[] = [];
let failPublish = false;
const keys = await generateKeyPair("ES256");
const clock = new ManualClock("2026-01-10T00:00:00Z");
const evidence = { bodySha256: "ab".repeat(32), signature: "h..s", kid: "k1", idempotencyKey: undefined };

beforeAll(async () => {
  t = await createTestDatabase();
  const registry = new JobRegistry().define(rescoreJob());
  deps = {
    db: t.db,
    clock,
    logger: createLogger("silent"),
    enqueueMany: createEnqueueMany({ clock, registry }),
    kick: () => {},
    signer: {
      signCompact: (payload, typ) =>
        new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: "ES256", typ, kid: "test" }).sign(keys.privateKey),
    },
    publish: async (_tx, messages) => {
      if (failPublish) throw new Error("publish failed");
      published.push(...messages);
    },
  };
  platformId = uuidv7();
  await t.db.orm.insert(platform).values({ id: platformId, name: "Unit", clientId: `c-${platformId}`, scopes: ["merchants:write", "events:write"] });
  principal = { kind: "platform", platformId, clientId: `c-${platformId}`, scopes: ["merchants:write", "events:write"] };
});
afterAll(async () => {
  await t?.drop();
});

const ctx = (...p: [Principal | undefined] | []): ExchangeContext => ({ deps, validators: specRecordValidators(), actor: p.length ? p[0] : principal });
const count = async (q: ReturnType<typeof sql>) => Number((await t.db.rows<{ n: number }>(q))[0]!.n);

describe("authorisation comes first", () => {
  it("refuses a missing principal, a regulator, a missing scope and another platform's id", async () => {
    const input = { platformId, records: [merchant("auth-1")], batchEvidence: evidence };
    await expect(ingestMerchants(ctx(undefined), input)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(ingestMerchants(ctx({ kind: "regulator", userId: "u", role: "admin", regionPrefix: "5101" }), input)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(ingestMerchants(ctx({ ...principal, scopes: ["events:write"] } as Principal), input)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(ingestEvents(ctx(), { ...input, platformId: uuidv7() })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await count(sql`select count(*)::int as n from batch`)).toBe(0);
  });
});

const rescoreSet = async () => (await t.db.rows<{ id: string }>(sql`select distinct entity_id::text as id from rescore_pending order by 1`)).map((r) => r.id);

describe("ingestion verbs", () => {
  it("stores merchants and events with a verifiable receipt and marks each entity once for rescoring", async () => {
    const m = await ingestMerchants(ctx(), { platformId, records: [merchant("u-1"), merchant("u-2")], batchEvidence: evidence });
    const [e1, e2] = m.results.map((r) => r.entityId!);
    await t.db.orm.execute(sql`delete from outbox`);
    await t.db.orm.execute(sql`delete from rescore_pending`);
    const events = Array.from({ length: 100 }, (_, i) => complaint(`u-e-${i}`, i % 3 ? "u-1" : "u-2", `2025-${String((i % 12) + 1).padStart(2, "0")}-01T00:00:00Z`));
    const r = await ingestEvents(ctx(), { platformId, records: events, batchEvidence: evidence });
    expect(r).toMatchObject({ accepted: 100, duplicates: 0, rejected: 0 });
    expect(await rescoreSet()).toEqual([e1!, e2!].sort());
    const drains = sql`select dedup_key, status from outbox where job = ${RESCORE_JOB}`;
    expect(await t.db.rows(drains)).toEqual([{ dedup_key: null, status: "pending" }]);
    // A second batch adds its request and its own drain job (committed with its rows).
    await ingestEvents(ctx(), { platformId, records: [complaint("u-e-x", "u-1")], batchEvidence: evidence });
    expect(await rescoreSet()).toEqual([e1!, e2!].sort());
    expect(await t.db.rows(drains)).toEqual([{ dedup_key: null, status: "pending" }, { dedup_key: null, status: "pending" }]);
    // Twelve monthly partitions were created on the way.
    expect(await count(sql`select count(*)::int as n from pg_inherits where inhparent = 'event'::regclass`)).toBeGreaterThanOrEqual(12);

    const { payload, protectedHeader } = await compactVerify(r.receipt!, keys.publicKey);
    expect(protectedHeader.typ).toBe("receipt+jwt");
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ batchId: r.batchId, platformId, bodySha256: evidence.bodySha256, accepted: 100, rejected: 0, receivedAt: clock.now().toISOString() });
    expect(published.at(-1)).toEqual({ platformId, type: "batch.processed", data: { batchId: expect.any(String), kind: "events", accepted: 1, duplicates: 0, rejected: 0 } });
  });

  it("stores nothing of a batch whose transaction fails (no half-stored records)", async () => {
    const before = await count(sql`select (select count(*) from event) + (select count(*) from event_key) + (select count(*) from batch) + (select count(*) from shop) as n`);
    failPublish = true;
    try {
      await expect(ingestEvents(ctx(), { platformId, records: [complaint("fail-1", "u-1")], batchEvidence: evidence })).rejects.toThrow("publish failed");
      await expect(ingestMerchants(ctx(), { platformId, records: [merchant("fail-shop")], batchEvidence: evidence })).rejects.toThrow("publish failed");
    } finally {
      failPublish = false;
    }
    expect(await count(sql`select (select count(*) from event) + (select count(*) from event_key) + (select count(*) from batch) + (select count(*) from shop) as n`)).toBe(before);
    const retry = await ingestEvents(ctx(), { platformId, records: [complaint("fail-1", "u-1")], batchEvidence: evidence });
    expect(retry.accepted).toBe(1);
  });

  it("moves a shop to another entity when its USCC changes, and rescores both", async () => {
    const first = await ingestMerchants(ctx(), { platformId, records: [merchant("mover", { uscc: makeUscc() })], batchEvidence: evidence });
    await t.db.orm.execute(sql`delete from rescore_pending`);
    const moved = await ingestMerchants(ctx(), { platformId, records: [merchant("mover", { uscc: makeUscc() })], batchEvidence: evidence });
    const [from, to] = [first.results[0]!.entityId!, moved.results[0]!.entityId!];
    expect(to).not.toBe(from);
    expect(await rescoreSet()).toEqual([from, to].sort());
  });

  it("handles a batch of 10,000 events in chunks with a few statements", async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => complaint(`bulk-${i}`, i % 2 ? "u-1" : "u-2"));
    const r = await ingestEvents(ctx(), { platformId, records: events, batchEvidence: evidence });
    expect(r.accepted).toBe(10_000);
    expect(r.results.every((x, i) => x.index === i && x.status === "accepted")).toBe(true);
  });
});
