// The merchantLink security scheme: `Authorization: Bearer <merchant link token>`. The token is
// verified (signature, typ, audience, expiry), then the notice it names must exist for the
// entity it names: the principal is that one notice, and merchant verbs read nothing else.
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { rowsOf, type Database } from "../db/client.js";
import type { AppEnv } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { Authenticator } from "../http/router.js";
import { verifyMerchantToken, type MerchantLinkDeps } from "./link.js";

const challenge = (issuer: string, extra = "") => `Bearer realm="${issuer}/m"${extra}`;

/** The merchant principal for a token, or TOKEN_INVALID (also used by the HTML page). */
export async function merchantPrincipal(deps: MerchantLinkDeps & { db: Database }, token: string): Promise<{ kind: "merchant"; noticeId: string; entityId: string }> {
  const claims = await verifyMerchantToken(deps, token);
  const found = rowsOf<{ id: string }>(
    await deps.db.orm.execute(sql`select id from notice where id = ${claims.noticeId}::uuid and entity_id = ${claims.entityId}::uuid`),
  );
  if (found.length === 0) throw new AppError("TOKEN_INVALID", "the merchant link is invalid or has expired");
  return { kind: "merchant", noticeId: claims.noticeId, entityId: claims.entityId };
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
