// The two bearer-token schemes of the spec. Both verify a gateway-signed JWT (alg, typ, iss,
// aud, exp), then re-check the account in the database, so a suspended platform or disabled
// regulator loses access at once rather than when the token runs out. Tokens carry the account's
// token/session version from when they were issued: a suspension, a disabled account or a reset
// password bumps it, so tokens from before stay dead even once the account is active again.
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import type { Database } from "../db/client.js";
import { regulatorUser } from "../db/schema/regulator-user.js";
import type { AppEnv } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { Authenticator } from "../http/router.js";
import { ACCESS_TOKEN_TYP } from "./oauth.js";
import { platformById } from "./platform-queries.js";
import { isRole, roleAtLeast } from "./authorize.js";
import type { GatewaySigner } from "./signer.js";

export const REGULATOR_TOKEN_TYP = "regulator+jwt";

export interface AuthenticatorDeps {
  db: Database;
  signer: GatewaySigner;
  issuer: string;
}

export function createAuthenticators(deps: AuthenticatorDeps): Record<"platformOAuth" | "regulatorToken", Authenticator> {
  const challenge = (extra = "") => `Bearer realm="${deps.issuer}"${extra}`;
  const unauthorized = (detail: string): AppError =>
    new AppError("TOKEN_INVALID", detail, { headers: { "WWW-Authenticate": challenge(', error="invalid_token"') } });

  function bearer(c: Context<AppEnv>): string {
    const header = c.req.header("authorization");
    const m = header ? /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header) : null;
    if (!m) {
      // RFC 6750 §3.1: no credentials -> a bare challenge, no error code.
      throw new AppError("UNAUTHORIZED", "send Authorization: Bearer <token>", { headers: { "WWW-Authenticate": challenge() } });
    }
    return m[1]!;
  }

  async function verify(token: string, typ: string) {
    try {
      return await deps.signer.verifyJwt(token, { typ, audience: deps.issuer });
    } catch (err) {
      if (err instanceof AppError) throw unauthorized(err.detail);
      throw err;
    }
  }

  const platformOAuth: Authenticator = async (c, required) => {
    const claims = await verify(bearer(c), ACCESS_TOKEN_TYP);
    const platformId = claims.sub;
    const clientId = claims.client_id;
    if (typeof platformId !== "string" || typeof clientId !== "string" || typeof claims.scope !== "string") {
      throw unauthorized("not a platform access token");
    }
    const platform = await platformById(deps.db.orm, platformId);
    if (!platform || platform.status !== "active" || platform.clientId !== clientId) throw unauthorized("the platform is not active");
    if ((claims.tv ?? 0) !== platform.tokenVersion) throw unauthorized("the token was issued before the platform was suspended");
    const scopes = claims.scope.split(" ").filter((s) => s !== "");
    const missing = required.filter((s) => !scopes.includes(s));
    if (missing.length > 0) {
      throw new AppError("FORBIDDEN", `the token lacks the scope ${missing.join(" ")}`, {
        headers: { "WWW-Authenticate": challenge(`, error="insufficient_scope", scope="${required.join(" ")}"`) },
      });
    }
    c.set("principal", { kind: "platform", platformId, clientId, scopes });
  };

  const regulatorToken: Authenticator = async (c, required) => {
    const claims = await verify(bearer(c), REGULATOR_TOKEN_TYP);
    if (typeof claims.sub !== "string") throw unauthorized("not a regulator token");
    // The account as it is now: a disabled user or a changed role/region applies at once.
    const [user] = await deps.db.orm
      .select({ id: regulatorUser.id, role: regulatorUser.role, regionPrefix: regulatorUser.regionPrefix, status: regulatorUser.status, sessionVersion: regulatorUser.sessionVersion })
      .from(regulatorUser)
      .where(eq(regulatorUser.id, claims.sub))
      .limit(1);
    if (!user || user.status !== "active") throw unauthorized("the account is not active");
    if ((claims.sv ?? 0) !== user.sessionVersion) throw unauthorized("the session has ended (the account was disabled or its password reset)");
    // The spec's least role, checked early as a courtesy; the verb decides (authorize.ts).
    const least = required.find(isRole);
    if (least && !roleAtLeast(user.role, least)) throw new AppError("FORBIDDEN", `this needs the ${least} role`);
    c.set("principal", { kind: "regulator", userId: user.id, role: user.role, regionPrefix: user.regionPrefix });
  };

  return { platformOAuth, regulatorToken };
}
