// kill -9 during ingestion. Platform clients send signed event batches with Idempotency-Keys
// through the SDK and retry as it does (and, once its retries are spent, send the same call
// again with the same key, as a platform's own loop would); meanwhile the gateway process is
// SIGKILLed at seeded random moments and started again on the same database. Afterwards:
// every batch with a 2xx receipt has its accepted records stored exactly once, every resend
// gets the stored answer, no event is stored twice, a bad record never sank its batch, and
// once the workers drained every entity's class is the one its events give (no lost rescore).
//
// Runs on the backend the suite runs on: PostgreSQL + a Redis of its own with ROLE=all when
// DATABASE_URL is set, else the embedded default (PGlite data directory, in-process jobs).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EventRecord, type GatewayClient, type MerchantRecord, type Submission } from "@credit-sandbox/sdk";
import { computeFeatures } from "../../src/classification/features.js";
import { getActiveModel } from "../../src/classification/models.js";
import { createRng, scoreEntity } from "../../src/scoring/index.js";
import { makeUscc } from "../exchange-fixtures.js";
import { createFaultBackend, jobCounts, killableGateway, sdkClient, sleep, untilAnswered, type FaultBackend, type KillableGateway } from "./harness.js";

const SEED = Number(process.env.FAULT_SEED ?? 1717);
const KILLS = 6;
const PLATFORMS = 3;
const SHOPS = 12;
const MIN_BATCHES = 4;
const BATCH_PAUSE_MS = 150;
const EVENTS_PER_BATCH = 100;
const DAY = 86_400_000;

let backend: FaultBackend;
let gw: KillableGateway;

beforeAll(async () => {
  backend = await createFaultBackend("csg-fault-kill-", PLATFORMS);
  gw = await killableGateway(backend.env);
  await gw.start();
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await backend?.close();
});

interface Stats {
  /** Calls sent again after the SDK's own retries were spent (no answer, or 503 during a restart). */
  resends: number;
}


const shopIds = (p: number) => Array.from({ length: SHOPS }, (_, s) => `p${p}-shop-${s}`);

function merchants(p: number): MerchantRecord[] {
  return shopIds(p).map((shopId, s) => ({
    shopId,
    name: `店铺 ${shopId}`,
    entityType: "enterprise",
    uscc: makeUscc("510104", 70_000_000 + p * 1000 + s),
    regionCode: "510104",
    // One address each: no cluster relationships, so each class depends on its own events only.
    address: `成都市锦江区春熙路 ${p * 100 + s} 号`,
    category: s % 2 === 0 ? "food" : "apparel",
  }));
}

/** Batch b of platform p: EVENTS_PER_BATCH complaints spread unevenly over the shops, plus one bad record. */
function eventBatch(p: number, b: number, now: number): EventRecord[] {
  const rng = createRng(`${SEED}-${p}-${b}`);
  const shops = shopIds(p);
  const records: EventRecord[] = [];
  for (let i = 0; i < EVENTS_PER_BATCH; i++) {
    // Skewed: low shop numbers collect most complaints, so classes differ between entities.
    const shop = shops[Math.floor(shops.length * rng.next() ** 2)]!;
    records.push({
      eventId: `p${p}-b${b}-e${i}`,
      shopId: shop,
      kind: "complaint",
      occurredAt: new Date(now - (1 + rng.int(60)) * DAY).toISOString(),
      data: { channel: "platform", reason: "虚假宣传" },
    } as EventRecord);
  }
  // An unknown shop: rejected on its own, the rest of the batch stands.
  records.splice(rng.int(records.length), 0, { eventId: `p${p}-b${b}-bad`, shopId: "no-such-shop", kind: "complaint", occurredAt: new Date(now - DAY).toISOString(), data: { channel: "platform", reason: "x" } } as EventRecord);
  return records;
}

