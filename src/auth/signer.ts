// The gateway's own signatures: access tokens, regulator and merchant tokens, receipts and
// webhook bodies. Keys live in the database (private parts encrypted at rest) and are
// published at /.well-known/jwks.json; see gateway-keys.ts for generation and rotation.
import type { JWK, JWTPayload } from "jose";

export interface SignJwtOptions {
  /** JOSE `typ` header, e.g. "at+jwt" for access tokens (RFC 9068). */
  typ: string;
  audience: string | string[];
  expiresInSeconds: number;
  subject?: string;
}

export interface VerifyJwtOptions {
  typ: string;
  audience: string;
}

export interface GatewaySigner {
  /** A JWT signed with the current gateway key; iss = the issuer, kid in the header. */
  signJwt(claims: JWTPayload, options: SignJwtOptions): Promise<string>;
  /** Verifies a gateway-issued JWT: signature (any published key), alg, typ, iss, aud, exp. */
  verifyJwt(token: string, options: VerifyJwtOptions): Promise<JWTPayload>;
  /** Compact JWS over a JSON payload (receipts), `typ` in the protected header. */
  signCompact(payload: Record<string, unknown>, typ: string): Promise<string>;
  /** Detached JWS (RFC 7797, b64: false) over exact bytes: `<protected>..<signature>`. */
  signDetached(body: Uint8Array, extraHeader?: Record<string, unknown>): Promise<string>;
  /** The public keys: current and retired-but-still-needed. */
  jwks(): Promise<{ keys: JWK[] }>;
}
