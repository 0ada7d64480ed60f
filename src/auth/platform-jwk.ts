// Which public keys a platform may register, and which `alg` each may sign with.
// Only ES256 (P-256) and Ed25519 ("EdDSA" or the fully specified "Ed25519") are accepted: both
// are fixed-size, deterministic-length signatures without RSA's padding pitfalls.
import { importJWK, type JWK } from "jose";
import { AppError } from "../http/errors.js";

export type PlatformAlg = "ES256" | "EdDSA" | "Ed25519";
export const PLATFORM_ALGS: PlatformAlg[] = ["ES256", "EdDSA", "Ed25519"];

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

/** The algs a stored key may verify, from its alg column ("ES256" or an Ed25519 alg). */
export function algsForKey(storedAlg: string): PlatformAlg[] {
  return storedAlg === "ES256" ? ["ES256"] : ["EdDSA", "Ed25519"];
}

export interface CheckedJwk {
  kid: string;
  alg: PlatformAlg;
  /** Only the public members, as stored and published. */
  publicJwk: JWK;
}

/** Validates a platform public key; throws VALIDATION_FAILED naming the problem. */
export async function checkPlatformJwk(jwk: Record<string, unknown>, pointer = "/jwk"): Promise<CheckedJwk> {
  const fail = (message: string): never => {
    throw new AppError("VALIDATION_FAILED", `unusable key: ${message}`, { errors: [{ pointer, message }] });
  };
  const kid = jwk.kid;
  if (typeof kid !== "string" || kid.length < 1 || kid.length > 200 || !/^[\x21-\x7e]+$/.test(kid)) {
    fail("kid must be 1-200 printable ASCII characters");
  }
  for (const m of PRIVATE_MEMBERS) if (m in jwk) fail(`private key material ("${m}") must never be sent; register the public key only`);
  let alg: PlatformAlg;
  let publicJwk: JWK;
  if (jwk.kty === "EC" && jwk.crv === "P-256") {
    if (jwk.alg !== undefined && jwk.alg !== "ES256") fail(`alg ${String(jwk.alg)} does not fit a P-256 key (use ES256)`);
    alg = "ES256";
    publicJwk = { kty: "EC", crv: "P-256", x: jwk.x as string, y: jwk.y as string, kid: kid as string, alg, use: "sig" };
  } else if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    if (jwk.alg !== undefined && jwk.alg !== "EdDSA" && jwk.alg !== "Ed25519") fail(`alg ${String(jwk.alg)} does not fit an Ed25519 key`);
    alg = (jwk.alg as PlatformAlg | undefined) ?? "EdDSA";
    publicJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x as string, kid: kid as string, alg, use: "sig" };
  } else {
    return fail(`unsupported key type ${String(jwk.kty)}/${String(jwk.crv)}; use EC P-256 (ES256) or OKP Ed25519`);
  }
  if (jwk.use !== undefined && jwk.use !== "sig") fail('use must be "sig"');
  try {
    await importJWK(publicJwk, alg);
  } catch {
    fail("the key's coordinates do not form a valid public key");
  }
  return { kid: kid as string, alg, publicJwk };
}
