// computeFeatures (SQL) against the scoring core's reference computeIndicators: a synthetic
// population ingested through the exchange verbs, every entity and every indicator, at two
// points in time. Runs on PGlite, and on PostgreSQL with DATABASE_URL.
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { platform } from "../db/schema/platform.js";
import type { ExchangeContext } from "../exchange/context.js";
import { specRecordValidators } from "../exchange/index.js";
import { ingestEvents } from "../exchange/ingest-events.js";
import { ingestMerchants } from "../exchange/ingest-merchants.js";
import { rescoreJob } from "../exchange/rescore-job.js";
import { createEnqueueMany, JobRegistry } from "../jobs/index.js";
import { createLogger } from "../logger.js";
import { computeIndicators, INDICATORS, type EventRecord, type HeldMerchantRecord } from "../scoring/index.js";
import { fromApiEvent, generatePopulation, toApiEvent, toApiMerchant } from "../sim/index.js";
import type { ComputeFeatures, ComputeRelationshipIndicators, RelationshipIndicators } from "./contracts.js";
import { makeComputeFeatures } from "./features.js";
import { dropStaged, heldTableName, runComputeFeatures, stagedComputeFeatures, stageFeatures } from "./runs-stage.js";

let t: TestDatabase;
const clock = new ManualClock("2025-06-01T00:00:00Z");
const evidence = { bodySha256: "ab".repeat(32), signature: "h..s", kid: "k1", idempotencyKey: undefined };
/** gateway entity id -> what the reference sees */
const histories = new Map<string, { merchants: HeldMerchantRecord[]; events: EventRecord[] }>();
const REL: RelationshipIndicators = { related_entities: 2, related_worst_class: "C", related_violators_365d: 1, same_address_entities: 1 };
const computeFeatures = makeComputeFeatures(async (_on, ids) => new Map(ids.map((id) => [id, REL])));


beforeAll(async () => {
  t = await createTestDatabase();
  const registry = new JobRegistry().define(rescoreJob());
  const deps = {
    db: t.db, clock, logger: createLogger("silent"), enqueueMany: createEnqueueMany({ clock, registry }), kick: () => {},
    signer: { signCompact: async () => "x.y.z" }, publish: async () => {},
  };
  const platforms = new Map<string, string>();
  const ctxOf = async (simId: string): Promise<ExchangeContext> => {
    let id = platforms.get(simId);
    if (!id) {
      id = uuidv7();
      platforms.set(simId, id);
      // The simulation reports serious confirmed violations: its platforms stand for regulator-side sources.
      await t.db.orm.insert(platform).values({ id, name: simId, clientId: `c-${id}`, scopes: ["merchants:write", "events:write", "violations:confirm"] });
    }
    return { deps, validators: specRecordValidators(), actor: { kind: "platform", platformId: id, clientId: `c-${id}`, scopes: ["merchants:write", "events:write"] } };
  };
  // The gateway holds each shop's latest record; the reference gets that same record.
  const merchantsBy = new Map<string, HeldMerchantRecord[]>();
  const eventsBy = new Map<string, { simEntity: string; event: EventRecord }[]>();
  const simHistory = new Map<string, { merchants: HeldMerchantRecord[]; events: EventRecord[] }>();
  for (const cluster of generatePopulation({ entities: 300, seed: "features-parity" })) {
    for (const e of cluster.entities) {
      const latest = new Map<string, HeldMerchantRecord>();
      for (const m of e.merchants) latest.set(`${m.platformId}/${m.record.shopId}`, m);
      const held = [...latest.values()].map((m) => ({ platformId: m.platformId, recordedAt: "2020-01-01T00:00:00Z", record: toApiMerchant(m.record) }));
      simHistory.set(e.entityId, { merchants: held, events: e.events.map((x) => fromApiEvent(toApiEvent(x.event))) });
      for (const m of held) merchantsBy.set(m.platformId, [...(merchantsBy.get(m.platformId) ?? []), m]);
      for (const x of e.events) {
        const list = eventsBy.get(x.platformId) ?? [];
        list.push({ simEntity: e.entityId, event: toApiEvent(x.event) });
        eventsBy.set(x.platformId, list);
      }
    }
  }
  const simOfShop = new Map<string, string>();
  // Received after every establishment date (none may lie in the future), then held from 2020
  // on: every shop counts at both as-of dates.
  clock.set("2025-06-01T00:00:00Z");
  for (const [simId, held] of merchantsBy) {
    const out = await ingestMerchants(await ctxOf(simId), { platformId: platforms.get(simId)!, records: held.map((m) => m.record), batchEvidence: evidence });
    expect(out.rejected).toBe(0);
    out.results.forEach((r, i) => {
      const simEntity = held[i]!.record.shopId.split("-")[0]!;
      simOfShop.set(r.entityId!, simEntity);
      histories.set(r.entityId!, simHistory.get(simEntity)!);
    });
  }
  // The simulated platforms are honest: every shop's claim to its entity is confirmed, as a
  // regulator would, so every platform's records and events count as in the reference.
  await t.db.orm.execute(sql`update shop set link = 'corroborated', corroborated_by = 'regulator' where link = 'claimed'`);
  await t.db.orm.execute(sql`update shop set created_at = '2020-01-01T00:00:00Z'`);
  clock.set("2025-06-01T00:00:00Z");
  for (const [simId, list] of eventsBy) {
    for (let at = 0; at < list.length; at += 5000) {
      const records = list.slice(at, at + 5000).map((x) => x.event);
      const out = await ingestEvents(await ctxOf(simId), { platformId: platforms.get(simId)!, records, batchEvidence: evidence });
      const bad = out.results.find((r) => r.status === "rejected");
      expect(out.rejected, JSON.stringify(bad?.error) + JSON.stringify(records[bad?.index ?? 0])).toBe(0);
    }
  }
}, 300_000);

