// Sends one outbound message to a platform's webhook URL, signed by the gateway.
//
// Wire format (the contract the SDK verifies):
//   POST <webhook_url>
//   Content-Type: application/json
//   Webhook-Id: <message id>            (the FeedMessage id: deduplicate on it; retries reuse it)
//   Webhook-Timestamp: <unix seconds>   (time of this attempt; equals `iat` in the signature)
//   X-JWS-Signature: <protected>..<signature>
//   body: {"id","type","createdAt","entityId"?,"data"} — a FeedMessage without `cursor`,
//         serialised once; the signature covers these exact bytes.
//
// X-JWS-Signature is a detached JWS (RFC 7797: b64 false, crit ["b64"]) made with the
// gateway's current key. Its protected header carries alg, kid (in /.well-known/jwks.json),
// typ "webhook+jws", iat (= Webhook-Timestamp), wid (= Webhook-Id) and aud (the receiving
// platform's clientId: a message signed for one platform is refused by every other one, so a
// receiver cannot pass on what it got as if the gateway had sent it to someone else). The
// signing input is ASCII(<protected>) || "." || <body bytes>.
//
// To verify (receiver): take the raw body bytes before any JSON parsing; split the header
// value at ".." into protected and signature; jose's flattenedVerify({protected, payload:
// body, signature}, JWKS) with b64 false; then check the header's wid equals Webhook-Id,
// iat equals Webhook-Timestamp and is recent (e.g. within 300 s), typ is "webhook+jws", aud is
// its own clientId, and deduplicate on Webhook-Id. Any 2xx answer acknowledges; anything else (including
// redirects, which are never followed) is retried with exponential backoff.
//
// Where it may go: https only, to a host whose addresses are all public, resolved at send time
// and pinned for the request (src/http/outbound-request.ts).
import type { GatewaySigner } from "../../auth/signer.js";
import type { OutboundPolicy } from "../../http/outbound-address.js";
import { OutboundFailure, postPinned, type HostResolver } from "../../http/outbound-request.js";

export const WEBHOOK_JWS_TYP = "webhook+jws";

export interface WebhookMessage {
  id: string;
  type: string;
  createdAt: string;
  entityId?: string;
  data: Record<string, unknown>;
}

export interface SendOptions {
  signer: GatewaySigner;
  /** The receiving platform's clientId, signed as `aud`. */
  audience: string;
  /** Seconds since the epoch, from the injected clock. */
  nowSeconds: number;
  timeoutMs: number;
  /** Which destinations are allowed (https to public addresses in production). */
  policy: OutboundPolicy;
  resolve: HostResolver;
}

/**
 * Resolves on a 2xx answer; otherwise throws OutboundFailure in fixed words (a status code,
 * never the answer's content). `permanent` failures (a refused URL or address) are not retried.
 */
export async function sendWebhook(url: string, message: WebhookMessage, o: SendOptions): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(message));
  const signature = await o.signer.signDetached(body, { typ: WEBHOOK_JWS_TYP, iat: o.nowSeconds, wid: message.id, aud: o.audience });
  const status = await postPinned(url, body, {
    policy: o.policy,
    resolve: o.resolve,
    timeoutMs: o.timeoutMs,
    headers: {
      "content-type": "application/json",
      "webhook-id": message.id,
      "webhook-timestamp": String(o.nowSeconds),
      "x-jws-signature": signature,
    },
  });
  if (status >= 200 && status <= 299) return;
  // A redirect could point anywhere; the registered URL is the only destination.
  throw new OutboundFailure(status >= 300 && status < 400 ? `answered HTTP ${status} (redirects are not followed)` : `answered HTTP ${status}`);
}
