// POST /v1/auth/login: username + password -> a gateway-signed regulator token (8 h) carrying
// role and region. Every way of failing reads the same (401, one message) and costs the same
// (an unknown username is checked against a dummy hash, a disabled account's password is still
// checked), so the endpoint does not reveal which usernames exist. Attempts are throttled per
// account and per client address, password hashing is bounded, and every login — refused or
// not — is audited with the client address (never the password, nor an unknown username, which
// may well be a mistyped password).
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { regulatorUser } from "../db/schema/regulator-user.js";
import { clientAddress } from "../http/client-address.js";
import { AppError } from "../http/errors.js";
import type { Handler } from "../http/router.js";
import { REGULATOR_TOKEN_TYP } from "./authenticators.js";
import type { HashingGate } from "./hashing-gate.js";
import type { LoginThrottle } from "./login-throttle.js";
import { dummyPasswordHash, verifyPassword } from "./passwords.js";
import type { RegulatorRole } from "./regulator-users.js";
import type { GatewaySigner } from "./signer.js";
import { MAX_TOKEN_LIFETIME_SECONDS } from "./token-lifetimes.js";

export const REGULATOR_TOKEN_TTL_SECONDS = MAX_TOKEN_LIFETIME_SECONDS[REGULATOR_TOKEN_TYP]!;

export interface LoginContext {
  db: Database;
  clock: Clock;
  signer: GatewaySigner;
  issuer: string;
  throttle: LoginThrottle;
  gate: HashingGate;
  /** Where the attempt came from (see http/client-address.ts). */
  clientAddress: string;
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  role: RegulatorRole;
  regionPrefix: string;
}

type Refusal = "unknown_account" | "wrong_password" | "account_disabled";

export async function logIn(ctx: LoginContext, input: { username: string; password: string }): Promise<LoginResult> {
  await ctx.throttle.attempt(input.username, ctx.clientAddress);
  const { user, ok } = await ctx.gate.run(async () => {
    const [row] = await ctx.db.orm.select().from(regulatorUser).where(eq(regulatorUser.username, input.username)).limit(1);
    return { user: row, ok: await verifyPassword(input.password, row?.passwordHash ?? (await dummyPasswordHash())) };
  });
  if (!user || !ok || user.status !== "active") {
    const reason: Refusal = !user ? "unknown_account" : !ok ? "wrong_password" : "account_disabled";
    await appendAudit(ctx.db.orm, ctx.clock, {
      actor: "anonymous",
      action: "regulator.login.refused",
      subjectType: "regulator_user",
      subjectId: user?.id ?? null,
      data: { reason, clientAddress: ctx.clientAddress },
    });
    throw new AppError("UNAUTHORIZED", "wrong username or password");
  }
  const now = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    await tx.update(regulatorUser).set({ lastLoginAt: now }).where(eq(regulatorUser.id, user.id));
    await appendAudit(tx, ctx.clock, {
      actor: `regulator:${user.id}`,
      action: "regulator.login",
      subjectType: "regulator_user",
      subjectId: user.id,
      data: { clientAddress: ctx.clientAddress },
    });
  });
  const token = await ctx.signer.signJwt(
    { role: user.role, regionPrefix: user.regionPrefix, preferred_username: user.username, sv: user.sessionVersion },
    { typ: REGULATOR_TOKEN_TYP, audience: ctx.issuer, expiresInSeconds: REGULATOR_TOKEN_TTL_SECONDS, subject: user.id },
  );
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + REGULATOR_TOKEN_TTL_SECONDS * 1000).toISOString();
  return { token, expiresAt, role: user.role, regionPrefix: user.regionPrefix };
}

export function loginHandler(deps: Omit<LoginContext, "clientAddress"> & { trustedProxyHeader: string | undefined }): Handler<"login"> {
  return async (c, { body }) => {
    const result = await logIn({ ...deps, clientAddress: clientAddress(c, deps.trustedProxyHeader) }, body);
    return c.json(result, 200, { "Cache-Control": "no-store" });
  };
}