afterAll(async () => {
  await t?.drop();
});

function expectSame(entityId: string, sqlRow: Record<string, unknown>, ref: Record<string, unknown>): void {
  for (const ind of INDICATORS) {
    const a = sqlRow[ind.id];
    const b = ref[ind.id];
    const where = `${entityId} ${ind.id}: sql=${String(a)} reference=${String(b)}`;
    if (typeof b === "number" && typeof a === "number") expect(Math.abs(a - b), where).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
    else expect(a, where).toStrictEqual(b);
  }
}

describe("licence_event: the licence events the features read", () => {
  it("holds exactly the licence events that went into event (kept by the trigger on event)", async () => {
    const copied = await t.db.rows<{ id: string; entity_id: string; occurred_at: string; data: string }>(
      sql`select event_id::text as id, entity_id::text as entity_id, occurred_at::text as occurred_at, data::text as data from licence_event order by event_id`,
    );
    const events = await t.db.rows<{ id: string; entity_id: string; occurred_at: string; data: string }>(
      sql`select id::text as id, entity_id::text as entity_id, occurred_at::text as occurred_at, data::text as data from event where kind = 'licence' order by id`,
    );
    expect(events.length).toBeGreaterThan(10);
    expect(copied).toEqual(events);
  });
});

describe("computeFeatures agrees with the reference computeIndicators", () => {
  for (const asOf of ["2024-01-01T00:00:00.000Z", "2024-07-15T12:34:56.789Z"]) {
    it(`every entity, every indicator, as of ${asOf}`, async () => {
      const ids = [...histories.keys()];
      expect(ids.length).toBe(300);
      const started = performance.now();
      const rows = await computeFeatures(t.db.orm, ids, new Date(asOf));
      const ms = performance.now() - started;
      expect(rows.size).toBe(ids.length);
      let decayedNonZero = 0;
      for (const id of ids) {
        const h = histories.get(id)!;
        const ref = computeIndicators(
          { ...h, relationships: { relatedEntities: 2, relatedWorstClass: "C", relatedViolators365d: 1, sameAddressEntities: 1 } },
          asOf,
        );
        const row = rows.get(id)!;
        if (Number(row.complaints_90d) > 0) decayedNonZero++;
        expectSame(id, row as Record<string, unknown>, ref);
      }
      expect(decayedNonZero).toBeGreaterThan(10);
      console.info(`computeFeatures: ${ids.length} entities in ${ms.toFixed(0)} ms (${t.db.kind})`);
    });
  }

  it("long after the last event: counts are 0 (not unknown) and time in business still counts from the first event", async () => {
    // Every event lies before the lookback (the longest window) as of this instant: the event
    // rows are not read at all, the first event comes from the shops.
    const asOf = "2031-01-01T00:00:00.000Z";
    const ids = [...histories.keys()];
    const rows = await computeFeatures(t.db.orm, ids, new Date(asOf));
    let fromFirstEvent = 0;
    for (const id of ids) {
      const h = histories.get(id)!;
      const ref = computeIndicators({ ...h, relationships: { relatedEntities: 2, relatedWorstClass: "C", relatedViolators365d: 1, sameAddressEntities: 1 } }, asOf);
      expectSame(id, rows.get(id) as Record<string, unknown>, ref);
      if (h.events.length > 0) expect(rows.get(id)!.complaints_90d, id).toBe(0);
      const established = h.merchants.some((m) => m.record.establishedOn !== undefined);
      const opened = h.merchants.map((m) => m.record.openedAt).filter((x): x is string => x !== undefined).map(Date.parse);
      const first = Math.min(...h.events.map((e) => Date.parse(e.occurredAt)));
      if (!established && first < Math.min(...opened)) fromFirstEvent++;
    }
    expect(fromFirstEvent).toBeGreaterThan(0);
  });

  it("the full run's staged pass (every entity in one statement) agrees too", async () => {
    const asOf = "2024-07-15T12:34:56.789Z";
    const table = `reclass_features_${"0".repeat(31)}1`;
    const staged = await t.db.transaction(async (tx) => {
      const n = await stageFeatures(t.db, tx, table, null, new Date(asOf));
      const read = stagedComputeFeatures(table, async (_on, ids) => new Map(ids.map((id) => [id, REL])));
      const rows = await read(tx, [...histories.keys()], new Date(asOf));
      await dropStaged(tx, table);
      return { n, rows };
    });
    expect(staged.n).toBe(300);
    expect(staged.rows.size).toBe(300);
    for (const [id, h] of histories) {
      const ref = computeIndicators({ ...h, relationships: { relatedEntities: 2, relatedWorstClass: "C", relatedViolators365d: 1, sameAddressEntities: 1 } }, asOf);
      expectSame(id, staged.rows.get(id) as Record<string, unknown>, ref);
    }
  });
});

