// kill -9 of the embedded default during a full reclassification run. The gateway runs as
// `npm start` does (src/main.ts on a PGlite data directory, jobs in-process) over a few thousand
// entities with their events; a platform has sent signed batches and keeps sending them; the
// operator starts `reclassify --all` through the admin socket (the request the CLI sends). Mid-
// run, after some chunks committed, the process is SIGKILLed and started again on the same data
// directory. Then: it starts (PGlite recovers its data directory), the run resumes by itself
// after its last committed chunk and ends (`reclassify --resume ID`, the operator's way back to
// it, follows it to the end), every entity is classified exactly once by the run (an entity
// re-scored from events newer than the run's as-of instant keeps that newer class instead, as
// designed), no chunk was done twice, and every acknowledged event is stored exactly once.
//
// The embedded default only: with DATABASE_URL the CLI executes runs itself (no admin socket),
// and a run job killed with its worker is taken over through Bull's stalled-job check (up to a
// minute); the lease takeover itself is covered by test/reclassify-runs.test.ts.
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EventRecord, type GatewayClient, type MerchantRecord } from "@credit-sandbox/sdk";
import { callAdminSocket } from "../../src/cli/admin-client.js";
import type { ReclassificationRun } from "../../src/classification/runs-store.js";
import { makeUscc } from "../exchange-fixtures.js";
import { seedEntities } from "../reclassify-seed.js";
import { runCli } from "../support/cli.js";
import { usingPostgres } from "../support/db.js";
import { createFaultBackend, jobCounts, killableGateway, sdkClient, sleep, untilAnswered, type FaultBackend, type KillableGateway } from "./harness.js";

/** Entities written straight into the data directory before the first start (set-based SQL). */
const SEEDED = 3_000;
/** Entities a platform submits through the API; their events keep coming during the run. */
const LIVE_SHOPS = 60;
const EVENTS_PER_BATCH = 50;
const CHUNK = 100;
const DAY = 86_400_000;

const suite = usingPostgres() ? describe.skip : describe;
let backend: FaultBackend;
let gw: KillableGateway;
let client: GatewayClient;
let socket: string;

beforeAll(async () => {
  if (usingPostgres()) return;
  backend = await createFaultBackend("csg-fault-run-", 1);
  const db = await backend.open();
  try {
    await seedEntities(db, { n: SEEDED, platformIds: [backend.platforms[0]!.platformId], tag: "killrun" });
  } finally {
    await db.close();
  }
  gw = await killableGateway(backend.env);
  await gw.start();
  socket = join(backend.env.DATA_DIR!, "admin.sock");
  client = await sdkClient(gw.url, backend.platforms[0]!);
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await backend?.close();
});

const shopId = (i: number) => `live-${i}`;

function merchants(): MerchantRecord[] {
  return Array.from({ length: LIVE_SHOPS }, (_, i) => ({
    shopId: shopId(i),
    name: `在线店铺 ${i}`,
    entityType: "enterprise",
    uscc: makeUscc("510107", 82_000_000 + i),
    regionCode: "510107",
    address: `成都市武侯区人民南路 ${i + 1} 号`,
    category: i % 2 === 0 ? "cosmetics" : "household",
  }));
}

function eventBatch(b: number, now: number): EventRecord[] {
  return Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
    eventId: `live-b${b}-e${i}`,
    shopId: shopId((b * 7 + i) % LIVE_SHOPS),
    kind: "complaint",
    occurredAt: new Date(now - (1 + ((b + i) % 50)) * DAY).toISOString(),
    data: { channel: "platform", reason: "质量问题" },
  })) as EventRecord[];
}


async function admin<T>(command: string, input: Record<string, unknown>): Promise<T> {
  const answer = await callAdminSocket(socket, { command, input } as never);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as T;
}

