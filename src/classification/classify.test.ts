// The pipeline's pieces against a real database (PGlite, or PostgreSQL with DATABASE_URL):
// model seeding and activation, classifyEntities as a set (history, entity update, one
// publish with the changes only) and the rescore job's risk-signal propagation.
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { complaint, makeUscc, merchant } from "../../test/exchange-fixtures.js";
import { ManualClock } from "../clock.js";
import { platform } from "../db/schema/platform.js";
import { specRecordValidators } from "../exchange/index.js";
import { ingestEvents } from "../exchange/ingest-events.js";
import { ingestMerchants } from "../exchange/ingest-merchants.js";
import { RESCORE_JOB, rescoreJob } from "../exchange/rescore-job.js";
import { createEnqueueMany, JobRegistry, type EnqueueRow } from "../jobs/index.js";
import { createLogger } from "../logger.js";
import { expertDefaultModel, type ModelArtifact } from "../scoring/index.js";
import { makeClassifyEntities } from "./classify.js";
import { activateModel, getActiveModel, seedExpertModel, storeModel } from "./models.js";
import { classificationRescoreJob } from "./rescore-job.js";

let t: TestDatabase;
const clock = new ManualClock("2026-01-10T00:00:00Z");
const evidence = { bodySha256: "ab".repeat(32), signature: "h..s", kid: "k1", idempotencyKey: undefined };
const published: Array<{ entityId: string; type: string; data: Record<string, unknown> }[]> = [];
const classify = makeClassifyEntities({ clock, publishToEntityPlatforms: async (_on, m) => void published.push([...m]) });
let platformId: string;
let ids: string[] = [];
const ctx = () => ({
  deps: {
    db: t.db, clock, logger: createLogger("silent"), enqueueMany: createEnqueueMany({ clock, registry: new JobRegistry().define(rescoreJob()) }), kick: () => {},
    signer: { signCompact: async () => "x.y.z" }, publish: async () => {},
  },
  validators: specRecordValidators(),
  actor: { kind: "platform" as const, platformId, clientId: "c", scopes: ["merchants:write", "events:write"] },
});

beforeAll(async () => {
  t = await createTestDatabase();
  platformId = uuidv7();
  // A regulator-side source: the tests report serious confirmed violations through it.
  await t.db.orm.insert(platform).values({ id: platformId, name: "Unit", clientId: `c-${platformId}`, scopes: ["violations:confirm"] });
  const records = Array.from({ length: 50 }, (_, i) => merchant(`s-${i}`, { uscc: makeUscc("510104", 9000 + i), openedAt: "2023-01-01T00:00:00Z" }));
  clock.set("2025-12-01T00:00:00Z");
  const out = await ingestMerchants(ctx(), { platformId, records, batchEvidence: evidence });
  ids = out.results.map((r) => r.entityId!);
  clock.set("2026-01-10T00:00:00Z");
}, 60_000);
afterAll(async () => {
  await t?.drop();
});

describe("model store", () => {
  it("seeds the expert default once, however many processes start at once", async () => {
    await Promise.all(Array.from({ length: 5 }, () => seedExpertModel(t.db.orm, clock.now())));
    const rows = await t.db.rows<{ version: string; status: string; source: string }>(sql`select version, status, source from model`);
    expect(rows).toEqual([{ version: expertDefaultModel().version, status: "active", source: "expert" }]);
    expect((await getActiveModel(t.db.orm, { fresh: true })).version).toBe(expertDefaultModel().version);
  });

  it("activation retires the previous model and the cache follows the version", async () => {
    const expert = expertDefaultModel();
    const other: ModelArtifact = { ...expert, version: "nb-test-other", description: "copy" };
    expect((await storeModel(t.db.orm, { artifact: other, source: "trained", now: clock.now() })).created).toBe(true);
    expect((await storeModel(t.db.orm, { artifact: other, source: "trained", now: clock.now() })).created).toBe(false);
    const { previous } = await t.db.transaction((tx) => activateModel(tx, other.version, { actor: "admin-1", now: clock.now() }));
    expect(previous).toBe(expert.version);
    expect((await getActiveModel(t.db.orm)).version).toBe(other.version);
    await t.db.transaction((tx) => activateModel(tx, expert.version, { actor: "admin-1", now: clock.now() }));
    const rows = await t.db.rows<{ version: string; status: string }>(sql`select version, status from model order by version`);
    expect(Object.fromEntries(rows.map((r) => [r.version, r.status]))).toEqual({ [expert.version]: "active", [other.version]: "retired" });
    expect((await getActiveModel(t.db.orm)).version).toBe(expert.version);
  });
});

describe("classifyEntities", () => {
  it("classifies a list as a set: history rows, entity columns, one publish of the changes", async () => {
    published.length = 0;
    const first = await t.db.transaction((tx) => classify(tx, ids, { trigger: "manual" }));
    expect(first.classified).toBe(50);
    expect(first.changed).toBe(50);
    expect(Object.values(first.counts).reduce((a, b) => a + b, 0)).toBe(50);
    expect(Object.keys(first.transitions).every((k) => k.startsWith("none->"))).toBe(true);
    expect(published).toHaveLength(1);
    expect(published[0]).toHaveLength(50);
    expect(published[0]![0]).toMatchObject({ type: "classification.changed", data: { from: null, modelVersion: expertDefaultModel().version } });

    // unchanged inputs: new history rows, no change, nothing published
    clock.advance(60_000);
    const again = await t.db.transaction((tx) => classify(tx, ids, { trigger: "run", runId: uuidv7() }));
    expect(again.changed).toBe(0);
    expect(published).toHaveLength(1);
    const [h] = await t.db.rows<{ n: number; runs: number }>(sql`
      select count(*)::int as n, count(run_id)::int as runs from classification where entity_id in (select id from entity)`);
    expect(h).toEqual({ n: 100, runs: 50 });
    const [e] = await t.db.rows<{ n: number }>(sql`
      select count(*)::int as n from entity where risk_class is not null and classified_at = ${clock.now().toISOString()}::timestamptz`);
    expect(e!.n).toBe(50);
  });
});

