// Verifying a webhook from the gateway, on the platform's side. Give it the RAW body (bytes or
// the undecoded string, never a re-serialised object) and the request headers:
//  - X-JWS-Signature: detached JWS (RFC 7797) over the exact body by a key in the gateway JWKS,
//    protected header {alg, kid, typ: "webhook+jws", iat, wid, b64: false, crit: ["b64"]};
//  - Webhook-Timestamp: unix seconds = the signed iat, within `toleranceSeconds` of now;
//  - Webhook-Id: = the signed wid = the message id in the body (deduplicate on it);
//  - the signed aud: your own clientId. The gateway signs each message for the one platform it
//    sends it to, so a message another platform received (and passed on) is refused here.
// (The sender's side of this contract is the gateway's webhook sender, src/exchange/outbound/ in its repository.)
import { createLocalJWKSet, type FlattenedVerifyGetKey, type JSONWebKeySet, type JWSHeaderParameters } from "jose";
import type { components } from "./generated/openapi.js";
import { MalformedDetachedJws, verifyDetached } from "./detached-jws.js";
import { remoteKeySet } from "./discovery.js";
import { WebhookVerificationError } from "./errors.js";
import { GATEWAY_ALGS } from "./receipts.js";
import type { FetchLike } from "./runtime.js";

/** The message a webhook carries: the same object as a feed message. */
/** `typ` of the gateway's webhook signatures (never a receipt's or a token's). */
export const WEBHOOK_JWS_TYP = "webhook+jws";

export type WebhookMessage = Omit<components["schemas"]["FeedMessage"], "cursor"> & { cursor?: string };

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  body: Uint8Array | string;
  headers: HeaderBag;
  /** Your platform's clientId: the signed `aud` must be exactly this. */
  clientId: string;
  /** The gateway's /.well-known/jwks.json (fetched and cached), or... */
  jwksUrl?: string;
  /** ...a JWK set you already hold. */
  jwks?: JSONWebKeySet;
  /** Largest accepted distance between Webhook-Timestamp and now (default 300 s). */
  toleranceSeconds?: number;
  /** ms since the epoch (tests). */
  now?: () => number;
  fetch?: FetchLike;
}

// One cached key set per JWKS URL, shared by every verification in the process.
const remoteSets = new Map<string, FlattenedVerifyGetKey>();

export async function verifyWebhook(options: VerifyWebhookOptions): Promise<WebhookMessage> {
  if (typeof options.clientId !== "string" || options.clientId === "") throw new TypeError("verifyWebhook needs clientId (your platform's)");
  const tolerance = options.toleranceSeconds ?? 300;
  const nowS = Math.floor((options.now ?? Date.now)() / 1000);
  const signature = header(options.headers, "x-jws-signature");
  const id = header(options.headers, "webhook-id");
  const timestampRaw = header(options.headers, "webhook-timestamp");

  const timestamp = parseTimestamp(timestampRaw);
  if (Math.abs(nowS - timestamp) > tolerance) {
    throw new WebhookVerificationError("WEBHOOK_TIMESTAMP_STALE", `Webhook-Timestamp is ${nowS - timestamp} s away from now (tolerance ${tolerance} s)`);
  }

  const bytes = typeof options.body === "string" ? new TextEncoder().encode(options.body) : options.body;
  let protectedHeader: JWSHeaderParameters;
  try {
    protectedHeader = await verifyDetached(signature, bytes, keysFor(options), GATEWAY_ALGS);
  } catch (err) {
    if (err instanceof MalformedDetachedJws) throw new WebhookVerificationError("WEBHOOK_SIGNATURE_MALFORMED", "X-JWS-Signature is not a detached JWS (<protected>..<signature>)", { cause: err });
    throw new WebhookVerificationError("WEBHOOK_SIGNATURE_INVALID", `signature does not verify over the body: ${(err as Error).message}`, { cause: err });
  }
  // The headers are not signed; the protected header is. The gateway puts the same id and time
  // there (wid, iat), so a captured body cannot be replayed under a fresh timestamp or id.
  if (protectedHeader.typ !== WEBHOOK_JWS_TYP) {
    throw new WebhookVerificationError("WEBHOOK_SIGNATURE_INVALID", `signature typ is ${String(protectedHeader.typ)}, not ${WEBHOOK_JWS_TYP}`);
  }
  if (typeof protectedHeader.iat !== "number" || protectedHeader.iat !== timestamp) {
    throw new WebhookVerificationError("WEBHOOK_TIMESTAMP_STALE", "the signed iat is not the Webhook-Timestamp");
  }
  if (protectedHeader.wid !== id) throw new WebhookVerificationError("WEBHOOK_ID_MISMATCH", "the signed wid is not the Webhook-Id");
  if (typeof protectedHeader.aud !== "string" || protectedHeader.aud !== options.clientId) {
    throw new WebhookVerificationError(
      "WEBHOOK_AUDIENCE_MISMATCH",
      protectedHeader.aud === undefined ? "the signature names no receiving platform (aud)" : "the signature was made for another platform (aud is not this clientId)",
    );
  }

  let message: WebhookMessage;
  try {
    message = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as WebhookMessage;
  } catch (err) {
    throw new WebhookVerificationError("WEBHOOK_BODY_MALFORMED", "body is not UTF-8 JSON", { cause: err });
  }
  if (!message || typeof message !== "object" || typeof message.id !== "string" || typeof message.type !== "string") {
    throw new WebhookVerificationError("WEBHOOK_BODY_MALFORMED", "body is not a gateway message (id and type)");
  }
  if (message.id !== id) throw new WebhookVerificationError("WEBHOOK_ID_MISMATCH", "Webhook-Id does not match the id in the signed body");
  return message;
}

function keysFor(o: VerifyWebhookOptions): FlattenedVerifyGetKey {
  if (o.jwks) return createLocalJWKSet(o.jwks) as FlattenedVerifyGetKey;
  if (!o.jwksUrl) throw new TypeError("verifyWebhook needs jwksUrl or jwks");
  let set = remoteSets.get(o.jwksUrl);
  if (!set) {
    set = remoteKeySet(o.jwksUrl, { fetch: o.fetch ?? ((i, init) => globalThis.fetch(i, init)) }) as FlattenedVerifyGetKey;
    remoteSets.set(o.jwksUrl, set);
  }
  return set;
}

function header(headers: HeaderBag, name: string): string {
  let value: string | string[] | null | undefined;
  if (headers instanceof Headers) value = headers.get(name);
  else {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== "string" || value.trim() === "") {
    throw new WebhookVerificationError("WEBHOOK_HEADER_MISSING", `the ${name} header is missing`);
  }
  return value.trim();
}

function parseTimestamp(raw: string): number {
  if (/^\d{1,12}$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw); // tolerate an RFC 3339 timestamp as well
  if (Number.isNaN(ms)) throw new WebhookVerificationError("WEBHOOK_HEADER_MISSING", "Webhook-Timestamp is neither unix seconds nor a date");
  return Math.floor(ms / 1000);
}
