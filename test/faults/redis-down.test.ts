// Redis down during the notice flow: a ROLE=api and a ROLE=worker process on the campaign's own
// Redis (no persistence). Platforms send complaint storms that raise warnings and notices; the
// campaign's Redis is SIGKILLed while webhook retries sit in it, stays down for REDIS_OUTAGE_MS
// while the platforms keep sending, and comes back empty. Every request is accepted at once
// (the outbox holds the jobs), no job is lost (the relay hands Bull again what Redis lost),
// each platform gets each notice exactly once, and every deadline job survives: with time moved
// past the due dates, every case is escalated once.
//
// PostgreSQL + Redis only: the embedded default has no Redis.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayError, type EventRecord, type GatewayClient, type MerchantRecord } from "@credit-sandbox/sdk";
import { ManualClock } from "../../src/clock.js";
import type { Database } from "../../src/db/client.js";
import { createLogger } from "../../src/logger.js";
import { ESCALATE_JOB, ESCALATE_SWEEP_JOB, REMIND_JOB } from "../../src/notices/index.js";
import { overdueUnescalated } from "../../src/notices/deadlines.js";
import { buildSystem } from "../../src/system.js";
import { hashOf, makeUscc } from "../exchange-fixtures.js";
import { usingPostgres, usingRedis } from "../support/db.js";
import { LOCAL_RECEIVER_POLICY, TEST_KEY_ENCRYPTION_KEY } from "../support/gateway.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { createFaultBackend, killableGateway, sdkClient, sleep, type FaultBackend, type KillableGateway } from "./harness.js";

/**
 * 60 s by default: longer than Bull's job lock and stalled-job check (30 s each) and than
 * ioredis' climb to its longest reconnect wait (2 s after ~40 s), so every client timer has
 * run out while Redis is gone. A shorter run is for trying changes out, not for the record.
 */
const OUTAGE_MS = Number(process.env.REDIS_OUTAGE_MS ?? 60_000);
const PLATFORMS = 2;
const STORMS = 6; // food merchants, each with a shop on both platforms; half storm before the outage
const COMPLAINTS = 22; // >= 20 recent complaints in a high-hazard category: warn_and_notice
const FILLERS = 8; // household shops that get a few old complaints, sent all through the outage
const DAY = 86_400_000;

let backend: FaultBackend;
let api: KillableGateway;
let worker: KillableGateway;
let hooks: WebhookReceiver[] = [];
let receiversDown = true;

beforeAll(async () => {
  if (!usingPostgres() || !usingRedis()) return;
  hooks = await Promise.all(Array.from({ length: PLATFORMS }, () => startWebhookReceiver(() => (receiversDown ? 503 : 204))));
  backend = await createFaultBackend("csg-redisdown-", PLATFORMS, { webhookUrl: (i) => hooks[i]!.url });
  // Webhook retries from 5 s: the retries of the deliveries the receivers refuse before the
  // outage are delayed jobs in Redis when it dies.
  const env = { ...backend.env, WEBHOOK_RETRY_BASE_SECONDS: "5" };
  api = await killableGateway(env, { ROLE: "api" });
  worker = await killableGateway(env, { ROLE: "worker", LOG_LEVEL: "info" });
  await Promise.all([api.start(), worker.start()]);
}, 120_000);

afterAll(async () => {
  for (const g of [api, worker]) await g?.stop();
  await backend?.close();
  await Promise.all(hooks.map((h) => h.close()));
});

