// A platform's webhook receiver down for a day. Its receiver answers 503 to every try: the
// gateway's retries back off exponentially (the waits of src/jobs/backoff.ts), the delivery is
// dead-lettered after the last try, and the platform's feed had the message all along. Once the
// receiver is back an admin sends it again, through the API (retryWebhookDelivery) and through
// the operator CLI (`webhook list --status dead`, `webhook redeliver`, audited): the receiver
// gets each message once.
//
// Time: on the embedded default (in-process runner) the gateway runs on a manual clock with the
// production retry schedule, moved from one try to the next: a whole simulated day. On Bull the
// waits are Redis' own (real time), so the same schedule runs scaled down through config.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedMessage } from "@credit-sandbox/sdk";
import { ManualClock, systemClock, type Clock } from "../../src/clock.js";
import { DEFAULT_WEBHOOK_RETRY } from "../../src/exchange/outbound/webhook-job.js";
import { feedCaughtUp } from "../../src/exchange/outbound/feed.js";
import { usingRedis } from "../support/db.js";
import { runCli } from "../support/cli.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { loginRegulator, onboardPlatform, type OnboardedPlatform } from "../support/platform.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { merchant } from "../exchange-fixtures.js";
import { createFaultBackend, killableGateway, sdkClient, sleep, type FaultBackend, type KillableGateway } from "./harness.js";

const HOUR = 3_600_000;
/** Bull: the production schedule's shape (double from the base up to the cap) in milliseconds. */
const SCALED = { maxAttempts: 8, backoffMs: 100, maxBackoffMs: 800 };
const manual = !usingRedis();
const policy = manual ? DEFAULT_WEBHOOK_RETRY : SCALED;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A receiver that answers 503 while `state.down`, recording the gateway clock's time of each request. */
async function flakyReceiver(clock: Clock): Promise<WebhookReceiver & { state: { down: boolean }; times: number[] }> {
  const state = { down: true };
  const times: number[] = [];
  const r = await startWebhookReceiver(() => {
    times.push(clock.now().getTime());
    return state.down ? 503 : 204;
  });
  return { ...r, close: () => r.close(), state, times };
}

/** The waits the schedule allows after failed try k (1-based): between half and all of the doubling. */
const allowed = (k: number) => {
  const full = Math.min(policy.backoffMs * 2 ** (k - 1), policy.maxBackoffMs);
  return { min: full / 2, max: full };
};

