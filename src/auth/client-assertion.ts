// Client authentication with private_key_jwt (RFC 7523 §3 / RFC 7521): the platform proves
// who it is with a short-lived JWT signed by one of its registered keys.
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type CryptoKey, type JWK } from "jose";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { algsForKey, PLATFORM_ALGS, type PlatformAlg } from "./platform-jwk.js";
import { keysOfPlatforms, keyUsable, platformByClientId, type PlatformRow } from "./platform-queries.js";
import type { JtiStore } from "./used-jti.js";

export const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const MAX_LIFETIME_SECONDS = 300;
const SKEW_SECONDS = 5;

/** invalid_client with a description safe to show the caller (no key material, no internals). */
export class ClientAuthError extends Error {}

export interface AssertionDeps {
  db: Database;
  clock: Clock;
  jtis: JtiStore;
  issuer: string;
}

/** Returns the authenticated platform, or throws ClientAuthError. */
export async function authenticateClient(
  deps: AssertionDeps,
  form: { client_id?: string; client_assertion_type?: string; client_assertion?: string },
): Promise<PlatformRow> {
  const fail = (why: string): never => {
    throw new ClientAuthError(why);
  };
  if (form.client_assertion === undefined && form.client_assertion_type === undefined) fail("client authentication (private_key_jwt) is required");
  if (form.client_assertion_type !== ASSERTION_TYPE) fail(`client_assertion_type must be ${ASSERTION_TYPE}`);
  const assertion = form.client_assertion ?? fail("client_assertion is missing");

  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    return fail("client_assertion is not a JWT");
  }
  const clientId = claims.iss;
  if (typeof clientId !== "string" || clientId.length === 0 || clientId.length > 200) return fail("the assertion has no iss");
  if (form.client_id !== undefined && form.client_id !== clientId) fail("client_id does not match the assertion's iss");
  if (!PLATFORM_ALGS.includes(header.alg as PlatformAlg)) fail("alg must be ES256, EdDSA or Ed25519");
  // One audience only: an assertion addressed to several servers could be replayed by any of
  // them here (each would hold a valid assertion for us until its exp).
  if (Array.isArray(claims.aud) && claims.aud.length !== 1) fail("aud must name this gateway only (one value: the issuer or the token endpoint)");

  const platform = await platformByClientId(deps.db.orm, clientId);
  if (!platform || platform.status !== "active") return fail("unknown or suspended client");

  // Keys by client first, then kid; without a kid any of the platform's usable keys may match.
  const now = deps.clock.now();
  const keys = (await keysOfPlatforms(deps.db.orm, [platform.id])).filter((k) => header.kid === undefined || k.kid === header.kid);
  if (keys.length === 0) fail("no such key for this client");
  const usable = keys.filter((k) => keyUsable(k, now) && algsForKey(k.alg).includes(header.alg as PlatformAlg));
  if (usable.length === 0) fail("the key is retired, revoked, expired or does not fit the alg");

  let verified: Awaited<ReturnType<typeof jwtVerify>> | undefined;
  for (const k of usable) {
    try {
      const key = (await importJWK(k.publicJwk as JWK, header.alg)) as CryptoKey;
      verified = await jwtVerify(assertion, key, {
        algorithms: [header.alg as string],
        issuer: clientId,
        subject: clientId,
        audience: [deps.issuer, `${deps.issuer}/oauth/token`],
        requiredClaims: ["exp", "jti"],
        clockTolerance: SKEW_SECONDS,
        currentDate: now,
      });
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") continue;
      fail(describe(code, (err as Error).message));
    }
  }
  if (!verified) return fail("the assertion's signature does not verify with the client's keys");

  const p = verified.payload;
  const nowS = Math.floor(now.getTime() / 1000);
  if (p.exp! > nowS + MAX_LIFETIME_SECONDS + SKEW_SECONDS) fail("exp is more than 5 minutes ahead");
  if (p.iat !== undefined && p.iat > nowS + SKEW_SECONDS) fail("iat is in the future");
  if (typeof p.jti !== "string" || p.jti.length === 0 || p.jti.length > 200) fail("jti must be a string of 1-200 characters");
  // Remember the jti only now, after the signature verified: nobody else can burn it.
  const fresh = await deps.jtis.remember(`assertion:${platform.id}`, p.jti!, new Date((p.exp! + SKEW_SECONDS) * 1000));
  if (!fresh) fail("the assertion's jti was used before");
  return platform;
}

function describe(code: string | undefined, message: string): string {
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "the assertion has expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return `the assertion's claims are not acceptable: ${message}`;
    default:
      return "the assertion is malformed";
  }
}