const stormUscc = (s: number) => makeUscc("510104", 73_000_000 + s);
const merchants = (p: number): MerchantRecord[] => [
  // The same registration facts from both platforms: each shop is a corroborated link to the
  // entity, so both platforms receive its notice.
  ...Array.from({ length: STORMS }, (_, s) => ({
    shopId: `rd${p}-food-${s}`,
    name: `断连小吃店 ${s}`,
    entityName: `断连小吃店 ${s}`,
    legalRepresentativeHash: hashOf(`lr-${stormUscc(s)}`),
    entityType: "enterprise",
    uscc: stormUscc(s),
    regionCode: "510104",
    address: `成都市锦江区春熙路 ${s} 号`,
    category: "food",
  }) as MerchantRecord),
  ...Array.from({ length: FILLERS }, (_, s): MerchantRecord => ({
    shopId: `rd${p}-home-${s}`,
    name: `断连家居店 ${p}-${s}`,
    entityType: "enterprise",
    uscc: makeUscc("510107", 74_000_000 + p * 100 + s),
    regionCode: "510107",
    address: `成都市武侯区科华北路 ${p * 100 + s} 号`,
    category: "household",
  })),
];

/** A storm against food merchant `s`, reported by platform `p` (recent complaints). */
const storm = (p: number, s: number, now: number): EventRecord[] =>
  Array.from({ length: COMPLAINTS }, (_, k) => ({
    eventId: `rd-storm-${s}-${k}`,
    shopId: `rd${p}-food-${s}`,
    kind: "complaint",
    occurredAt: new Date(now - (k + 1) * 10 * 60_000).toISOString(),
    data: { channel: "hotline_12315", reason: "食品变质" },
  }) as EventRecord);

/** Ordinary traffic: a few complaints from half a year ago against the household shops. */
const filler = (p: number, b: number, now: number): EventRecord[] =>
  Array.from({ length: 3 }, (_, i) => ({
    eventId: `rd-fill-${p}-${b}-${i}`,
    shopId: `rd${p}-home-${(b + i) % FILLERS}`,
    kind: "complaint",
    occurredAt: new Date(now - (180 + ((b + i) % 20)) * DAY).toISOString(),
    data: { channel: "platform", reason: "发货慢" },
  }) as EventRecord);

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const one = async <T extends Record<string, unknown>>(db: Database, q: ReturnType<typeof sql>): Promise<T> => (await db.rows<T>(q))[0]!;

