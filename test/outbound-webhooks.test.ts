// Signed webhooks end to end: a platform's receiver that fails twice then recovers gets the
// message acknowledged exactly once (3 tries), and its signature verifies against the public
// JWKS (jose directly, and the SDK's verifyWebhook); a receiver that always fails ends dead,
// admins see it and retry it. Tiny backoff; waits on job events, never sleeps.
import { sql } from "drizzle-orm";
import { createLocalJWKSet, flattenedVerify, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "@credit-sandbox/sdk";
import type { MessageType } from "../src/exchange/outbound/types.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { merchant } from "./exchange-fixtures.js";
import { startWebhookReceiver } from "./support/webhook-receiver.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator } from "./support/platform.js";

const MAX_ATTEMPTS = 3;

const startReceiver = startWebhookReceiver;

let gw: TestGateway;
let admin: LoggedInRegulator;
const receivers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  gw = await startTestGateway({ outbound: { webhookRetry: { maxAttempts: MAX_ATTEMPTS, backoffMs: 5 } } });
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "51" });
});
afterAll(async () => {
  await gw?.close();
  await Promise.all(receivers.map((r) => r.close()));
});

/** Publishes one message to the platform as a domain would, then wakes the runner. */
async function publishOne(platformId: string, type: MessageType, data: Record<string, unknown>) {
  await gw.system.deps.db.transaction((tx) => gw.system.outbound.publish(tx, [{ platformId, type, data }]));
  gw.system.deps.kick();
  const [row] = await gw.system.deps.db.rows<{ delivery_id: string; message_id: string; outbox_id: number }>(sql`
    select d.id as delivery_id, d.message_id, o.id::int as outbox_id
    from webhook_delivery d join outbox o on o.job = 'webhook.deliver' and o.payload->>'deliveryId' = d.id::text
    where d.platform_id = ${platformId} order by d.created_at desc, o.id desc limit 1`);
  return row!;
}

const adminGet = (path: string) => gw.fetch(path, { headers: { authorization: `Bearer ${admin.token}` } });
const adminPost = (path: string, token = admin.token) => gw.fetch(path, { method: "POST", headers: { authorization: `Bearer ${token}` } });