describe("a webhook receiver down for a day (API)", () => {
  const clock: Clock = manual ? new ManualClock(new Date()) : systemClock;
  let gw: TestGateway;
  let receiver: Awaited<ReturnType<typeof flakyReceiver>>;
  let platform: OnboardedPlatform;

  beforeAll(async () => {
    receiver = await flakyReceiver(clock);
    gw = await startTestGateway({ clock, outbound: { webhookRetry: policy } });
    platform = await onboardPlatform(gw, { webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await gw?.close();
    await receiver?.close();
  });

  const feedIds = async () => {
    // On PostgreSQL the feed's horizon is cluster-wide: other test files' transactions hold it
    // back for a moment, so wait until what was written is visible before reading.
    for (let i = 0; !(await feedCaughtUp(gw.system.deps.db)); i++) {
      if (i > 500) throw new Error("feed horizon did not pass the last write within 10 s");
      await sleep(20);
    }
    const res = await platform.get("/v1/feed?limit=1000");
    expect(res.status).toBe(200);
    return ((await res.json()) as { messages: FeedMessage[] }).messages.map((m) => m.id);
  };
  const deliveryRow = async (deliveryId: string) =>
    (await gw.system.deps.db.rows<{ status: string; attempts: number }>(sql`select status, attempts from webhook_delivery where id = ${deliveryId}`))[0]!;

  it("backs off exponentially, dead-letters after the last try, keeps the message in the feed, and an admin's redelivery arrives once", async () => {
    const db = gw.system.deps.db;
    await db.transaction((tx) => gw.system.outbound.publish(tx, [{ platformId: platform.platformId, type: "batch.processed", data: { batchId: "b-down", accepted: 1, rejected: 0 } }]));
    gw.system.deps.kick();
    const [sent] = await db.rows<{ delivery_id: string; message_id: string; outbox_id: number }>(sql`
      select d.id as delivery_id, d.message_id, o.id::int as outbox_id
      from webhook_delivery d join outbox o on o.job = 'webhook.deliver' and o.payload->>'deliveryId' = d.id::text
      where d.platform_id = ${platform.platformId}`);

    // Every try until the last: on the manual clock, move to the time the runner set for the next.
    for (let k = 1; k <= policy.maxAttempts; k++) {
      await until(`try ${k}`, 30_000, () => receiver.times.length >= k);
      if (k === 1) expect(await feedIds()).toContain(sent!.message_id); // in the feed while webhooks fail
      if (!manual || k === policy.maxAttempts) continue;
      const next = await until(`the retry after try ${k}`, 10_000, async () => {
        const [row] = await db.rows<{ run_at: string | Date; status: string }>(sql`select run_at, status from outbox where id = ${sent!.outbox_id}`);
        return row?.status === "pending" && new Date(row.run_at).getTime() > clock.now().getTime() ? new Date(row.run_at) : undefined;
      });
      (clock as ManualClock).set(next);
      gw.system.deps.kick();
    }
    await until("the dead letter", 30_000, async () => (await deliveryRow(sent!.delivery_id)).status === "dead");

    // Exactly maxAttempts tries, all refused, one message id; each wait within its doubling.
    expect(receiver.hits.map((h) => h.status)).toEqual(Array(policy.maxAttempts).fill(503));
    expect(new Set(receiver.hits.map((h) => h.headers["webhook-id"]))).toEqual(new Set([sent!.message_id]));
    expect(await deliveryRow(sent!.delivery_id)).toEqual({ status: "dead", attempts: policy.maxAttempts });
    const [job] = await db.rows<{ status: string }>(sql`select status from outbox where id = ${sent!.outbox_id}`);
    expect(job!.status).toBe("failed");
    const waits = receiver.times.slice(1).map((t, i) => t - receiver.times[i]!);
    // Real time (Bull) adds the time a try takes and a worker's pick-up delay on top.
    const slack = manual ? 0 : 1_000;
    for (const [i, wait] of waits.entries()) {
      const { min, max } = allowed(i + 1);
      expect(wait, `wait after try ${i + 1}`).toBeGreaterThanOrEqual(min);
      expect(wait, `wait after try ${i + 1}`).toBeLessThanOrEqual(max + slack);
    }
    const span = receiver.times.at(-1)! - receiver.times[0]!;
    if (manual) {
      // The production schedule: the dead letter comes 16-32 h after the first try.
      expect(span).toBeGreaterThanOrEqual(16 * HOUR);
      expect(span).toBeLessThanOrEqual(33 * HOUR);
    }
    expect(await feedIds()).toContain(sent!.message_id);

    // The receiver is back; an admin finds the dead letter and sends it again.
    receiver.state.down = false;
    const admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
    const auth = { authorization: `Bearer ${admin.token}` };
    const listed = (await (await gw.fetch(`/v1/regulator/webhook-deliveries?status=dead&platformId=${platform.platformId}`, { headers: auth })).json()) as {
      deliveries: Array<{ deliveryId: string }>;
    };
    expect(listed.deliveries.map((d) => d.deliveryId)).toEqual([sent!.delivery_id]);
    const retried = await gw.fetch(`/v1/regulator/webhook-deliveries/${sent!.delivery_id}/retry`, { method: "POST", headers: auth });
    expect(retried.status).toBe(202);
    await until("the redelivery", 30_000, async () => (await deliveryRow(sent!.delivery_id)).status === "delivered");
    expect(receiver.hits.filter((h) => h.status === 204).map((h) => h.headers["webhook-id"])).toEqual([sent!.message_id]);
    expect(await deliveryRow(sent!.delivery_id)).toEqual({ status: "delivered", attempts: 1 });
    // Sending it again once more is refused: it is delivered.
    expect((await gw.fetch(`/v1/regulator/webhook-deliveries/${sent!.delivery_id}/retry`, { method: "POST", headers: auth })).status).toBe(409);
    const [audit] = await db.rows<{ n: number }>(sql`select count(*)::int as n from audit_log where action = 'webhook.delivery.retry' and subject_id = ${sent!.delivery_id}`);
    expect(audit!.n).toBe(1);
    console.log(
      `[receiver-down] ${manual ? "in-process, manual clock, production schedule" : "Bull, scaled schedule"}: ${policy.maxAttempts} tries refused over ` +
        `${manual ? `${(span / HOUR).toFixed(1)} h` : `${span} ms`} (waits ${waits.map((w) => (manual ? `${Math.round(w / 1000)}s` : `${w}ms`)).join(", ")}); dead-lettered; redelivered once via the API`,
    );
  }, 120_000);
});

describe("a dead letter sent again with the operator CLI", () => {
  let backend: FaultBackend;
  let gateway: KillableGateway;
  let receiver: Awaited<ReturnType<typeof flakyReceiver>>;

  beforeAll(async () => {
    receiver = await flakyReceiver(systemClock);
    backend = await createFaultBackend("csg-rcvdown-", 1, { webhookUrl: receiver.url });
    // Three tries a second or so apart: the schedule is config (WEBHOOK_RETRY_*), here shortened.
    gateway = await killableGateway({ ...backend.env, WEBHOOK_RETRY_ATTEMPTS: "3", WEBHOOK_RETRY_BASE_SECONDS: "1", WEBHOOK_RETRY_MAX_DELAY_MINUTES: "1" });
    await gateway.start();
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
    await backend?.close();
    await receiver?.close();
  });

  const cli = async (args: string[]) => {
    const r = await runCli(backend.env, args);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it("lists the dead letters of a platform and redelivers one (through the admin socket on the embedded database); the receiver gets it once", async () => {
    const p = backend.platforms[0]!;
    const client = await sdkClient(gateway.url, p);
    const submission = await client.submitMerchants([merchant("rcv-down-1") as never], { idempotencyKey: "rcv-down-1" });
    expect(submission.accepted).toBe(1);
    type Listed = { deliveries: Array<{ deliveryId: string; messageId: string; attempts: number; type: string; status: string }> };
    // The batch's messages (its receipt, the classification it caused) each die after three tries.
    const all = await until("every delivery dead", 60_000, async () => {
      const out = (await cli(["webhook", "list", "--platform", p.platformId])) as Listed;
      return out.deliveries.length > 0 && out.deliveries.every((d) => d.status === "dead") ? out.deliveries : undefined;
    });
    const dead = ((await cli(["webhook", "list", "--status", "dead", "--platform", p.platformId])) as Listed).deliveries;
    expect(dead.map((d) => d.deliveryId).sort()).toEqual(all.map((d) => d.deliveryId).sort());
    expect(dead.every((d) => d.attempts === 3)).toBe(true);
    expect(receiver.hits.map((h) => h.status)).toEqual(Array(3 * dead.length).fill(503));
    const receipt = dead.find((d) => d.type === "batch.processed")!;
    expect(receipt).toBeDefined();
    // The feed had them all along.
    const feed = await client.feed.page({ limit: 100 });
    expect(feed.messages.map((m) => m.id).sort()).toEqual(dead.map((d) => d.messageId).sort());

    receiver.state.down = false;
    const redelivered = (await cli(["webhook", "redeliver", "--delivery", receipt.deliveryId])) as { status: string; attempts: number };
    expect(redelivered).toMatchObject({ status: "pending", attempts: 0 });
    await until("the redelivery", 30_000, () => receiver.hits.some((h) => h.status === 204));
    await sleep(1_500); // a second copy, were one coming, would be sent right behind the first
    expect(receiver.hits.filter((h) => h.status === 204).map((h) => h.headers["webhook-id"])).toEqual([receipt.messageId]);
    expect(receiver.hits).toHaveLength(3 * dead.length + 1);
    const after = (await cli(["webhook", "list", "--platform", p.platformId])) as Listed;
    expect(after.deliveries.find((d) => d.deliveryId === receipt.deliveryId)).toMatchObject({ status: "delivered", attempts: 1 });
    expect(((await cli(["webhook", "list", "--status", "dead", "--platform", p.platformId])) as Listed).deliveries).toHaveLength(dead.length - 1);

    // Refused: a delivered one, and words that are not a delivery id.
    const again = await runCli(backend.env, ["webhook", "redeliver", "--delivery", receipt.deliveryId]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error.code).toBe("CONFLICT");
    expect((await runCli(backend.env, ["webhook", "redeliver", "--delivery", "nope"])).code).toBe(2);

    // Audited as the operator.
    await gateway.stop();
    const db = await backend.open();
    try {
      const rows = await db.rows<{ actor: string; subject_id: string }>(sql`select actor, subject_id from audit_log where action = 'webhook.delivery.retry'`);
      expect(rows).toEqual([{ actor: "cli", subject_id: receipt.deliveryId }]);
    } finally {
      await db.close();
    }
  }, 180_000);
});
