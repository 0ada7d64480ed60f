// The merchantLink security scheme: `Authorization: Bearer <merchant link token>`. The token is
// verified (signature, typ, audience, expiry), then its link row must be live — issued for that
// notice and entity, not revoked, not expired: the principal is that one notice, relayed by the
// platform the link was issued to, and merchant verbs read nothing else.
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { rowsOf, type Database } from "../db/client.js";
import type { AppEnv, Principal } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { Authenticator } from "../http/router.js";
import { verifyMerchantToken, type MerchantLinkDeps } from "./link.js";

const challenge = (issuer: string, extra = "") => `Bearer realm="${issuer}/m"${extra}`;

export type MerchantPrincipal = Extract<Principal, { kind: "merchant" }>;

/** The merchant principal for a token, or TOKEN_INVALID. */
export async function merchantPrincipal(deps: MerchantLinkDeps & { db: Database }, token: string): Promise<MerchantPrincipal> {
  const claims = await verifyMerchantToken(deps, token);
  const [live] = rowsOf<{ platform_id: string }>(
    await deps.db.orm.execute(sql`
      select l.platform_id from merchant_link l join notice n on n.id = l.notice_id
      where l.id = ${claims.linkId}::uuid and l.notice_id = ${claims.noticeId}::uuid and n.entity_id = ${claims.entityId}::uuid
        and l.revoked_at is null and l.expires_at > ${deps.clock.now().toISOString()}::timestamptz`),
  );
  if (!live) throw new AppError("TOKEN_INVALID", "the merchant link is invalid, revoked or has expired");
  return { kind: "merchant", noticeId: claims.noticeId, entityId: claims.entityId, linkId: claims.linkId, platformId: live.platform_id };
}

export function merchantLinkAuthenticator(deps: MerchantLinkDeps & { db: Database }): Authenticator {
  return async (c: Context<AppEnv>) => {
    const header = c.req.header("authorization");
    const m = header ? /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header) : null;
    if (!m) throw new AppError("UNAUTHORIZED", "send Authorization: Bearer <the merchant link's token>", { headers: { "WWW-Authenticate": challenge(deps.issuer) } });
    try {
      c.set("principal", await merchantPrincipal(deps, m[1]!));
    } catch (err) {
      if (err instanceof AppError && err.code === "TOKEN_INVALID") {
        throw new AppError("TOKEN_INVALID", err.detail, { headers: { "WWW-Authenticate": challenge(deps.issuer, ', error="invalid_token"') } });
      }
      throw err;
    }
  };
}
