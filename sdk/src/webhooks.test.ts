// verifyWebhook against webhooks signed the way the gateway signs them: a detached JWS
// (b64=false) over the exact body by a key in its JWKS, with Webhook-Id and Webhook-Timestamp.
import { exportJWK, FlattenedSign, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "./webhooks.js";

let gatewayKey: CryptoKey;
let jwks: { keys: JWK[] };
const NOW = Date.parse("2025-06-01T12:00:00Z");
const CLIENT = "platform-client-1";
const nowS = NOW / 1000;

beforeAll(async () => {
  const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  gatewayKey = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "gw-ed", alg: "EdDSA" }] };
});

async function signed(body: string, key: CryptoKey = gatewayKey, extra: Record<string, unknown> = {}) {
  const bytes = new TextEncoder().encode(body);
  const header = { typ: "webhook+jws", iat: nowS - 10, wid: message.id, aud: CLIENT, ...extra, alg: "EdDSA", kid: "gw-ed", b64: false, crit: ["b64"] };
  const jws = await new FlattenedSign(bytes).setProtectedHeader(header).sign(key);
  return `${jws.protected}..${jws.signature}`;
}

const message = { id: "0192f0c4-1111-7000-8000-000000000001", type: "batch.processed", createdAt: "2025-06-01T12:00:00Z", data: { accepted: 3 } };
// Deliberately not the canonical JSON.stringify output: verification must use the raw bytes.
const rawBody = `{ "id": "${message.id}", "type": "batch.processed",  "createdAt": "2025-06-01T12:00:00Z", "data": {"accepted": 3} }`;

async function headers(over: Record<string, string> = {}) {
  return { "x-jws-signature": await signed(rawBody), "webhook-id": message.id, "webhook-timestamp": String(nowS - 10), ...over };
}

describe("verifyWebhook", () => {
  it("accepts a good webhook (raw bytes or string, Headers or a plain object) and returns the message", async () => {
    const h = await headers();
    expect(await verifyWebhook({ clientId: CLIENT, body: rawBody, headers: h, jwks, now: () => NOW })).toEqual(message);
    const asHeaders = new Headers({ "X-JWS-Signature": h["x-jws-signature"], "Webhook-Id": message.id, "Webhook-Timestamp": String(nowS - 10) });
    expect(await verifyWebhook({ clientId: CLIENT, body: new TextEncoder().encode(rawBody), headers: asHeaders, jwks, now: () => NOW })).toEqual(message);
  });

  it("rejects a tampered body, even one that parses to the same object", async () => {
    const h = await headers();
    const tampered = rawBody.replace('"accepted": 3', '"accepted": 4');
    await expect(verifyWebhook({ clientId: CLIENT, body: tampered, headers: h, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });
    await expect(verifyWebhook({ clientId: CLIENT, body: JSON.stringify(message), headers: h, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });
  });

  it("rejects a signature by a key outside the JWKS, and a malformed one", async () => {
    const other = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const h = await headers({ "x-jws-signature": await signed(rawBody, other.privateKey) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: h, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });
    const bad = await headers({ "x-jws-signature": "not-a-jws" });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: bad, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_MALFORMED" });
  });

  it("rejects a stale or future timestamp outside the tolerance", async () => {
    const at = async (t: number) => headers({ "webhook-timestamp": String(t), "x-jws-signature": await signed(rawBody, gatewayKey, { iat: t }) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: await at(nowS - 301), jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_TIMESTAMP_STALE" });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: await at(nowS + 400), jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_TIMESTAMP_STALE" });
    expect(await verifyWebhook({ clientId: CLIENT, body: rawBody, headers: await at(nowS - 301), jwks, now: () => NOW, toleranceSeconds: 600 })).toEqual(message);
  });

  it("rejects an old signed body replayed under a fresh Webhook-Timestamp or another Webhook-Id", async () => {
    const old = await signed(rawBody, gatewayKey, { iat: nowS - 3600 });
    const replay = await headers({ "x-jws-signature": old, "webhook-timestamp": String(nowS) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: replay, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_TIMESTAMP_STALE" });
    const otherWid = await headers({ "x-jws-signature": await signed(rawBody, gatewayKey, { wid: "another" }) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: otherWid, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_ID_MISMATCH" });
  });

  it("rejects a webhook signed for another platform, or for no platform (aud)", async () => {
    const forOther = await headers({ "x-jws-signature": await signed(rawBody, gatewayKey, { aud: "platform-client-2" }) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: forOther, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_AUDIENCE_MISMATCH" });
    const forNobody = await headers({ "x-jws-signature": await signed(rawBody, gatewayKey, { aud: undefined }) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: forNobody, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_AUDIENCE_MISMATCH" });
    const asList = await headers({ "x-jws-signature": await signed(rawBody, gatewayKey, { aud: [CLIENT, "platform-client-2"] }) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: asList, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_AUDIENCE_MISMATCH" });
    // The same good webhook, checked by the other platform.
    await expect(verifyWebhook({ clientId: "platform-client-2", body: rawBody, headers: await headers(), jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_AUDIENCE_MISMATCH" });
  });

  it("rejects a gateway signature that is not a webhook signature (typ)", async () => {
    const h = await headers({ "x-jws-signature": await signed(rawBody, gatewayKey, { typ: "receipt+jws" }) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: h, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });
  });

  it("rejects a Webhook-Id that is not the message's id, and missing headers", async () => {
    const otherId = "0192f0c4-1111-7000-8000-000000000002";
    const h = await headers({ "webhook-id": otherId, "x-jws-signature": await signed(rawBody, gatewayKey, { wid: otherId }) });
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: h, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_ID_MISMATCH" });
    const { "webhook-id": _id, ...noId } = await headers();
    await expect(verifyWebhook({ clientId: CLIENT, body: rawBody, headers: noId, jwks, now: () => NOW })).rejects.toMatchObject({ code: "WEBHOOK_HEADER_MISSING" });
  });

  it("fetches and caches the JWKS from a URL", async () => {
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      return new Response(JSON.stringify(jwks), { headers: { "content-type": "application/json" } });
    };
    const url = "https://gw.test/.well-known/jwks.json";
    const h = await headers();
    await verifyWebhook({ clientId: CLIENT, body: rawBody, headers: h, jwksUrl: url, fetch, now: () => NOW });
    await verifyWebhook({ clientId: CLIENT, body: rawBody, headers: h, jwksUrl: url, fetch, now: () => NOW });
    expect(fetches).toBe(1);
  });
});
