// Detached JWS with an unencoded payload (RFC 7797: b64=false, crit=["b64"]): the signature
// covers the exact bytes that travel, so nobody has to re-serialise JSON to check it.
import { randomUUID } from "node:crypto";
import { FlattenedSign, flattenedVerify, type FlattenedVerifyGetKey, type JWSHeaderParameters } from "jose";
import type { SigningKey } from "./signing-key.js";

export const DETACHED_ALGS = ["ES256", "EdDSA", "Ed25519"];

/** The request a body signature is for: method and path (`htm`, `htu`), so it cannot be sent to another route. */
export interface SignedRoute {
  method: string;
  /** The request path as the gateway receives it, e.g. /v1/events/batch (no host, no query). */
  path: string;
}

/** `<protected>..<signature>` over `body`, protected header {alg, kid, b64, crit, iat, jti, htm, htu}. */
export async function signDetached(body: Uint8Array, key: SigningKey, nowSeconds: number, route: SignedRoute): Promise<string> {
  const jws = await new FlattenedSign(body)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, b64: false, crit: ["b64"], iat: nowSeconds, jti: randomUUID(), htm: route.method.toUpperCase(), htu: route.path })
    .sign(key.key);
  return `${jws.protected}..${jws.signature}`;
}

export class MalformedDetachedJws extends Error {}

/** Splits `<protected>..<signature>`; throws MalformedDetachedJws when it is not that shape. */
export function splitDetached(value: string): { protected: string; signature: string } {
  const parts = value.trim().split(".");
  if (parts.length !== 3 || parts[1] !== "" || !parts[0] || !parts[2]) {
    throw new MalformedDetachedJws("expected <protected>..<signature>");
  }
  return { protected: parts[0], signature: parts[2] };
}

/** Verifies a detached JWS over `body`; returns the protected header. Throws jose errors. */
export async function verifyDetached(
  value: string,
  body: Uint8Array,
  getKey: FlattenedVerifyGetKey,
  algorithms: string[] = DETACHED_ALGS,
): Promise<JWSHeaderParameters> {
  const { protected: protectedHeader, signature } = splitDetached(value);
  const result = await flattenedVerify({ protected: protectedHeader, payload: body, signature }, getKey, { algorithms, crit: { b64: true } });
  return result.protectedHeader ?? {};
}