describe("signed webhooks", () => {
  it("a receiver that fails twice then succeeds gets the message acknowledged exactly once; the signature verifies", async () => {
    const receiver = await startReceiver((n) => (n <= 2 ? 503 : 200));
    receivers.push(receiver);
    const platform = await onboardPlatform(gw, { webhookUrl: receiver.url });
    const sent = await publishOne(platform.platformId, "batch.processed", { batchId: "b-42", accepted: 7, rejected: 1 });

    const done = await gw.jobEvents.waitFor((e) => e.id === sent.outbox_id && (e.type === "done" || e.type === "failed"));
    expect(done.type).toBe("done");
    expect(done.attempt).toBe(3);
    expect(gw.jobEvents.events.filter((e) => e.id === sent.outbox_id && e.type === "retry")).toHaveLength(2);
    expect(receiver.hits.map((h) => h.status)).toEqual([503, 503, 200]);
    expect(receiver.hits.filter((h) => h.status < 300)).toHaveLength(1);
    expect(new Set(receiver.hits.map((h) => h.headers["webhook-id"]))).toEqual(new Set([sent.message_id]));

    const hit = receiver.hits[2]!;
    expect(hit.headers["content-type"]).toBe("application/json");
    const jwks = (await (await gw.fetch("/.well-known/jwks.json")).json()) as JSONWebKeySet;
    const [protectedHeader, signature] = String(hit.headers["x-jws-signature"]).split("..");
    const verified = await flattenedVerify({ protected: protectedHeader!, payload: hit.body, signature: signature! }, createLocalJWKSet(jwks));
    expect(verified.protectedHeader).toMatchObject({ b64: false, crit: ["b64"], typ: "webhook+jws", wid: sent.message_id, iat: Number(hit.headers["webhook-timestamp"]), aud: platform.clientId });
    expect(JSON.parse(hit.body.toString("utf8"))).toMatchObject({ id: sent.message_id, type: "batch.processed", data: { batchId: "b-42", accepted: 7, rejected: 1 } });
    // The platform's side, with the SDK.
    const message = await verifyWebhook({ clientId: platform.clientId, body: hit.body, headers: hit.headers as Record<string, string>, jwksUrl: `${gw.url}/.well-known/jwks.json` });
    expect(message).toMatchObject({ id: sent.message_id, type: "batch.processed" });
    // Tampered body: rejected.
    await expect(verifyWebhook({ clientId: platform.clientId, body: Buffer.concat([hit.body, Buffer.from(" ")]), headers: hit.headers as Record<string, string>, jwks })).rejects.toThrow();

    const list = await adminGet(`/v1/regulator/webhook-deliveries?platformId=${platform.platformId}`);
    expect(list.status).toBe(200);
    const { deliveries } = (await list.json()) as { deliveries: Array<Record<string, unknown>> };
    expect(deliveries).toEqual([
      expect.objectContaining({ deliveryId: sent.delivery_id, messageId: sent.message_id, type: "batch.processed", status: "delivered", attempts: 3, lastError: null }),
    ]);
    expect(deliveries[0]!.deliveredAt).toEqual(expect.any(String));
  });

  it("a receiver that always fails ends dead; admins list it and retry it", async () => {
    let healthy = false;
    const receiver = await startReceiver(() => (healthy ? 204 : 500));
    receivers.push(receiver);
    const platform = await onboardPlatform(gw, { webhookUrl: receiver.url });
    const sent = await publishOne(platform.platformId, "batch.processed", { batchId: "b-dead" });

    const failed = await gw.jobEvents.waitFor((e) => e.id === sent.outbox_id && (e.type === "done" || e.type === "failed"));
    expect(failed).toMatchObject({ type: "failed", attempt: MAX_ATTEMPTS });
    expect(receiver.hits).toHaveLength(MAX_ATTEMPTS);

    const res = await adminGet(`/v1/regulator/webhook-deliveries?status=dead&platformId=${platform.platformId}&limit=10`);
    expect(res.status).toBe(200);
    const { deliveries } = (await res.json()) as { deliveries: Array<Record<string, unknown>> };
    expect(deliveries).toEqual([
      expect.objectContaining({ deliveryId: sent.delivery_id, status: "dead", attempts: MAX_ATTEMPTS, lastError: expect.stringContaining("500"), deliveredAt: null }),
    ]);
    // Other filters do not show it.
    const pending = (await (await adminGet(`/v1/regulator/webhook-deliveries?status=pending&platformId=${platform.platformId}`)).json()) as { deliveries: unknown[] };
    expect(pending.deliveries).toEqual([]);

    // Only admins; only dead deliveries; only existing ones.
    const officer = await loginRegulator(gw, { role: "officer", regionPrefix: "51" });
    expect((await adminPost(`/v1/regulator/webhook-deliveries/${sent.delivery_id}/retry`, officer.token)).status).toBe(403);
    expect((await gw.fetch("/v1/regulator/webhook-deliveries", { headers: { authorization: `Bearer ${officer.token}` } })).status).toBe(403);
    expect((await gw.fetch("/v1/regulator/webhook-deliveries", { headers: { authorization: `Bearer ${await platform.token()}` } })).status).toBe(401);
    expect((await adminPost(`/v1/regulator/webhook-deliveries/0190a000-0000-7000-8000-000000000000/retry`)).status).toBe(404);

    healthy = true;
    const retried = await adminPost(`/v1/regulator/webhook-deliveries/${sent.delivery_id}/retry`);
    expect(retried.status).toBe(202);
    expect(await retried.json()).toMatchObject({ deliveryId: sent.delivery_id, status: "pending", attempts: 0, lastError: null });
    const again = await adminPost(`/v1/regulator/webhook-deliveries/${sent.delivery_id}/retry`);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "CONFLICT" });

    const [job] = await gw.system.deps.db.rows<{ id: number }>(sql`
      select id::int as id from outbox where job = 'webhook.deliver' and payload->>'deliveryId' = ${sent.delivery_id} and id <> ${sent.outbox_id}`);
    const done = await gw.jobEvents.waitFor((e) => e.id === job!.id && (e.type === "done" || e.type === "failed"));
    expect(done).toMatchObject({ type: "done", attempt: 1 });
    expect(receiver.hits.map((h) => h.status)).toEqual([500, 500, 500, 204]);
    const after = (await (await adminGet(`/v1/regulator/webhook-deliveries?platformId=${platform.platformId}`)).json()) as { deliveries: Array<Record<string, unknown>> };
    expect(after.deliveries).toEqual([expect.objectContaining({ status: "delivered", attempts: 1 })]);
    const [audit] = await gw.system.deps.db.rows<{ n: number }>(sql`
      select count(*)::int as n from audit_log where action = 'webhook.delivery.retry' and subject_id = ${sent.delivery_id}`);
    expect(audit!.n).toBe(1);
  });

  it("a signed batch produces batch.processed in the feed and at the webhook (the same message)", async () => {
    const receiver = await startReceiver(() => 200);
    receivers.push(receiver);
    const platform = await onboardPlatform(gw, { webhookUrl: receiver.url });
    const res = await platform.signedRequest("/v1/merchants/batch", { records: [merchant("shop-1")] });
    expect(res.status).toBe(200);
    const { batchId } = (await res.json()) as { batchId: string };
    const [row] = await gw.system.deps.db.rows<{ outbox_id: number }>(sql`
      select o.id::int as outbox_id from webhook_delivery d
      join outbox o on o.job = 'webhook.deliver' and o.payload->>'deliveryId' = d.id::text
      join outbound_message m on m.id = d.message_id and m.type = 'batch.processed'
      where d.platform_id = ${platform.platformId}`);
    expect((await gw.jobEvents.waitFor((e) => e.id === row!.outbox_id && (e.type === "done" || e.type === "failed"))).type).toBe("done");
    // The entity's first classification.changed may arrive too: pick the batch message.
    const pushed = receiver.hits
      .map((h) => JSON.parse(h.body.toString("utf8")) as Record<string, unknown>)
      .find((m) => m.type === "batch.processed")!;
    expect(pushed).toMatchObject({ type: "batch.processed", data: { batchId, accepted: 1 } });

    for (let i = 0; !(await feedCaughtUp(gw.system.deps.db)); i++) {
      if (i > 500) throw new Error("feed horizon stuck");
      await new Promise((r) => setTimeout(r, 20));
    }
    const feed = (await (await platform.get("/v1/feed")).json()) as { messages: Array<Record<string, unknown>> };
    const batchMessages = feed.messages.filter((m) => m.type === "batch.processed");
    expect(batchMessages).toHaveLength(1);
    const { cursor, ...fromFeed } = batchMessages[0]!;
    expect(cursor).toEqual(expect.any(String));
    expect(fromFeed).toEqual(pushed);
  });

  it("a platform without a webhook URL gets feed messages but no deliveries", async () => {
    const platform = await onboardPlatform(gw);
    await gw.system.deps.db.transaction((tx) => gw.system.outbound.publish(tx, [{ platformId: platform.platformId, type: "batch.processed", data: {} }]));
    const [row] = await gw.system.deps.db.rows<{ n: number }>(sql`select count(*)::int as n from webhook_delivery where platform_id = ${platform.platformId}`);
    expect(row!.n).toBe(0);
  });
});
