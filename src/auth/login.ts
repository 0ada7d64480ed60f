// POST /v1/auth/login: username + password -> a gateway-signed regulator token (8 h) carrying
// role and region. Unknown users cost the same scrypt as known ones, and every failure reads the
// same, so the endpoint does not reveal which usernames exist.
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { regulatorUser } from "../db/schema/regulator-user.js";
import type { AppEnv } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { Handler } from "../http/router.js";
import { REGULATOR_TOKEN_TYP } from "./authenticators.js";
import { LoginThrottle } from "./login-throttle.js";
import { dummyPasswordHash, verifyPassword } from "./passwords.js";
import type { GatewaySigner } from "./signer.js";

export const REGULATOR_TOKEN_TTL_SECONDS = 8 * 3600;

export function loginHandler(deps: { db: Database; clock: Clock; signer: GatewaySigner; issuer: string }): Handler<"login"> {
  const throttle = new LoginThrottle();
  return async (c, input) => {
    const { username, password } = input.body;
    const nowMs = deps.clock.now().getTime();
    const key = `${username.toLowerCase()}\u0000${remoteAddress(c)}`;
    const wait = throttle.retryAfter(key, nowMs);
    if (wait > 0) throw new AppError("RATE_LIMITED", "too many failed logins; try again later", { headers: { "Retry-After": String(wait) } });

    const [user] = await deps.db.orm.select().from(regulatorUser).where(eq(regulatorUser.username, username)).limit(1);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok || user.status !== "active") {
      throttle.failed(key, nowMs);
      c.get("log")?.info({ loginFailed: true }, "regulator login refused");
      throw new AppError("UNAUTHORIZED", "wrong username or password");
    }
    throttle.succeeded(key);
    const now = deps.clock.now();
    await deps.db.orm.update(regulatorUser).set({ lastLoginAt: now }).where(eq(regulatorUser.id, user.id));
    const token = await deps.signer.signJwt(
      { role: user.role, regionPrefix: user.regionPrefix, preferred_username: user.username },
      { typ: REGULATOR_TOKEN_TYP, audience: deps.issuer, expiresInSeconds: REGULATOR_TOKEN_TTL_SECONDS, subject: user.id },
    );
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + REGULATOR_TOKEN_TTL_SECONDS * 1000).toISOString();
    return c.json({ token, expiresAt, role: user.role, regionPrefix: user.regionPrefix }, 200, { "Cache-Control": "no-store" });
  };
}

/** The TCP peer (forwarded headers are not trusted: any client could set them). */
function remoteAddress(c: Context<AppEnv>): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}
