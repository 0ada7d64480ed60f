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
// typ "webhook+jws", iat (= Webhook-Timestamp) and wid (= Webhook-Id). The signing input is
// ASCII(<protected>) || "." || <body bytes>.
//
// To verify (receiver): take the raw body bytes before any JSON parsing; split the header
// value at ".." into protected and signature; jose's flattenedVerify({protected, payload:
// body, signature}, JWKS) with b64 false; then check the header's wid equals Webhook-Id,
// iat equals Webhook-Timestamp and is recent (e.g. within 300 s), typ is "webhook+jws", and
// deduplicate on Webhook-Id. Any 2xx answer acknowledges; anything else (including
// redirects, which are never followed) is retried with exponential backoff.
import type { GatewaySigner } from "../../auth/signer.js";

export const WEBHOOK_JWS_TYP = "webhook+jws";

export interface WebhookMessage {
  id: string;
  type: string;
  createdAt: string;
  entityId?: string;
  data: Record<string, unknown>;
}

export class WebhookRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookRefused";
  }
}

/** http(s) only, no credentials in the URL; anything else can never be delivered. */
export function checkWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookRefused("webhook URL is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new WebhookRefused(`webhook URL scheme ${url.protocol} is not allowed`);
  if (url.username || url.password) throw new WebhookRefused("webhook URL must not carry credentials");
  return url;
}

export interface SendOptions {
  signer: GatewaySigner;
  /** Seconds since the epoch, from the injected clock. */
  nowSeconds: number;
  timeoutMs: number;
}

/** Resolves on a 2xx answer; throws (with a short reason, never the body) otherwise. */
export async function sendWebhook(url: URL, message: WebhookMessage, o: SendOptions): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(message));
  const signature = await o.signer.signDetached(body, { typ: WEBHOOK_JWS_TYP, iat: o.nowSeconds, wid: message.id });
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "webhook-id": message.id,
        "webhook-timestamp": String(o.nowSeconds),
        "x-jws-signature": signature,
      },
      // A redirect could point anywhere; the registered URL is the only destination.
      redirect: "manual",
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    const cause = err instanceof Error ? (err.name === "TimeoutError" ? `timed out after ${o.timeoutMs} ms` : err.message) : String(err);
    throw new Error(`webhook request failed: ${cause}`);
  }
  // The answer's body is not needed; release the connection.
  await response.body?.cancel().catch(() => {});
  if (response.status < 200 || response.status > 299) {
    const what = response.status >= 300 && response.status < 400 ? "redirect not followed" : "non-2xx answer";
    throw new Error(`webhook answered HTTP ${response.status} (${what})`);
  }
}