suite("kill -9 of the embedded default during a full run", () => {
  it("restarts on the same data directory, resumes the run, classifies everyone once and keeps every acknowledged event", async () => {
    const now = Date.now();
    const acknowledged = new Map<string, number>(); // eventId -> times acknowledged as accepted
    // Round trips of batches sent and answered while the run went on (the database is shared).
    const batchMsDuringRun: number[] = [];
    let runStartedAt: number | undefined;
    let killed = false;
    let batches = 0;
    const send = async (b: number) => {
      const began = performance.now();
      const s = await untilAnswered(() => client.submitEvents(eventBatch(b, now), { idempotencyKey: `live-${b}` }));
      // Accepted now, or stored by an attempt whose answer died with the process.
      expect(s.accepted + s.duplicates, `batch ${b}`).toBe(EVENTS_PER_BATCH);
      for (const r of s.results) if (r.status === "accepted") acknowledged.set(eventBatch(b, now)[r.index]!.eventId, (acknowledged.get(eventBatch(b, now)[r.index]!.eventId) ?? 0) + 1);
      batches++;
      if (runStartedAt !== undefined && !killed) batchMsDuringRun.push(performance.now() - began);
    };
    await untilAnswered(() => client.submitMerchants(merchants(), { idempotencyKey: "live-merchants" }));
    for (let b = 0; b < 10; b++) await send(b);

    // The operator's `reclassify --all --chunk 100`, through the admin socket.
    const started = await admin<ReclassificationRun>("reclassify.start", { reason: "fault campaign: kill -9 mid-run", chunkSize: CHUNK });
    expect(started.status).toBe("pending");
    runStartedAt = performance.now();
    const total = SEEDED + LIVE_SHOPS;

    // The platform keeps sending while the run goes on, and through the kill.
    let stopSending = false;
    const platform = (async () => {
      for (let b = 10; !stopSending; b++) {
        await send(b);
        await sleep(200);
      }
    })();

    // Kill once a few chunks have committed and most are still to come.
    let atKill: ReclassificationRun | undefined;
    for (let i = 0; i < 1_200 && !atKill; i++) {
      const run = await admin<ReclassificationRun>("reclassify.get", { runId: started.runId });
      if (run.processed >= 3 * CHUNK) atKill = run;
      else await sleep(50);
    }
    expect(atKill, "the run never got going").toBeDefined();
    killed = true;
    await gw.kill9();
    expect(atKill!.processed).toBeLessThan(total / 2);

    // Same data directory: it must start, recover the run and finish it.
    const restartedAt = performance.now();
    await gw.start();
    const startMs = performance.now() - restartedAt;
    const follow = await runCli(backend.env, ["reclassify", "--resume", started.runId]);
    expect(follow.code, follow.stderr).toBe(0);
    const done = JSON.parse(follow.stdout) as ReclassificationRun;
    expect(done).toMatchObject({ runId: started.runId, status: "done", processed: total, total });

    stopSending = true;
    await platform;
    // Every rescore the events caused has run (none lost with the killed process).
    for (let i = 0; ; i++) {
      const rescore = (await jobCounts(gw.url))["classification.rescore"] ?? {};
      if ((rescore.pending ?? 0) + (rescore.running ?? 0) === 0) {
        expect(rescore.failed ?? 0).toBe(0);
        break;
      }
      if (i > 240) throw new Error(`rescores did not drain: ${JSON.stringify(rescore)}`);
      await sleep(500);
    }
    await gw.stop();

    const db = await backend.open();
    try {
      const [run] = await db.rows<{ as_of: Date; counts: Record<string, number>; features_table: string | null }>(
        sql`select features_as_of as as_of, counts, features_table from reclass_run where id = ${started.runId}::uuid`,
      );
      expect(run!.features_table).toBeNull();
      const rows = await db.rows<{ id: string; live: boolean; run_rows: number; classified_at: Date | string | null; newer_events: number }>(sql`
        select e.id::text as id, e.name not like 'killrun%' as live,
               (select count(*)::int from classification c where c.entity_id = e.id and c.run_id = ${started.runId}::uuid) as run_rows,
               e.classified_at,
               (select count(*)::int from event v where v.entity_id = e.id and v.received_at > ${new Date(run!.as_of).toISOString()}::timestamptz) as newer_events
        from entity e`);
      expect(rows).toHaveLength(total);
      // No chunk twice: no entity has two rows from the run.
      expect(rows.filter((r) => r.run_rows > 1)).toEqual([]);
      // Nobody skipped: the seeded entities (no event since the run's as-of) once each; a live
      // entity without a run row was re-scored from newer events after the as-of instant.
      expect(rows.filter((r) => !r.live && r.run_rows !== 1)).toEqual([]);
      const keptNewer = rows.filter((r) => r.live && r.run_rows === 0);
      for (const r of keptNewer) {
        expect(r.newer_events, r.id).toBeGreaterThan(0);
        expect(new Date(r.classified_at!).getTime(), r.id).toBeGreaterThan(new Date(run!.as_of).getTime());
      }
      const runRows = rows.reduce((n, r) => n + r.run_rows, 0);
      expect(runRows).toBe(total - keptNewer.length);
      // The run's tallies count each classified entity once (the killed chunk rolled back whole).
      expect(["A", "B", "C", "D"].reduce((n, k) => n + (run!.counts[k] ?? 0), 0)).toBe(runRows);

      // Every acknowledged event stored once; nothing else arrived.
      expect([...acknowledged.values()].filter((n) => n !== 1)).toEqual([]);
      const [ev] = await db.rows<{ live: number; distinct_live: number }>(
        sql`select count(*)::int as live, count(distinct platform_event_id)::int as distinct_live from event where platform_event_id like 'live-%'`,
      );
      expect(ev).toEqual({ live: batches * EVENTS_PER_BATCH, distinct_live: batches * EVENTS_PER_BATCH });
      const stored = new Set((await db.rows<{ id: string }>(sql`select platform_event_id as id from event where platform_event_id like 'live-%'`)).map((r) => r.id));
      for (const id of acknowledged.keys()) expect(stored.has(id), id).toBe(true);
      console.log(
        JSON.stringify({
          scenario: "embedded-kill-run",
          entities: total,
          chunk: CHUNK,
          processedAtKill: atKill!.processed,
          restartMs: Math.round(startMs),
          batchesAnsweredDuringRun: batchMsDuringRun.length,
          maxBatchMsDuringRun: Math.round(Math.max(0, ...batchMsDuringRun)),
          runRows,
          keptNewerClass: keptNewer.length,
          eventsAcknowledged: batches * EVENTS_PER_BATCH,
          answersLostToKill: batches * EVENTS_PER_BATCH - acknowledged.size,
          recordsLost: 0,
          duplicates: 0,
        }),
      );
    } finally {
      await db.close();
    }
  }, 110_000);
});