describe("classification.rescore", () => {
  const pending = async () => (await t.db.rows<{ id: string }>(sql`select entity_id::text as id from rescore_pending order by 1`)).map((r) => r.id);

  it("drains the rescore set and passes the risk signal to related entities only when the class worsened to C or D", async () => {
    const enqueued: EnqueueRow[] = [];
    const job = classificationRescoreJob({
      db: t.db, clock, kick: () => {}, classify,
      enqueueMany: async (_on, rows) => enqueued.push(...rows),
      relatedEntityIds: async (_on, list) => (list.includes(ids[0]!) ? [ids[1]!, ids[2]!] : []),
      refreshLinks: async () => {},
    });
    expect(job.name).toBe(RESCORE_JOB);
    // A row from before the set named its entity: it joins the set and is drained at once.
    await job.handle(job.parse({ entityId: ids[0]! }), { jobId: 1, attempt: 1 }); // no change
    expect(await pending()).toEqual([]);
    expect(enqueued.filter((r) => r.job === RESCORE_JOB)).toHaveLength(1); // the request's own drain row
    enqueued.length = 0;
    // a violation storm: serious violations force D
    const events = Array.from({ length: 3 }, (_, i) =>
      complaint(`v-${i}`, "s-0", "2026-01-05T00:00:00Z", { kind: "violation_confirmed", data: { violationType: "food_safety", serious: true } }));
    expect((await ingestEvents(ctx(), { platformId, records: events, batchEvidence: evidence })).accepted).toBe(3);
    clock.advance(60_000);
    await job.handle(job.parse({}), { jobId: 2, attempt: 1 });
    const [row] = await t.db.rows<{ risk_class: string }>(sql`select risk_class from entity where id = ${ids[0]!}::uuid`);
    expect(row!.risk_class).toBe("D");
    expect(await pending()).toEqual([ids[1]!, ids[2]!].sort());
    expect(enqueued).toEqual([{ job: RESCORE_JOB, payload: { requestedAt: expect.any(String) } }]);
    // rescored again while still D: no further propagation
    await t.db.orm.execute(sql`delete from rescore_pending`);
    enqueued.length = 0;
    clock.advance(60_000);
    await job.handle(job.parse({ entityId: ids[0]! }), { jobId: 3, attempt: 1 });
    expect(await pending()).toEqual([]);
    expect(enqueued.filter((r) => r.job === RESCORE_JOB)).toHaveLength(1);
  });

  it("takes an entity's later requests with its first: asked for by several batches, it is classified once", async () => {
    await t.db.orm.execute(sql`delete from rescore_pending`);
    const job = classificationRescoreJob({ db: t.db, clock, kick: () => {}, classify, enqueueMany: async () => 0, relatedEntityIds: async () => [], refreshLinks: async () => {} });
    // ids[3] first, then more requests than one chunk takes (for entities not held), then ids[3] again.
    const others = Array.from({ length: 600 }, () => uuidv7());
    const at = clock.now().toISOString();
    await t.db.orm.execute(sql`insert into rescore_pending (entity_id, requested_at) values (${ids[3]!}::uuid, ${at}::timestamptz)`);
    await t.db.orm.execute(sql`insert into rescore_pending (entity_id, requested_at) select x::uuid, ${at}::timestamptz from jsonb_array_elements_text(${JSON.stringify(others)}::jsonb) x`);
    await t.db.orm.execute(sql`insert into rescore_pending (entity_id, requested_at) values (${ids[3]!}::uuid, ${at}::timestamptz)`);
    clock.advance(60_000);
    await job.handle(job.parse({}), { jobId: 4, attempt: 1 });
    expect(await pending()).toEqual([]);
    const [h] = await t.db.rows<{ n: number }>(sql`
      select count(*)::int as n from classification where entity_id = ${ids[3]!}::uuid and computed_at = ${clock.now().toISOString()}::timestamptz`);
    expect(h!.n).toBe(1);
  });

  it("refreshes the relationship graph only around entities whose record changed, not for their events", async () => {
    await t.db.orm.execute(sql`delete from rescore_pending`);
    const refreshed: string[][] = [];
    const job = classificationRescoreJob({
      db: t.db, clock, kick: () => {}, classify, enqueueMany: async () => 0, relatedEntityIds: async () => [],
      refreshLinks: async (_tx, list) => void refreshed.push(list),
    });
    clock.advance(60_000);
    expect((await ingestEvents(ctx(), { platformId, records: [complaint("links-1", "s-5", "2026-01-09T00:00:00Z")], batchEvidence: evidence })).accepted).toBe(1);
    await job.handle(job.parse({}), { jobId: 5, attempt: 1 });
    expect(refreshed).toEqual([]);
    clock.advance(60_000);
    const out = await ingestMerchants(ctx(), { platformId, records: [merchant("s-6", { uscc: makeUscc("510104", 9006), openedAt: "2023-01-01T00:00:00Z", address: "成都市武侯区新地址1号" })], batchEvidence: evidence });
    expect(out.accepted).toBe(1);
    await job.handle(job.parse({}), { jobId: 6, attempt: 1 });
    expect(refreshed).toEqual([[ids[6]!]]);
  });
});