describe.skipIf(!usingPostgres() || !usingRedis())("Redis down during the notice flow", () => {
  it("accepts every request while Redis is down, loses no job, delivers each notice once per platform and escalates every overdue case", async () => {
    const now = Date.now();
    const mark: Record<string, number> = {};
    // No SDK retries: every call must be answered 2xx at its first try.
    const clients: GatewayClient[] = await Promise.all(backend.platforms.map((p) => sdkClient(api.url, p, { retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } })));
    const answers: Array<{ call: string; status: number; ms: number }> = [];
    const call = async (name: string, fn: () => Promise<{ accepted: number; duplicates: number; rejected: number }>, expected: number) => {
      const t = Date.now();
      try {
        const r = await fn();
        answers.push({ call: name, status: 200, ms: Date.now() - t });
        expect(r.rejected, name).toBe(0);
        expect(r.accepted + r.duplicates, name).toBe(expected);
      } catch (err) {
        answers.push({ call: name, status: err instanceof GatewayError ? err.status : -1, ms: Date.now() - t });
        throw err;
      }
    };
    for (const [p, c] of clients.entries()) await call(`merchants-${p}`, () => c.submitMerchants(merchants(p), { idempotencyKey: `rd-m-${p}` }), STORMS + FILLERS);

    // Before the outage: storms against the first half, through platform 0. Wait until each of
    // their notices has been refused once by both receivers: its retry is then a delayed job in Redis.
    for (let s = 0; s < STORMS / 2; s++) await call(`storm-${s}`, () => clients[0]!.submitEvents(storm(0, s, now), { idempotencyKey: `rd-s-${s}` }), COMPLAINTS);
    const db = await backend.open();
    try {
      const refusedNotice = (h: WebhookReceiver) =>
        new Set(h.hits.map((x) => JSON.parse(x.body.toString()) as { type: string; data: { noticeId?: string } }).filter((m) => m.type === "notice.issued").map((m) => m.data.noticeId));
      await until("the first notices refused by both receivers", 60_000, async () => hooks.every((h) => refusedNotice(h).size === STORMS / 2)).catch(async (err: Error) => {
        const state = await db.rows(sql`select job, status, count(*)::int as n from outbox group by 1, 2 order by 1, 2`);
        const w = await db.rows(sql`select rule_key, status, count(*)::int as n from warning group by 1, 2`);
        throw new Error(`${err.message}: outbox ${JSON.stringify(state)} warnings ${JSON.stringify(w)} hooks ${hooks.map((h) => h.hits.length)} worker: ${worker.output().slice(-3000)}`);
      });
      const before = await one<{ notices: number; dispatched: number; webhooks_in_redis: number }>(db, sql`
        select (select count(*)::int from notice) as notices,
               count(*) filter (where status = 'dispatched')::int as dispatched,
               count(*) filter (where status = 'dispatched' and job = 'webhook.deliver' and attempts >= 1)::int as webhooks_in_redis
        from outbox`);
      expect(before.notices).toBe(STORMS / 2);
      mark.beforeOutage = Date.now() - now;

      // The outage. The receivers come back at once: what reaches them from now on is what the
      // gateway still knew to send after losing Redis.
      await backend.redis!.stop();
      receiversDown = false;
      const outageStart = Date.now();
      const outageAnswers: number[] = [];
      let b = 0;
      let readyDuring: number | undefined;
      while (Date.now() - outageStart < OUTAGE_MS) {
        const p = b % PLATFORMS;
        const t = Date.now();
        if (b < STORMS / 2) {
          const s = STORMS / 2 + b;
          await call(`storm-${s}`, () => clients[1]!.submitEvents(storm(1, s, now), { idempotencyKey: `rd-s-${s}` }), COMPLAINTS);
        } else {
          await call(`fill-${p}-${b}`, () => clients[p]!.submitEvents(filler(p, b, now), { idempotencyKey: `rd-f-${b}` }), 3);
        }
        outageAnswers.push(Date.now() - t);
        if (b === STORMS) readyDuring = (await fetch(`${api.url}/readyz`)).status;
        b++;
        await sleep(500);
      }
      const outageMs = Date.now() - outageStart;
      await backend.redis!.start();
      const restartedAt = Date.now();

      // Every call was answered 2xx at once, during the outage too; /readyz said the queue was gone.
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(readyDuring).toBe(503);
      expect(b).toBeGreaterThan(STORMS);

      // The jobs run afterwards: all due rows done, every notice issued and delivered.
      await until("the outbox to drain after Redis came back", 90_000, async () => {
        const r = await one<{ open: number; notices: number; undelivered: number }>(db, sql`
          select count(*) filter (where status not in ('done', 'failed') and run_at <= now())::int as open,
                 (select count(*)::int from notice) as notices,
                 (select count(*)::int from webhook_delivery where status <> 'delivered') as undelivered
          from outbox`);
        return r.open === 0 && r.notices === STORMS && r.undelivered === 0;
      });
      const drainedMs = Date.now() - restartedAt;
      mark.drained = Date.now() - now;

      // Nothing failed; the relay re-added what Redis lost (the dispatched webhook retries).
      const runs = await one<{ failed: number }>(db, sql`select count(*) filter (where status = 'failed')::int as failed from outbox`);
      expect(runs.failed).toBe(0);
      expect(before.webhooks_in_redis).toBeGreaterThan(0);
      expect(worker.output()).toMatch(/re-added dispatched jobs missing from Redis/);

      // One notice per storm, for exactly the storm merchants.
      const notices = await db.rows<{ id: string; uscc: string }>(sql`select n.id, e.uscc from notice n join entity e on e.id = n.entity_id order by e.uscc`);
      expect(notices.map((n) => n.uscc)).toEqual(Array.from({ length: STORMS }, (_, s) => stormUscc(s)).sort());

      // Each platform got each notice exactly once (2xx-answered deliveries, by Webhook-Id),
      // and every message once: no Webhook-Id was answered 2xx twice.
      const [messages] = await db.rows<{ n: number }>(sql`select count(*)::int as n from webhook_delivery`);
      let delivered = 0;
      for (const h of hooks) {
        const ok = h.hits.filter((x) => x.status === 204);
        const ids = ok.map((x) => String(x.headers["webhook-id"]));
        expect(new Set(ids).size, "a message delivered twice").toBe(ids.length);
        delivered += ids.length;
        const noticeIds = ok.map((x) => JSON.parse(x.body.toString()) as { type: string; data: { noticeId: string } }).filter((m) => m.type === "notice.issued").map((m) => m.data.noticeId);
        expect(noticeIds.sort()).toEqual(notices.map((n) => n.id).sort());
      }
      expect(delivered).toBe(Number(messages!.n));

      // Every deadline job is in the outbox, once per case, waiting for its time.
      const deadlines = await one<{ cases: number; escalate: number; remind: number }>(db, sql`
        select (select count(*)::int from rectification_case) as cases,
               count(*) filter (where job = ${ESCALATE_JOB} and status = 'pending')::int as escalate,
               count(*) filter (where job = ${REMIND_JOB} and status = 'pending')::int as remind
        from outbox`);
      expect(deadlines).toEqual({ cases: STORMS, escalate: STORMS, remind: STORMS });

      // Past the due dates: a gateway whose clock reads 16 days on runs the deadline jobs, then the sweep.
      await api.stop();
      await worker.stop();
      const later = new ManualClock(new Date(Date.now() + 16 * DAY));
      const system = buildSystem({
        db,
        clock: later,
        logger: createLogger("silent"),
        issuer: api.url,
        bodyLimitBytes: 1024 * 1024,
        role: "all",
        redisUrl: undefined,
        workerConcurrency: 4,
        dataDir: "postgres",
        keyEncryptionKey: TEST_KEY_ENCRYPTION_KEY,
        outbound: { webhookPolicy: LOCAL_RECEIVER_POLICY },
      });
      await system.start();
      try {
        const due = () => one<{ open: number }>(db, sql`
          select count(*)::int as open from outbox where status not in ('done', 'failed') and run_at <= ${later.now().toISOString()}::timestamptz`);
        await until("the deadline jobs to run", 60_000, async () => (await due()).open === 0);
        await db.transaction((tx) => system.deps.enqueueMany(tx, [{ job: ESCALATE_SWEEP_JOB, payload: {} }]));
        system.deps.kick();
        await until("the sweep to run", 30_000, async () => (await due()).open === 0);
      } finally {
        await system.stop();
      }
      expect(await overdueUnescalated(db.orm, later.now(), 100)).toEqual([]);
      const escalated = await one<{ cases: number; steps: number; jobs_done: number; sweeps: number }>(db, sql`
        select (select count(*)::int from rectification_case where status = 'escalated' and escalated_at is not null) as cases,
               (select count(*)::int from rectification_step where action = 'escalated') as steps,
               count(*) filter (where job = ${ESCALATE_JOB} and status = 'done' and attempts = 1)::int as jobs_done,
               count(*) filter (where job = ${ESCALATE_SWEEP_JOB} and status = 'done')::int as sweeps
        from outbox`);
      expect(escalated.sweeps).toBeGreaterThanOrEqual(1);
      expect({ ...escalated, sweeps: 1 }).toEqual({ cases: STORMS, steps: STORMS, jobs_done: STORMS, sweeps: 1 });

      console.log(
        `[redis-down] outage ${outageMs} ms; ${answers.length} calls, ${outageAnswers.length} during the outage ` +
          `(slowest ${Math.max(...outageAnswers)} ms), all 2xx; ${before.dispatched} rows dispatched to Redis when it died ` +
          `(${before.webhooks_in_redis} webhook retries); drained ${drainedMs} ms after Redis came back; ` +
          `${STORMS} notices x ${PLATFORMS} platforms delivered once; ${delivered} webhooks, 0 duplicates; ${STORMS} cases escalated once; ` +
          `timeline ${JSON.stringify({ ...mark, end: Date.now() - now })}`,
      );
    } finally {
      await db.close();
    }
  }, 240_000);
});
