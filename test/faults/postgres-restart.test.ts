// PostgreSQL restarts under load. A platform keeps sending event batches through the SDK while
// the database of a ROLE=all gateway process is stopped (fast shutdown: sessions are ended, as
// in a restart or failover) and started again. Meanwhile /readyz says unavailable, API requests
// fail fast with 503 + Retry-After (no hang, no 500), the same gateway process recovers by
// itself once the database is back, and nothing acknowledged is lost or stored twice.
//
// PostgreSQL only: it needs a database server to restart. The test runs a cluster of its own
// (and a Redis of its own), never the shared one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayError, type EventRecord, type GatewayClient, type Submission } from "@credit-sandbox/sdk";
import { createPlatform } from "../../src/auth/index.js";
import { systemClock } from "../../src/clock.js";
import { openDatabase } from "../../src/db/client.js";
import { migrate } from "../../src/db/migrate.js";
import { makeUscc } from "../exchange-fixtures.js";
import { usingPostgres } from "../support/db.js";
import { LOCAL_RECEIVER_POLICY, TEST_KEY_ENCRYPTION_KEY, TEST_METRICS_TOKEN } from "../support/gateway.js";
import { generateTestKey } from "../support/platform.js";
import { killableGateway, sdkClient, sleep, startOwnPostgres, startOwnRedis, type KillableGateway, type OwnPostgres, type OwnRedis, type SeededPlatform } from "./harness.js";

const EVENTS_PER_BATCH = 100;
const SHOPS = 10;
/** Probes while the database is down, one every PROBE_EVERY_MS. */
const PROBES = 12;
const PROBE_EVERY_MS = 300;

let dir: string;
let pg: OwnPostgres;
let redis: OwnRedis;
let gw: KillableGateway;
let platform: SeededPlatform;

beforeAll(async () => {
  if (!usingPostgres()) return;
  dir = mkdtempSync(join(tmpdir(), "csg-fault-pg-"));
  pg = await startOwnPostgres(dir);
  redis = await startOwnRedis(dir);
  const db = await openDatabase({ kind: "postgres", url: pg.url, maxConnections: 2 });
  await migrate(db);
  const key = await generateTestKey("ES256");
  const created = await createPlatform(
    { db, clock: systemClock, actor: { kind: "cli" }, webhookPolicy: LOCAL_RECEIVER_POLICY },
    { name: "pg-restart platform", jwks: { keys: [key.publicJwk as Record<string, unknown>] } },
  );
  platform = { platformId: created.platformId, clientId: created.clientId, key };
  await db.close();
  gw = await killableGateway({
    PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "warn",
    DATABASE_URL: pg.url, REDIS_URL: redis.url, KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, METRICS_TOKEN: TEST_METRICS_TOKEN,
  });
  await gw.start();
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await pg?.stop().catch(() => {});
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function batch(b: number): EventRecord[] {
  return Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
    eventId: `b${b}-e${i}`,
    shopId: `shop-${i % SHOPS}`,
    kind: "complaint",
    occurredAt: new Date(Date.now() - (1 + (i % 20)) * 86_400_000).toISOString(),
    data: { channel: "platform", reason: "虚假宣传" },
  }) as EventRecord);
}