describe("a run's staged first-class check-back", () => {
  it("agrees with the check-back by id (an earlier instant, shops as registered at the run's); what it lacks, or was not staged for, goes by id", async () => {
    const asOf = new Date("2024-07-15T12:34:56.789Z");
    const heldAsOf = new Date(asOf.getTime() - 90 * 86_400_000);
    const table = `reclass_features_${"0".repeat(31)}3`;
    const ids = [...histories.keys()];
    const askedById: string[][] = [];
    const byId: ComputeFeatures = async (on, list, at, options) => {
      askedById.push([...list]);
      return computeFeatures(on, list, at, options);
    };
    const rel: ComputeRelationshipIndicators = async (_on, list) => new Map(list.map((id) => [id, REL]));
    const read = await t.db.transaction(async (tx) => {
      await stageFeatures(t.db, tx, table, null, asOf);
      await stageFeatures(t.db, tx, heldTableName(table), null, heldAsOf, asOf);
      // an entity the staged pass did not see (created after it)
      await tx.execute(sql`delete from ${sql.raw(heldTableName(table))} where entity_id = ${ids[0]}`);
      const features = runComputeFeatures({ table, asOf, heldAsOf }, byId, rel);
      const held = await features(tx, ids, heldAsOf, { registeredAsOf: asOf });
      const elsewhen = await features(tx, ids.slice(1, 4), new Date(heldAsOf.getTime() - 86_400_000), { registeredAsOf: asOf });
      await dropStaged(tx, table);
      const left = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from pg_class where relname like 'reclass_%_${sql.raw("0".repeat(31))}3'`, tx);
      return { held, elsewhen, left: Number(left[0]!.n) };
    });
    const reference = await computeFeatures(t.db.orm, ids, heldAsOf, { registeredAsOf: asOf });
    expect(read.held.size).toBe(ids.length);
    for (const id of ids) expectSame(id, read.held.get(id) as Record<string, unknown>, reference.get(id) as Record<string, unknown>);
    expect(askedById).toEqual([[ids[0]], ids.slice(1, 4)]);
    expect(read.elsewhen.size).toBe(3);
    expect(read.left).toBe(0);
  });
});

describe("rectifications_overdue_365d: the notice system's record", () => {
  const asOf = "2024-07-15T12:34:56.789Z";
  const T = Date.parse(asOf);
  const DAY = 86_400_000;
  const at = (days: number) => new Date(T + days * DAY).toISOString();

  /** A notice and its case, as src/notices issues them (only what the indicator reads matters). */
  async function rectification(entityId: string, c: { opened: number; due: number; escalated?: number; accepted?: number }): Promise<void> {
    const noticeId = uuidv7();
    await t.db.orm.execute(sql`
      insert into notice (id, notice_no, entity_id, source, region_code, template_key, template_version, title, body, legal_basis, facts, rectify,
                          issued_by, issued_at, due_at, link_expires_at, delivery_status)
      select ${noticeId}::uuid, ${`test-${noticeId}`}, id, 'manual', region_code, 'manual.default', 1, 't', 'b', 'l', 'f', 'r',
             'cli', ${at(c.opened)}::timestamptz, ${at(c.due)}::timestamptz, ${at(c.due + 30)}::timestamptz, 'pending'
      from entity where id = ${entityId}::uuid`);
    const status = c.accepted !== undefined ? "accepted" : c.escalated !== undefined ? "escalated" : "open";
    await t.db.orm.execute(sql`
      insert into rectification_case (id, notice_id, entity_id, region_code, status, due_at, opened_at, escalated_at, accepted_at, updated_at)
      select ${uuidv7()}::uuid, ${noticeId}::uuid, id, region_code, ${status}, ${at(c.due)}::timestamptz, ${at(c.opened)}::timestamptz,
             ${c.escalated === undefined ? null : at(c.escalated)}::timestamptz, ${c.accepted === undefined ? null : at(c.accepted)}::timestamptz,
             ${at(c.opened)}::timestamptz
      from entity where id = ${entityId}::uuid`);
  }

  it("counts cases escalated as overdue whose deadline fell in the year before T; null without any case; both paths agree with the reference", async () => {
    const [twice, rectified, later, lateEscalation] = [...histories.keys()];
    const expected = new Map<string, number | null>([[twice!, 2], [rectified!, 0], [later!, null], [lateEscalation!, 0]]);
    await rectification(twice!, { opened: -130, due: -100, escalated: -99 });
    await rectification(twice!, { opened: -40, due: -10, escalated: -9 });
    await rectification(twice!, { opened: -420, due: -400, escalated: -399 }); // deadline more than a year ago
    await rectification(rectified!, { opened: -60, due: -30, accepted: -35 });
    await rectification(later!, { opened: 1, due: 20, escalated: 21 }); // opened after T: no record as of T
    await rectification(lateEscalation!, { opened: -20, due: -0.5, escalated: 1 }); // escalated only after T

    const reference = (id: string) =>
      computeIndicators({ ...histories.get(id)!, relationships: { relatedEntities: 2, relatedWorstClass: "C", relatedViolators365d: 1, sameAddressEntities: 1 }, rectificationsOverdue365d: expected.get(id) ?? null }, asOf);
    const perId = await computeFeatures(t.db.orm, [...histories.keys()], new Date(asOf));
    const table = `reclass_features_${"0".repeat(31)}2`;
    const staged = await t.db.transaction(async (tx) => {
      await stageFeatures(t.db, tx, table, null, new Date(asOf));
      const rows = await stagedComputeFeatures(table, async (_on, ids) => new Map(ids.map((id) => [id, REL])))(tx, [...histories.keys()], new Date(asOf));
      await dropStaged(tx, table);
      return rows;
    });
    for (const id of histories.keys()) {
      expectSame(id, perId.get(id) as Record<string, unknown>, reference(id));
      expectSame(id, staged.get(id) as Record<string, unknown>, reference(id));
    }
    expect([...expected.keys()].map((id) => perId.get(id)!.rectifications_overdue_365d)).toEqual([2, 0, null, 0]);
  });
});
