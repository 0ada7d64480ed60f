// GatewaySigner on top of the gateway keys, with jose. Verification accepts only ES256, the
// expected typ, our issuer and the audience asked for, exp and iat required, a few seconds of
// skew; a lifetime (exp - iat) within the type's cap; and a key that is active, or retired after
// the token was issued (a retired key signs nothing new, so a token it "signed" later is forged).
import { CompactSign, decodeProtectedHeader, FlattenedSign, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import { AppError } from "../http/errors.js";
import { GATEWAY_ALG, type GatewayKeys } from "./gateway-keys.js";
import type { GatewaySigner } from "./signer.js";
import { maxLifetimeSeconds } from "./token-lifetimes.js";

export const CLOCK_SKEW_SECONDS = 5;

export function createGatewaySigner(deps: { keys: GatewayKeys; clock: Clock; issuer: string }): GatewaySigner {
  const { keys, clock, issuer } = deps;
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  const invalid = (detail: string) => new AppError("TOKEN_INVALID", detail);

  return {
    async signJwt(claims, o) {
      const cap = maxLifetimeSeconds(o.typ);
      if (!(o.expiresInSeconds > 0 && o.expiresInSeconds <= cap)) {
        throw new Error(`a ${o.typ} token's lifetime must be 1-${cap} s (asked: ${o.expiresInSeconds})`);
      }
      const key = await keys.active();
      const now = nowSeconds();
      let jwt = new SignJWT({ jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: GATEWAY_ALG, kid: key.kid, typ: o.typ })
        .setIssuer(issuer)
        .setAudience(o.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + o.expiresInSeconds);
      if (o.subject !== undefined) jwt = jwt.setSubject(o.subject);
      return jwt.sign(key.privateKey);
    },

    async verifyJwt(token, o): Promise<JWTPayload> {
      let header;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        throw invalid("the token is not a JWS");
      }
      if (header.alg !== GATEWAY_ALG) throw invalid("unexpected token algorithm");
      if (typeof header.kid !== "string") throw invalid("the token names no key");
      const signing = await keys.verificationKey(header.kid);
      if (!signing) throw invalid("the token was signed by a key the gateway does not publish");
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, signing.key, {
          algorithms: [GATEWAY_ALG],
          issuer,
          audience: o.audience,
          typ: o.typ,
          requiredClaims: ["exp", "iat"],
          clockTolerance: CLOCK_SKEW_SECONDS,
          currentDate: clock.now(),
        }));
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw invalid(code === "ERR_JWT_EXPIRED" ? "the token has expired" : "the token is not valid here");
      }
      const iat = payload.iat!;
      if (payload.exp! - iat > maxLifetimeSeconds(o.typ) || iat > nowSeconds() + CLOCK_SKEW_SECONDS) throw invalid("the token is not valid here");
      if (signing.retiredAt && iat > Math.floor(signing.retiredAt.getTime() / 1000) + CLOCK_SKEW_SECONDS) {
        throw invalid("the token was signed by a retired key");
      }
      return payload;
    },

    async signCompact(payload, typ) {
      const key = await keys.active();
      return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: GATEWAY_ALG, kid: key.kid, typ })
        .sign(key.privateKey);
    },

    async signDetached(body, extraHeader = {}) {
      const key = await keys.active();
      const jws = await new FlattenedSign(body)
        .setProtectedHeader({ ...extraHeader, alg: GATEWAY_ALG, kid: key.kid, b64: false, crit: ["b64"] })
        .sign(key.privateKey);
      return `${jws.protected}..${jws.signature}`;
    },

    jwks: () => keys.jwks(),
  };
}