describe.skipIf(!usingPostgres())("PostgreSQL restart under load (ROLE=all, a cluster of the test's own)", () => {
  it("answers 503 + Retry-After fast while the database is down, recovers by itself, loses nothing acknowledged", async () => {
    const statuses = new Map<number, number>();
    const client: GatewayClient = await sdkClient(gw.url, platform, {
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        return res;
      },
    });
    await client.submitMerchants(
      Array.from({ length: SHOPS }, (_, s) => ({ shopId: `shop-${s}`, name: `店铺 ${s}`, entityType: "enterprise", uscc: makeUscc("510105", 60_000_000 + s), regionCode: "510105", address: `成都市青羊区 ${s} 号`, category: "food" })),
      { idempotencyKey: "merchants" },
    );

    // The load: batch after batch; once the SDK's retries are spent, the same call again.
    const answers: Submission[] = [];
    let stopLoad = false;
    let resends = 0;
    const load = (async () => {
      for (let b = 0; !stopLoad; b++) {
        for (;;) {
          try {
            answers.push(await client.submitEvents(batch(b), { idempotencyKey: `batch-${b}` }));
            break;
          } catch (err) {
            if (!(err instanceof GatewayError) || ![0, 503, 409].includes(err.status)) throw err;
            resends++;
            await sleep(300);
          }
        }
        await sleep(100);
      }
    })();
    await sleep(1500);
    const before = answers.length;
    const token = await client.accessToken();
    const someBatch = answers[0]!.batches[0]!.batchId;

    await pg.stop();
    await sleep(300);
    if (!gw.running()) throw new Error(`the gateway died with its database: ${gw.output().slice(-3000)}`);
    const probes: { readyz: number; api: number; retryAfter: string | null; code: string; ms: number }[] = [];
    for (let i = 0; i < PROBES; i++) {
      const t0 = performance.now();
      const ready = await fetch(`${gw.url}/readyz`, { signal: AbortSignal.timeout(5000) });
      const api = await fetch(`${gw.url}/v1/batches/${someBatch}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
      const body = (await api.json()) as { code?: string };
      probes.push({ readyz: ready.status, api: api.status, retryAfter: api.headers.get("retry-after"), code: body.code ?? "", ms: performance.now() - t0 });
      await sleep(PROBE_EVERY_MS);
    }
    await pg.start();

    // The same process recovers by itself: ready again, and the API answers.
    const upAt = performance.now();
    let recoveredMs = -1;
    while (performance.now() - upAt < 30_000) {
      const ready = await fetch(`${gw.url}/readyz`, { signal: AbortSignal.timeout(5000) }).catch(() => ({ status: 0 }));
      const api = await fetch(`${gw.url}/v1/batches/${someBatch}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) }).catch(() => ({ status: 0 }));
      if (ready.status === 200 && api.status === 200) {
        recoveredMs = performance.now() - upAt;
        break;
      }
      await sleep(200);
    }
    const afterRecovery = answers.length;
    await sleep(1500);
    stopLoad = true;
    const loadEnded = await Promise.race([load.then(() => true), sleep(60_000).then(() => false)]);
    if (!loadEnded || recoveredMs < 0) console.error(`stuck (load ended: ${loadEnded}, recovered: ${recoveredMs}): ${gw.output().slice(-4000)}`);
    expect(loadEnded).toBe(true);
    console.log(JSON.stringify({ scenario: "postgres-restart", probes: probes.length, slowestProbeMs: Math.round(Math.max(...probes.map((p) => p.ms))), recoveredMs: Math.round(recoveredMs), batches: answers.length, resends, statuses: Object.fromEntries(statuses) }));

    expect(gw.running()).toBe(true);
    expect(probes).toHaveLength(PROBES);
    for (const p of probes) {
      expect(p.readyz).toBe(503);
      expect({ status: p.api, code: p.code, retryAfter: p.retryAfter }).toEqual({ status: 503, code: "UNAVAILABLE", retryAfter: "5" });
      // Fail fast: a query waits at most for one quick reconnect attempt (src/db/client.ts),
      // far from the SDK's 20 s attempt timeout; the bound leaves room for a loaded machine.
      expect(p.ms).toBeLessThan(3000);
    }
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(before).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(afterRecovery); // still taking batches after the restart

    // Nothing acknowledged lost, nothing twice.
    for (const a of answers) expect(a.accepted + a.duplicates).toBe(EVENTS_PER_BATCH);
    const db = await openDatabase({ kind: "postgres", url: pg.url, maxConnections: 1 });
    try {
      const [c] = await db.rows<{ events: number; distinct_events: number; accepted_sum: number }>(sql`
        select (select count(*)::int from event) as events,
               (select count(*)::int from (select distinct platform_id, platform_event_id from event) d) as distinct_events,
               (select coalesce(sum(accepted), 0)::int from batch where kind = 'events') as accepted_sum`);
      const expected = answers.length * EVENTS_PER_BATCH;
      expect(c).toEqual({ events: expected, distinct_events: expected, accepted_sum: expected });
    } finally {
      await db.close();
    }
  }, 180_000);
});
