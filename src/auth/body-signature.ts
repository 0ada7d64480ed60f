// Verifies X-JWS-Signature: a detached JWS (RFC 7797, b64:false) over the exact body bytes,
// signed by one of the calling platform's active keys. Each failure has its own 401 code so a
// platform engineer can tell a clock problem from a key problem from a tampered body.
// Order: shape -> key -> signature -> route -> time window -> replay. The jti is recorded only
// after the signature verified, so nobody without the key can burn a platform's jtis.
//
// The protected header names the request it was made for: `htm` (the HTTP method) and `htu`
// (the request path, e.g. /v1/events/batch: no scheme, host or query; the host is already bound
// by the access token's audience, and behind TLS-terminating proxies the gateway cannot know the
// public URL reliably). Without them a captured signature (body + jti unused so far) could be
// sent to another route that accepts the same body shape, e.g. a merchants batch to events.
import { flattenedVerify, importJWK, type CryptoKey, type JWK } from "jose";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { AppError, type ErrorCode } from "../http/errors.js";
import type { BodyVerifier } from "../http/router.js";
import { algsForKey, PLATFORM_ALGS, type PlatformAlg } from "./platform-jwk.js";
import { keyOfPlatform, keyUsable } from "./platform-queries.js";
import type { JtiStore } from "./used-jti.js";

export const SIGNATURE_WINDOW_SECONDS = 300;
const SKEW_SECONDS = 5;
const COMPACT_DETACHED = /^([A-Za-z0-9_-]+)\.\.([A-Za-z0-9_-]+)$/;

export interface SignedHeader {
  alg: PlatformAlg;
  kid: string;
  iat: number;
  jti: string;
  htm: string;
  htu: string;
}

export function createBodyVerifier(deps: { db: Database; clock: Clock; jtis: JtiStore }): BodyVerifier {
  return async (c, rawBody) => {
    const principal = c.get("principal");
    if (principal?.kind !== "platform") throw new AppError("INTERNAL", "signed-body operation without a platform principal");
    const jws = c.req.header("x-jws-signature");
    if (jws === undefined || jws.trim() === "") fail("SIGNATURE_MISSING", "send X-JWS-Signature: a detached JWS over the exact body bytes");
    const { protectedB64, signature, header } = parseDetached(jws!.trim());

    const key = await keyOfPlatform(deps.db.orm, principal.platformId, header.kid);
    const now = deps.clock.now();
    if (!key) fail("SIGNATURE_UNKNOWN_KEY", `kid "${header.kid}" is not one of this platform's keys`);
    if (!keyUsable(key!, now)) fail("SIGNATURE_UNKNOWN_KEY", `key "${header.kid}" is ${key!.status === "revoked" ? "revoked" : "retired or expired"} and signs nothing new`);
    if (!algsForKey(key!.alg).includes(header.alg)) fail("SIGNATURE_INVALID", `alg ${header.alg} does not fit key "${header.kid}"`);

    let publicKey: CryptoKey;
    try {
      publicKey = (await importJWK(key!.publicJwk as JWK, header.alg)) as CryptoKey;
      await flattenedVerify({ protected: protectedB64, payload: rawBody, signature }, publicKey, { algorithms: algsForKey(key!.alg) });
    } catch {
      fail("SIGNATURE_INVALID", "the signature does not match the body bytes and key (was the body changed after signing?)");
    }
    const method = c.req.method.toUpperCase();
    // As sent (percent-encoding kept), so the platform signs the same text it puts on the wire.
    const path = new URL(c.req.url).pathname;
    if (header.htm !== method || header.htu !== path) {
      fail("SIGNATURE_ROUTE_MISMATCH", `the signature was made for ${header.htm} ${header.htu}, not ${method} ${path}; sign htm and htu of each request`);
    }

    const nowS = Math.floor(now.getTime() / 1000);
    if (Math.abs(nowS - header.iat) > SIGNATURE_WINDOW_SECONDS) {
      fail("SIGNATURE_STALE", `iat is ${nowS - header.iat} s from the gateway's clock; the window is ±${SIGNATURE_WINDOW_SECONDS} s`);
    }
    const fresh = await deps.jtis.remember(`body:${principal.platformId}`, header.jti, new Date((header.iat + SIGNATURE_WINDOW_SECONDS + SKEW_SECONDS) * 1000));
    if (!fresh) fail("SIGNATURE_REPLAYED", "this jti was used before; sign every request afresh");
    c.set("signature", { kid: header.kid, jws: jws!.trim() });
  };
}

function fail(code: ErrorCode, detail: string): never {
  throw new AppError(code, detail);
}

/** Shape checks on the compact detached form and its protected header (before any key lookup). */
export function parseDetached(jws: string): { protectedB64: string; signature: string; header: SignedHeader } {
  if (jws.length > 4096) fail("SIGNATURE_MALFORMED", "X-JWS-Signature is too long");
  const m = COMPACT_DETACHED.exec(jws);
  if (!m) fail("SIGNATURE_MALFORMED", "X-JWS-Signature must be <protected>..<signature> (detached, empty payload part)");
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(Buffer.from(m![1]!, "base64url").toString("utf8")) as Record<string, unknown>;
    if (h === null || typeof h !== "object" || Array.isArray(h)) throw new Error("not an object");
  } catch {
    return fail("SIGNATURE_MALFORMED", "the protected header is not base64url JSON");
  }
  const problems: string[] = [];
  if (!PLATFORM_ALGS.includes(h.alg as PlatformAlg)) problems.push("alg must be ES256, EdDSA or Ed25519");
  if (h.b64 !== false) problems.push("b64 must be false (RFC 7797)");
  if (!Array.isArray(h.crit) || h.crit.length !== 1 || h.crit[0] !== "b64") problems.push('crit must be ["b64"]');
  if (typeof h.kid !== "string" || h.kid.length === 0 || h.kid.length > 200) problems.push("kid is required");
  if (typeof h.iat !== "number" || !Number.isInteger(h.iat)) problems.push("iat (integer seconds) is required");
  if (typeof h.jti !== "string" || h.jti.length === 0 || h.jti.length > 200) problems.push("jti (1-200 characters) is required");
  if (typeof h.htm !== "string" || !/^[A-Z]{1,16}$/.test(h.htm)) problems.push("htm (the HTTP method, e.g. POST) is required");
  if (typeof h.htu !== "string" || !h.htu.startsWith("/") || h.htu.length > 2000) problems.push("htu (the request path, e.g. /v1/events/batch) is required");
  if (problems.length > 0) fail("SIGNATURE_MALFORMED", `protected header: ${problems.join("; ")}`);
  return { protectedB64: m![1]!, signature: m![2]!, header: h as unknown as SignedHeader };
}
