// Administering regulator accounts: list, disable, enable, reset a password. A regulator admin
// reaches only accounts inside its own region (others are "not found"); operators reach all.
// Disabling and resetting bump the account's session version, which ends every session issued
// before at once (the authenticator compares it on each request); enabling does not bring them
// back. Every change is audited with who made it, never with a password.
import { asc, eq, like, sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { regulatorUser } from "../db/schema/regulator-user.js";
import { AppError } from "../http/errors.js";
import { checkedReason } from "../http/reason.js";
import { actorLabel, type VerbContext } from "./actor.js";
import { authorize, regulator } from "./authorize.js";
import { generatePassword, hashPassword } from "./passwords.js";
import type { RegulatorRole } from "./regulator-users.js";

export interface RegulatorUserView {
  userId: string;
  username: string;
  displayName: string;
  role: RegulatorRole;
  regionPrefix: string;
  status: "active" | "disabled";
  createdAt: string;
  lastLoginAt: string | null;
}

type Row = typeof regulatorUser.$inferSelect;

const view = (u: Row): RegulatorUserView => ({
  userId: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role,
  regionPrefix: u.regionPrefix,
  status: u.status,
  createdAt: u.createdAt.toISOString(),
  lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
});

/** The region the actor may administer: "" (everything) for operators. */
function scopeOf(ctx: VerbContext): string {
  return authorize(ctx.actor, regulator("admin")).regionPrefix;
}

export async function listRegulatorUsers(ctx: VerbContext): Promise<RegulatorUserView[]> {
  const scope = scopeOf(ctx);
  const rows = await ctx.db.orm
    .select()
    .from(regulatorUser)
    .where(like(regulatorUser.regionPrefix, `${scope}%`))
    .orderBy(asc(regulatorUser.username));
  return rows.map(view);
}

export interface AccountChange {
  userId: string;
  reason: string;
}

export async function disableRegulatorUser(ctx: VerbContext, input: AccountChange): Promise<RegulatorUserView> {
  if (ctx.actor.kind === "regulator" && ctx.actor.userId === input.userId) throw new AppError("CONFLICT", "you cannot disable your own account");
  return change(ctx, input, "regulator.user.disable", (u) => (u.status === "disabled" ? undefined : { status: "disabled", endSessions: true }));
}

export async function enableRegulatorUser(ctx: VerbContext, input: AccountChange): Promise<RegulatorUserView> {
  return change(ctx, input, "regulator.user.enable", (u) => (u.status === "active" ? undefined : { status: "active" }));
}

export interface PasswordResetInput extends AccountChange {
  /** Omitted: a strong password is generated and returned once. */
  password?: string | undefined;
}

export async function resetRegulatorPassword(
  ctx: VerbContext,
  input: PasswordResetInput,
): Promise<{ userId: string; username: string; password?: string }> {
  // Checked before the (costly) hashing, and again with the region inside change().
  scopeOf(ctx);
  const generated = input.password === undefined ? generatePassword() : undefined;
  const password = input.password ?? generated!;
  if (password.length < 12 || password.length > 200) throw new AppError("VALIDATION_FAILED", "password: 12-200 characters", { errors: [{ pointer: "/password", message: "12-200 characters" }] });
  const passwordHash = await hashPassword(password);
  const user = await change(ctx, input, "regulator.user.password_reset", () => ({ passwordHash, endSessions: true }));
  return { userId: user.userId, username: user.username, ...(generated ? { password: generated } : {}) };
}

/** One audited change to one account inside the actor's region; `patch` undefined = nothing to do. */
async function change(
  ctx: VerbContext,
  input: AccountChange,
  action: string,
  patch: (u: Row) => { status?: Row["status"]; passwordHash?: string; endSessions?: boolean } | undefined,
): Promise<RegulatorUserView> {
  const scope = scopeOf(ctx);
  const reason = checkedReason(input.reason);
  return ctx.db.transaction(async (tx) => {
    const [current] = await tx.select().from(regulatorUser).where(eq(regulatorUser.id, input.userId)).for("update");
    // Outside the admin's region reads as absent: it learns nothing about other regions' staff.
    if (!current || !current.regionPrefix.startsWith(scope)) throw new AppError("NOT_FOUND", "no such regulator account");
    const p = patch(current);
    if (!p) return view(current);
    const { endSessions, ...set } = p;
    const [row] = await tx
      .update(regulatorUser)
      .set({ ...set, ...(endSessions ? { sessionVersion: sql`${regulatorUser.sessionVersion} + 1` } : {}) })
      .where(eq(regulatorUser.id, input.userId))
      .returning();
    await appendAudit(tx, ctx.clock, {
      actor: actorLabel(ctx.actor),
      action,
      subjectType: "regulator_user",
      subjectId: input.userId,
      data: { username: current.username, reason, previousStatus: current.status },
    });
    return view(row!);
  });
}

export async function regulatorIdByUsername(ctx: Pick<VerbContext, "db">, username: string): Promise<string> {
  const [row] = await ctx.db.orm.select({ id: regulatorUser.id }).from(regulatorUser).where(eq(regulatorUser.username, username)).limit(1);
  if (!row) throw new AppError("NOT_FOUND", `no regulator account "${username}"`);
  return row.id;
}
