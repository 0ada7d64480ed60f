// Regulator accounts. Region scope is a GB/T 2260 prefix of 2-6 digits (5101 = Chengdu);
// the empty prefix means nationwide (the first admin of an embedded install has it).
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { regulatorUser } from "../db/schema/regulator-user.js";
import { AppError } from "../http/errors.js";
import { actorLabel, type VerbContext } from "./actor.js";
import { authorize, regulator } from "./authorize.js";
import { isUniqueViolation } from "./platform-queries.js";
import { generatePassword, hashPassword } from "./passwords.js";

export type RegulatorRole = "viewer" | "officer" | "admin";
export const REGULATOR_ROLES: RegulatorRole[] = ["viewer", "officer", "admin"];

export interface CreateRegulatorUserInput {
  username: string;
  displayName?: string | undefined;
  role: RegulatorRole;
  regionPrefix: string;
  /** Omitted: a strong password is generated and returned once. */
  password?: string | undefined;
}

export interface CreatedRegulatorUser {
  userId: string;
  username: string;
  displayName: string;
  role: RegulatorRole;
  regionPrefix: string;
  /** Only when generated: shown once, never stored in the clear. */
  password?: string;
}

export async function createRegulatorUser(ctx: VerbContext, input: CreateRegulatorUserInput): Promise<CreatedRegulatorUser> {
  const { regionPrefix: scope } = authorize(ctx.actor, regulator("admin"));
  const username = input.username.trim();
  if (!/^[A-Za-z0-9._@-]{1,100}$/.test(username)) throw new AppError("VALIDATION_FAILED", "username: 1-100 of letters, digits and . _ @ -");
  if (!REGULATOR_ROLES.includes(input.role)) throw new AppError("VALIDATION_FAILED", "role must be viewer, officer or admin");
  if (!/^(\d{2,6})?$/.test(input.regionPrefix)) throw new AppError("VALIDATION_FAILED", "regionPrefix: 2-6 digits (or empty for nationwide)");
  // A regulator admin hands out at most their own region.
  if (!input.regionPrefix.startsWith(scope)) {
    throw new AppError("FORBIDDEN", "the new user's region must lie within your own");
  }
  const generated = input.password === undefined ? generatePassword() : undefined;
  const password = input.password ?? generated!;
  if (password.length < 12 || password.length > 200) throw new AppError("VALIDATION_FAILED", "password: 12-200 characters");
  const passwordHash = await hashPassword(password);
  const displayName = input.displayName?.trim() || username;
  try {
    const row = await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(regulatorUser)
        .values({ username, displayName, role: input.role, regionPrefix: input.regionPrefix, passwordHash, createdAt: ctx.clock.now() })
        .returning({ id: regulatorUser.id });
      await appendAudit(tx, ctx.clock, {
        actor: actorLabel(ctx.actor),
        action: "regulator.user.create",
        subjectType: "regulator_user",
        subjectId: row!.id,
        data: { username, role: input.role, regionPrefix: input.regionPrefix },
      });
      return row!;
    });
    return { userId: row.id, username, displayName, role: input.role, regionPrefix: input.regionPrefix, ...(generated ? { password: generated } : {}) };
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", `username "${username}" is taken`);
    throw err;
  }
}

export async function regulatorByUsername(ctx: Pick<VerbContext, "db">, username: string) {
  const [row] = await ctx.db.orm.select().from(regulatorUser).where(eq(regulatorUser.username, username)).limit(1);
  return row;
}
