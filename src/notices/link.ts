// The merchant link (DESIGN §5b): a capability URL `${issuer}/m#t=<token>`. The token is a
// gateway-signed JWT (typ merchant+jwt, its own audience so no other gateway token passes for
// it) whose subject is ONE notice and whose jti is the id of the merchant_link row issued to
// one platform; it expires at the notice's link expiry and stops working when that row is
// revoked. Holding it is the only credential a merchant needs: it opens that notice and
// nothing else.
//
// The token travels in the URL's fragment: browsers never send a fragment to a server, so no
// proxy or access log records it. The page's script reads it from location.hash and sends it
// as `Authorization: Bearer`.
import type { JWTPayload } from "jose";
import type { Clock } from "../clock.js";
import { AppError } from "../http/errors.js";
import type { GatewaySigner } from "../auth/signer.js";
import { maxLifetimeSeconds } from "../auth/token-lifetimes.js";

export const MERCHANT_TOKEN_TYP = "merchant+jwt";

export interface MerchantLinkDeps {
  signer: GatewaySigner;
  clock: Clock;
  issuer: string;
}

/** The merchant link token's audience: distinct from access and regulator tokens. */
export const merchantAudience = (issuer: string) => `${issuer}/m`;

export interface MerchantClaims {
  noticeId: string;
  entityId: string;
  /** The merchant_link row (the token's jti). */
  linkId: string;
}

export async function mintMerchantToken(deps: MerchantLinkDeps, claims: MerchantClaims, expiresAt: Date): Promise<string> {
  const seconds = Math.min(Math.floor((expiresAt.getTime() - deps.clock.now().getTime()) / 1000), maxLifetimeSeconds(MERCHANT_TOKEN_TYP));
  if (seconds <= 0) throw new AppError("CONFLICT", "the notice's merchant link has expired");
  return deps.signer.signJwt(
    { ent: claims.entityId, jti: claims.linkId },
    { typ: MERCHANT_TOKEN_TYP, audience: merchantAudience(deps.issuer), expiresInSeconds: seconds, subject: claims.noticeId },
  );
}

/** The link as given to the merchant: the token in the fragment, never in the path or query. */
export const merchantUrl = (issuer: string, token: string) => `${issuer}/m#t=${token}`;

/** Verifies a merchant token (signature, typ, iss, aud, exp); TOKEN_INVALID otherwise. */
export async function verifyMerchantToken(deps: MerchantLinkDeps, token: string): Promise<MerchantClaims> {
  let claims: JWTPayload;
  try {
    claims = await deps.signer.verifyJwt(token, { typ: MERCHANT_TOKEN_TYP, audience: merchantAudience(deps.issuer) });
  } catch (err) {
    if (err instanceof AppError) throw new AppError("TOKEN_INVALID", "the merchant link is invalid or has expired");
    throw err;
  }
  if (typeof claims.sub !== "string" || typeof claims.ent !== "string" || typeof claims.jti !== "string") throw new AppError("TOKEN_INVALID", "not a merchant link");
  return { noticeId: claims.sub, entityId: claims.ent, linkId: claims.jti };
}
