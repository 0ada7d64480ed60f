// A platform's webhook endpoint written with the SDK, receiving real webhooks from the gateway
// (both backends): submissions made with the SDK produce batch.processed messages, pushed to
// the receiver, which verifies each with verifyWebhook against the public JWKS before trusting
// it. A tampered body, a stale delivery, a mismatched id and a delivery checked by another
// platform (the signature names its receiver, aud = clientId) are refused.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, verifyWebhook, WebhookVerificationError, type EventRecord, type MerchantRecord, type WebhookMessage } from "@credit-sandbox/sdk";
import { complaint, merchant } from "./exchange-fixtures.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { onboardPlatform } from "./support/platform.js";

interface Received {
  raw: Buffer;
  headers: IncomingHttpHeaders;
  message: WebhookMessage;
}

let gw: TestGateway;
/** The receiving platform's clientId (known once it is onboarded). */
let receivingClientId = "";
let receiver: { url: string; next(predicate: (m: WebhookMessage) => boolean): Promise<Received>; refused: string[]; close(): Promise<void> };

/** The platform's endpoint: verify first, then trust; 401 for anything that does not verify. */
async function startReceiver(jwksUrl: string) {
  const received: Received[] = [];
  const waiters: Array<{ predicate: (m: WebhookMessage) => boolean; resolve: (r: Received) => void }> = [];
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      verifyWebhook({ clientId: receivingClientId, body: raw, headers: req.headers, jwksUrl }).then(
        (message) => {
          res.writeHead(204).end();
          const r = { raw, headers: req.headers, message };
          received.push(r);
          for (const w of waiters.splice(0)) (w.predicate(message) ? w.resolve(r) : waiters.push(w));
        },
        (err: unknown) => {
          refused.push(err instanceof WebhookVerificationError ? err.code : String(err));
          res.writeHead(401).end();
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway-webhooks`,
    refused,
    next: (predicate: (m: WebhookMessage) => boolean) =>
      new Promise<Received>((resolve) => {
        const hit = received.find((r) => predicate(r.message));
        if (hit) resolve(hit);
        else waiters.push({ predicate, resolve });
      }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

beforeAll(async () => {
  gw = await startTestGateway();
  receiver = await startReceiver(`${gw.url}/.well-known/jwks.json`);
});

afterAll(async () => {
  await receiver?.close();
  await gw?.close();
});

describe("webhooks verified by the SDK", () => {
  let received: Received;

  it("delivers batch.processed for an SDK submission; the receiver verifies it with the JWKS", async () => {
    const p = await onboardPlatform(gw, { name: "SDK webhook platform", webhookUrl: receiver.url });
    receivingClientId = p.clientId;
    const client = createGatewayClient({ baseUrl: gw.url, clientId: p.clientId, privateJwk: { ...(await exportJWK(p.keys[0]!.privateKey)), kid: p.keys[0]!.kid } });
    await client.submitMerchants([merchant("wh-shop") as MerchantRecord]);
    const submitted = await client.submitEvents([complaint("wh-ev-1", "wh-shop") as EventRecord]);
    const batchId = submitted.batches[0]!.batchId;

    received = await receiver.next((m) => m.type === "batch.processed" && (m.data as { batchId?: string }).batchId === batchId);
    expect(received.message).toMatchObject({ type: "batch.processed", data: { batchId, kind: "events", accepted: 1 } });
    expect(received.headers["webhook-id"]).toBe(received.message.id);
    expect(receiver.refused).toEqual([]);

    // The same message is in the feed, with the same id (deduplicate on it). The feed shows a
    // message once every transaction that could precede it has committed: wait for that.
    while (!(await feedCaughtUp(gw.system.deps.db))) await new Promise((r) => setTimeout(r, 20));
    const ids: string[] = [];
    for await (const page of client.feed.pages()) ids.push(...page.messages.map((m) => m.id));
    expect(ids).toContain(received.message.id);
  });

  it("refuses the same delivery tampered, replayed late, under another id, or at another platform", async () => {
    const jwksUrl = `${gw.url}/.well-known/jwks.json`;
    const { raw, headers } = received;
    const tampered = Buffer.from(raw.toString("utf8").replace('"accepted":1', '"accepted":2'));
    expect(tampered.equals(raw)).toBe(false);
    const clientId = receivingClientId;
    await expect(verifyWebhook({ clientId, body: tampered, headers, jwksUrl })).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });
    await expect(verifyWebhook({ clientId, body: raw, headers, jwksUrl, now: () => Date.now() + 10 * 60_000 })).rejects.toMatchObject({ code: "WEBHOOK_TIMESTAMP_STALE" });
    await expect(verifyWebhook({ clientId, body: raw, headers: { ...headers, "webhook-id": "another" }, jwksUrl })).rejects.toMatchObject({ code: "WEBHOOK_ID_MISMATCH" });
    // The signature names the platform it was sent to: another platform given this delivery refuses it.
    const protectedHeader = JSON.parse(Buffer.from(String(headers["x-jws-signature"]).split(".")[0]!, "base64url").toString("utf8")) as { aud?: unknown };
    expect(protectedHeader.aud).toBe(clientId);
    const other = await onboardPlatform(gw, { name: "SDK webhook bystander" });
    await expect(verifyWebhook({ clientId: other.clientId, body: raw, headers, jwksUrl })).rejects.toMatchObject({ code: "WEBHOOK_AUDIENCE_MISMATCH" });
    // Unchanged, it still verifies (within the window).
    expect((await verifyWebhook({ clientId, body: raw, headers, jwksUrl })).id).toBe(received.message.id);
  });
});
