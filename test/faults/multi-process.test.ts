// The scale-out deployment: two ROLE=api processes behind "one address" (each platform sends
// through both, and goes on through the other when one is gone) and one ROLE=worker process on
// Redis, all on one PostgreSQL. Batches through either process are classified, every outbox job
// runs once (each platform hears each message once, by webhook), and killing one API process
// with SIGKILL mid-stream loses nothing it acknowledged.
//
// PostgreSQL + Redis only: the embedded default is one process by design (its data directory
// is locked by the process that holds it).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayError, type EventRecord, type GatewayClient, type MerchantRecord, type Submission } from "@credit-sandbox/sdk";
import { makeUscc } from "../exchange-fixtures.js";
import { usingPostgres, usingRedis } from "../support/db.js";
import { createFaultBackend, jobCounts, killableGateway, sdkClient, sleep, type FaultBackend, type KillableGateway } from "./harness.js";

const PLATFORMS = 2;
const SHOPS = 8;
const BATCHES = 8;
const EVENTS_PER_BATCH = 50;
const DAY = 86_400_000;

let backend: FaultBackend;
let api: KillableGateway[] = [];
let worker: KillableGateway;
let hooks: { server: Server; url: string; ids: string[] };

beforeAll(async () => {
  if (!usingPostgres() || !usingRedis()) return;
  hooks = await webhookCounter();
  backend = await createFaultBackend("csg-multi-", PLATFORMS, { webhookUrl: hooks.url });
  api = [await killableGateway(backend.env, { ROLE: "api" }), await killableGateway(backend.env, { ROLE: "api" })];
  // LOG_LEVEL=info: the worker has no port, its "worker started" log line is how the harness knows it runs.
  worker = await killableGateway(backend.env, { ROLE: "worker", LOG_LEVEL: "info" });
  await Promise.all([...api.map((g) => g.start()), worker.start()]);
}, 180_000);

afterAll(async () => {
  for (const g of [...api, worker]) await g?.stop();
  await backend?.close();
  await new Promise<void>((r) => (hooks ? hooks.server.close(() => r()) : r()));
});

/** A platform's webhook endpoint that only records each delivery's Webhook-Id. */
async function webhookCounter(): Promise<{ server: Server; url: string; ids: string[] }> {
  const ids: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      ids.push(String(req.headers["webhook-id"]));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, ids };
}

const merchants = (p: number): MerchantRecord[] =>
  Array.from({ length: SHOPS }, (_, s) => ({
    shopId: `mp${p}-shop-${s}`,
    name: `多进程店铺 ${p}-${s}`,
    entityType: "enterprise",
    uscc: makeUscc("510107", 71_000_000 + p * 1000 + s),
    regionCode: "510107",
    address: `成都市武侯区科华北路 ${p * 100 + s} 号`,
    category: s % 2 === 0 ? "food" : "household",
  }));

const events = (p: number, b: number, now: number): EventRecord[] =>
  Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
    eventId: `mp${p}-b${b}-e${i}`,
    shopId: `mp${p}-shop-${(i * (b + 1)) % SHOPS}`,
    kind: "complaint",
    occurredAt: new Date(now - (1 + ((i + b) % 40)) * DAY).toISOString(),
    data: { channel: "platform", reason: "商品与描述不符" },
  }) as EventRecord);

describe.skipIf(!usingPostgres() || !usingRedis())("two API processes and a worker on one PostgreSQL", () => {
  it("classifies batches sent through either, runs each job once, and loses nothing when one API process is killed", async () => {
    const now = Date.now();
    // Each platform holds a client per API process: the "one address" is a client that goes on
    // through the other process (same call, same idempotency key) when its first choice is gone.
    const clients: GatewayClient[][] = await Promise.all(
      backend.platforms.map((p) => Promise.all(api.map((g) => sdkClient(g.url, p, { retry: { retries: 1, baseDelayMs: 100, maxDelayMs: 200 } })))),
    );
    const send = async <T>(p: number, first: number, call: (c: GatewayClient) => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        const via = (first + attempt) % api.length;
        try {
          return await call(clients[p]![via]!);
        } catch (err) {
          if (!(err instanceof GatewayError && (err.status === 0 || err.status === 503)) || attempt > 20) throw err;
          await sleep(100);
        }
      }
    };
    const answers: Array<{ p: number; key: string; records: EventRecord[]; submission: Submission }> = [];
    for (let p = 0; p < PLATFORMS; p++) await send(p, p, (c) => c.submitMerchants(merchants(p), { idempotencyKey: `mp-m-${p}` }));

    // Batches alternate between the two processes; API process 0 is killed mid-stream.
    let killed = false;
    await Promise.all(
      backend.platforms.map(async (_, p) => {
        for (let b = 0; b < BATCHES; b++) {
          if (p === 0 && b === BATCHES / 2 && !killed) {
            killed = true;
            void api[0]!.kill9();
          }
          const records = events(p, b, now);
          const key = `mp-e-${p}-${b}`;
          const submission = await send(p, b % api.length, (c) => c.submitEvents(records, { idempotencyKey: key }));
          answers.push({ p, key, records, submission });
        }
      }),
    );
    expect(killed).toBe(true);
    expect(answers).toHaveLength(PLATFORMS * BATCHES);
    for (const a of answers) expect(a.submission.accepted + a.submission.duplicates, a.key).toBe(EVENTS_PER_BATCH);

    // The worker drains every job due now (deadline reminders and schedule ticks wait for later).
    const db = await backend.open();
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const [due] = await db.rows<{ open: number; rescores: number }>(sql`
          select count(*) filter (where status not in ('done', 'failed') and run_at <= now())::int as open,
                 count(*) filter (where job = 'classification.rescore' and status = 'done')::int as rescores from outbox`);
        if (Number(due!.open) === 0 && Number(due!.rescores) > 0) break;
        if (Date.now() > deadline) throw new Error(`jobs did not drain: ${JSON.stringify(await jobCounts(api[1]!.url))}`);
        await sleep(300);
      }

      const total = PLATFORMS * BATCHES * EVENTS_PER_BATCH;
      const [stored] = await db.rows<{ events: number; distinct_events: number }>(sql`
        select count(*)::int as events, count(distinct (platform_id, platform_event_id))::int as distinct_events from event`);
      expect(stored).toEqual({ events: total, distinct_events: total });
      // Every entity classified, and nothing left to rescore.
      const [left] = await db.rows<{ unclassified: number; pending: number }>(sql`
        select (select count(*)::int from entity where classified_at is null) as unclassified,
               (select count(*)::int from rescore_pending) as pending`);
      expect(left).toEqual({ unclassified: 0, pending: 0 });
      // Each job ran once: no outbox row took a second attempt, none failed.
      const [runs] = await db.rows<{ retried: number; failed: number }>(sql`
        select count(*) filter (where attempts > 1)::int as retried, count(*) filter (where status = 'failed')::int as failed from outbox`);
      expect(runs).toEqual({ retried: 0, failed: 0 });
      // Each message reached its platform once: as many webhook deliveries as messages, no id twice.
      const [messages] = await db.rows<{ n: number }>(sql`select count(*)::int as n from outbound_message`);
      expect(new Set(hooks.ids).size).toBe(hooks.ids.length);
      expect(hooks.ids.length).toBe(Number(messages!.n));
    } finally {
      await db.close();
    }
  }, 300_000);
});