describe(`kill -9 during ingestion (${process.env.DATABASE_URL ? "PostgreSQL + Redis, ROLE=all" : "embedded PGlite"})`, () => {
  it(`loses and duplicates nothing across ${KILLS} SIGKILLs at seeded moments (seed ${SEED})`, async () => {
    const now = Date.now();
    const stats: Stats = { resends: 0 };
    // Batch requests on the wire right now (sent, no answer yet): a kill is aimed at one.
    let onTheWire = 0;
    const countingFetch = async (input: Request | string | URL, init?: RequestInit) => {
      const batch = String(input instanceof Request ? input.url : input).endsWith("/batch");
      if (batch) onTheWire++;
      try {
        return await fetch(input, init);
      } finally {
        if (batch) onTheWire--;
      }
    };
    const clients: GatewayClient[] = await Promise.all(backend.platforms.map((p) => sdkClient(gw.url, p, { fetch: countingFetch })));
    const answers = new Map<string, { records: EventRecord[] | MerchantRecord[]; submission: Submission; kind: "merchants" | "events"; p: number }>();
    let killsDone = false;
    const sent = backend.platforms.map(() => 0);

    const platformLoop = async (p: number) => {
      const client = clients[p]!;
      const send = async (key: string, kind: "merchants" | "events", records: EventRecord[] | MerchantRecord[]) => {
        const submission = await untilAnswered(
          () => (kind === "merchants" ? client.submitMerchants(records as MerchantRecord[], { idempotencyKey: key }) : client.submitEvents(records as EventRecord[], { idempotencyKey: key })),
          () => stats.resends++,
        );
        answers.set(key, { records, submission, kind, p });
      };
      await send(`m-${p}`, "merchants", merchants(p));
      // Batches keep coming until the last kill is over (at least MIN_BATCHES), so every kill
      // lands while clients send, whatever the backend's speed; a pause between batches keeps
      // the CPU for the others on the machine.
      for (let b = 0; b < MIN_BATCHES || !killsDone; b++) {
        await send(`e-${p}-${b}`, "events", eventBatch(p, b, now));
        sent[p] = b + 1;
        await sleep(BATCH_PAUSE_MS);
      }
    };

    // The kill schedule: seeded waits after each restart; what was in flight is recorded.
    const rng = createRng(SEED);
    const kills: { waitMs: number; requestsInFlight: number }[] = [];
    const killer = (async () => {
      for (let k = 0; k < KILLS; k++) {
        const waitMs = 200 + rng.int(1800);
        await sleep(waitMs);
        // Then the next moment a batch is on the wire (checked every 2 ms, for at most 5 s).
        for (let i = 0; i < 2500 && onTheWire === 0; i++) await sleep(2);
        kills.push({ waitMs, requestsInFlight: onTheWire });
        await gw.kill9();
        await gw.start();
      }
      killsDone = true;
    })();
    await Promise.all([killer, ...backend.platforms.map((_, p) => platformLoop(p))]);
    console.log(JSON.stringify({ scenario: "kill-9-ingestion", backend: backend.kind, seed: SEED, kills, resends: stats.resends, batchesPerPlatform: sent }));
    expect(kills).toHaveLength(KILLS);
    // Every kill hit the gateway while some batch request was on the wire.
    expect(kills.filter((k) => k.requestsInFlight > 0)).toHaveLength(KILLS);
    const batchCount = sent.reduce((a, b) => a + b, 0);

    // Every call was answered 2xx with a verified receipt (the SDK checks it), and every good
    // record was taken: accepted, or a duplicate of itself stored by an attempt whose answer
    // died with the process.
    let lostAnswers = 0;
    for (const [key, a] of answers) {
      const good = a.kind === "merchants" ? SHOPS : EVENTS_PER_BATCH;
      expect(a.submission.accepted + a.submission.duplicates, key).toBe(good);
      expect(a.submission.rejected, key).toBe(a.kind === "events" ? 1 : 0);
      if (a.submission.duplicates > 0) lostAnswers++;
      if (a.kind === "events") {
        const bad = a.submission.results.find((r) => r.status === "rejected")!;
        expect((a.records[bad.index] as EventRecord).shopId).toBe("no-such-shop");
      }
    }
    expect(answers.size).toBe(batchCount + PLATFORMS);

    // A resend with the same key gets the stored answer: same batch, same per-record results.
    for (const [key, a] of answers) {
      const client = clients[a.p]!;
      const again = a.kind === "merchants" ? await client.submitMerchants(a.records as MerchantRecord[], { idempotencyKey: key }) : await client.submitEvents(a.records as EventRecord[], { idempotencyKey: key });
      expect(again.batches[0]!.batchId, key).toBe(a.submission.batches[0]!.batchId);
      expect(again.results, key).toEqual(a.submission.results);
    }

    // The workers drain: no rescore left pending, running or handed to Redis, none failed.
    const deadline = Date.now() + 120_000;
    let rescore: Record<string, number> = {};
    for (;;) {
      rescore = (await jobCounts(gw.url))["classification.rescore"] ?? {};
      const open = (rescore.pending ?? 0) + (rescore.running ?? 0) + (rescore.dispatched ?? 0);
      if (open === 0 && (rescore.done ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error(`rescores did not drain: ${JSON.stringify(rescore)}`);
      await sleep(500);
    }
    expect(rescore.failed ?? 0).toBe(0);
    await gw.stop();

    const db = await backend.open();
    try {
      const expectedEvents = batchCount * EVENTS_PER_BATCH;
      const [counts] = await db.rows<{ events: number; keys: number; distinct_events: number; accepted_sum: number; shops: number; entities: number }>(sql`
        select (select count(*)::int from event) as events,
               (select count(*)::int from event_key) as keys,
               (select count(*)::int from (select distinct platform_id, platform_event_id from event) d) as distinct_events,
               (select coalesce(sum(accepted), 0)::int from batch where kind = 'events') as accepted_sum,
               (select count(*)::int from shop) as shops,
               (select count(*)::int from entity) as entities`);
      // Exactly once: as many rows as good records sent, no (platform, eventId) twice, and across
      // every batch row ever written (retries included) each event counted accepted once.
      expect(counts).toEqual({ events: expectedEvents, keys: expectedEvents, distinct_events: expectedEvents, accepted_sum: expectedEvents, shops: PLATFORMS * SHOPS, entities: PLATFORMS * SHOPS });
      const bad = await db.rows<{ n: number }>(sql`select count(*)::int as n from event where platform_event_id like '%-bad'`);
      expect(bad[0]!.n).toBe(0);

      // Each record the final answer calls accepted is stored in that answer's batch.
      const stored = new Map<string, string>();
      for (const r of await db.rows<{ id: string; batch: string }>(sql`select platform_event_id as id, batch_id::text as batch from event`)) stored.set(r.id, r.batch);
      let acceptedChecked = 0;
      for (const a of answers.values()) {
        if (a.kind !== "events") continue;
        for (const r of a.submission.results) {
          if (r.status !== "accepted") continue;
          expect(stored.get((a.records[r.index] as EventRecord).eventId)).toBe(a.submission.batches[0]!.batchId);
          acceptedChecked++;
        }
      }
      expect(acceptedChecked + [...answers.values()].filter((a) => a.kind === "events").reduce((n, a) => n + a.submission.duplicates, 0)).toBe(expectedEvents);

      // No rescore lost: every entity's stored class and p are what its events give, scored
      // again now as of the moment it was last classified.
      const entities = await db.rows<{ id: string; risk_class: string | null; p: number | null; classified_at: Date | string | null }>(
        sql`select id::text as id, risk_class, probability as p, classified_at from entity order by id`,
      );
      const model = await getActiveModel(db.orm);
      let reflect = 0;
      for (const e of entities) {
        expect(e.classified_at, e.id).not.toBeNull();
        const features = await computeFeatures(db.orm, [e.id], new Date(e.classified_at!));
        const again = scoreEntity(model.compiled, features.get(e.id)!);
        expect({ id: e.id, class: e.risk_class, p: Number(e.p).toFixed(9) }).toEqual({ id: e.id, class: again.class, p: again.p.toFixed(9) });
        reflect++;
      }
      expect(reflect).toBe(PLATFORMS * SHOPS);
      console.log(JSON.stringify({ scenario: "kill-9-ingestion", backend: backend.kind, batches: answers.size, events: expectedEvents, answersLostToKill: lostAnswers, recordsLost: 0, duplicates: 0 }));
    } finally {
      await db.close();
    }
  }, 300_000);
});

// The moment the issue names apart: the process dies while PostgreSQL is inside the batch's
// COPY into `event` (seen in pg_stat_activity, not guessed). The COPY's transaction dies with the
// connection; the platform's resend with the same key is then stored whole, once.
describe.skipIf(!process.env.DATABASE_URL)("kill -9 inside the COPY (PostgreSQL)", () => {
  it("a batch whose COPY was cut by SIGKILL is stored exactly once when resent with its key", async () => {
    const COPY_EVENTS = 10_000;
    const now = Date.now();
    const shops = shopIds(0);
    const records = Array.from({ length: COPY_EVENTS }, (_, i) => ({
      eventId: `copy-e${i}`,
      shopId: shops[i % shops.length]!,
      kind: "complaint",
      occurredAt: new Date(now - (1 + (i % 60)) * DAY).toISOString(),
      data: { channel: "platform", reason: "虚假宣传" },
    })) as EventRecord[];
    await gw.start();
    const watcher = await backend.open();
    try {
      const client = await sdkClient(gw.url, backend.platforms[0]!, { retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } });
      let copySeen = false;
      // Watch for the COPY (every 2 ms), then kill at once.
      const killer = (async () => {
        for (let i = 0; i < 15_000 && !copySeen; i++) {
          const [r] = await watcher.rows<{ n: number }>(sql`
            select count(*)::int as n from pg_stat_activity
            where datname = current_database() and state = 'active' and query like 'copy event %'`);
          if (r!.n > 0) copySeen = true;
          else await sleep(2);
        }
        if (copySeen) await gw.kill9();
      })();
      const first = await client.submitEvents(records, { idempotencyKey: "copy-batch" }).then(
        (s) => ({ answered: true as const, s }),
        (err: unknown) => ({ answered: false as const, err }),
      );
      await killer;
      expect(copySeen, "the batch's COPY was seen running").toBe(true);
      expect(first.answered, "the first attempt died with the process").toBe(false);
      const [during] = await watcher.rows<{ n: number }>(sql`select count(*)::int as n from event where platform_event_id like 'copy-%'`);
      expect(during!.n, "nothing of the cut COPY is visible").toBe(0);

      await gw.start();
      const stats: Stats = { resends: 0 };
      const retried = await sdkClient(gw.url, backend.platforms[0]!);
      const answer = await untilAnswered(() => retried.submitEvents(records, { idempotencyKey: "copy-batch" }), () => stats.resends++);
      expect(answer.accepted).toBe(COPY_EVENTS);
      expect(answer.duplicates).toBe(0);
      const [after] = await watcher.rows<{ n: number; distinct_ids: number; batches: number }>(sql`
        select count(*)::int as n, count(distinct platform_event_id)::int as distinct_ids, count(distinct batch_id)::int as batches
        from event where platform_event_id like 'copy-%'`);
      expect(after).toEqual({ n: COPY_EVENTS, distinct_ids: COPY_EVENTS, batches: 1 });
      console.log(JSON.stringify({ scenario: "kill-9-inside-copy", backend: backend.kind, events: COPY_EVENTS, resends: stats.resends, recordsLost: 0, duplicates: 0 }));
    } finally {
      await watcher.close();
      await gw.stop();
    }
  }, 180_000);
});
