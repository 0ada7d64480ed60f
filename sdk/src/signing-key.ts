// The platform's private key: imported once, used for the token client assertion and for the
// detached body signatures. Only ES256 (P-256) and Ed25519 keys, as the gateway accepts.
import { importJWK, type CryptoKey, type JWK } from "jose";

export type SigningAlg = "ES256" | "EdDSA" | "Ed25519";

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey | Uint8Array;
}

export async function importSigningKey(jwk: JWK, kidOverride?: string): Promise<SigningKey> {
  if (typeof jwk.d !== "string") throw new TypeError("privateJwk must be a private key (with its d member)");
  const kid = kidOverride ?? jwk.kid;
  if (!kid) throw new TypeError("the key needs a kid (in privateJwk.kid or the kid option): the gateway resolves keys by client id, then kid");
  let alg: SigningAlg;
  if (jwk.kty === "EC" && jwk.crv === "P-256") {
    if (jwk.alg !== undefined && jwk.alg !== "ES256") throw new TypeError(`alg ${jwk.alg} does not fit a P-256 key`);
    alg = "ES256";
  } else if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    if (jwk.alg !== undefined && jwk.alg !== "EdDSA" && jwk.alg !== "Ed25519") throw new TypeError(`alg ${jwk.alg} does not fit an Ed25519 key`);
    alg = (jwk.alg as SigningAlg | undefined) ?? "EdDSA";
  } else {
    throw new TypeError(`unsupported key ${String(jwk.kty)}/${String(jwk.crv)}: use EC P-256 (ES256) or OKP Ed25519`);
  }
  // Non-extractable: the key material cannot leak out of the CryptoKey (e.g. into logs).
  const key = await importJWK({ ...jwk, alg }, alg, { extractable: false });
  return { kid, alg, key };
}
