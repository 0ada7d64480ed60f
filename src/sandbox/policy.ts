// The fence policy (准入/退出规则) as data: its shape, the default (seeded as version 1), the
// semantic validator (the spec's FencePolicy schema checks the structure first) and the
// versioned store: every save is a new fence_policy row; the highest version is in force.
//
// Hysteresis lives in the gap between the two class sets: with admission [A] and removal [C, D]
// an entity in class B is neither admitted nor removed — whatever it is, it stays. That is why a
// class may never be in both sets, and why removal triggers are checked before admission.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import { SEVERITIES, type Severity } from "../db/schema/monitoring.js";
import type { FieldError } from "../http/errors.js";
import type { CreditClass } from "../scoring/index.js";

export interface FencePolicy {
  admission: {
    /** Classes that may enter (a subset of A, B that includes A). */
    classes: CreditClass[];
    /** Days the entity must have held its current class. */
    minDaysInClass: number;
    /** Days in business: since the entity's establishment date, else its earliest shop opening or event (entity.operating_since). */
    minHistoryDays: number;
    /** An open warning of this severity or higher blocks admission; null: warnings do not block. */
    blockingWarningSeverity: Severity | null;
    requireNoOverdueRectification: boolean;
  };
  removal: {
    /** Classes that move an entity out (a subset of C, D that includes D). */
    classes: CreditClass[];
    /** A serious violation confirmed in the last 365 days (serious_violations_365d > 0). */
    onSeriousViolation: boolean;
    onOverdueRectification: boolean;
    /** An open warning at or above this severity is a fence-rule breach; null: never. */
    warningSeverity: Severity | null;
  };
  /** No automatic re-admission for this many days after a removal. */
  coolDownDays: number;
  /** After an officer's decision automatic changes wait this many days (except removal for class D or a serious violation). */
  manualHoldDays: number;
}

export const DEFAULT_FENCE_POLICY: FencePolicy = {
  admission: { classes: ["A"], minDaysInClass: 90, minHistoryDays: 180, blockingWarningSeverity: "high", requireNoOverdueRectification: true },
  removal: { classes: ["C", "D"], onSeriousViolation: true, onOverdueRectification: true, warningSeverity: "critical" },
  coolDownDays: 90,
  manualHoldDays: 30,
};

export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
export const severityAtLeast = (s: Severity | null, threshold: Severity): boolean => s !== null && SEVERITY_RANK[s] >= SEVERITY_RANK[threshold];

const ADMISSIBLE: readonly CreditClass[] = ["A", "B"];
const REMOVABLE: readonly CreditClass[] = ["C", "D"];

/**
 * Every semantic error of a structurally valid policy, each with its JSON pointer under `base`
 * (e.g. "/policy" for the PUT body). Pure; an empty list means the policy may be saved.
 */
export function validateFencePolicy(p: FencePolicy, base = ""): FieldError[] {
  const errors: FieldError[] = [];
  const at = (path: string, message: string) => errors.push({ pointer: `${base}${path}`, message });
  const checkSet = (path: string, classes: readonly CreditClass[], allowed: readonly CreditClass[], must: CreditClass, what: string) => {
    if (classes.length === 0) at(path, `${what} needs at least one class`);
    classes.forEach((c, i) => {
      if (!allowed.includes(c)) at(`${path}/${i}`, `class ${c} cannot be a ${what} class (only ${allowed.join(" or ")})`);
      if (classes.indexOf(c) !== i) at(`${path}/${i}`, `class ${c} is listed twice`);
    });
    if (classes.length > 0 && !classes.includes(must)) at(path, `${what} must include class ${must}`);
  };
  checkSet("/admission/classes", p.admission.classes, ADMISSIBLE, "A", "admission");
  checkSet("/removal/classes", p.removal.classes, REMOVABLE, "D", "removal");
  p.removal.classes.forEach((c, i) => {
    if (p.admission.classes.includes(c)) {
      at(`/removal/classes/${i}`, `class ${c} is in both the admission and the removal set: the classes between the two sets are the hysteresis band, so they must not overlap`);
    }
  });
  for (const [path, v] of [
    ["/admission/minDaysInClass", p.admission.minDaysInClass],
    ["/admission/minHistoryDays", p.admission.minHistoryDays],
    ["/coolDownDays", p.coolDownDays],
    ["/manualHoldDays", p.manualHoldDays],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) at(path, "must be a number of days >= 0");
  }
  // A removal trigger that admission does not refuse would admit and then remove at once.
  const removeAt = p.removal.warningSeverity;
  const blockAt = p.admission.blockingWarningSeverity;
  if (removeAt !== null && (blockAt === null || SEVERITY_RANK[blockAt] > SEVERITY_RANK[removeAt])) {
    at("/admission/blockingWarningSeverity", `must be at or below removal.warningSeverity (${removeAt}): an entity admitted with such a warning would be removed at once`);
  }
  if (p.removal.onOverdueRectification && !p.admission.requireNoOverdueRectification) {
    at("/admission/requireNoOverdueRectification", "must be true while removal.onOverdueRectification is: an entity admitted with an overdue rectification would be removed at once");
  }
  for (const [path, s] of [["/admission/blockingWarningSeverity", blockAt], ["/removal/warningSeverity", removeAt]] as const) {
    if (s !== null && !SEVERITIES.includes(s)) at(path, `unknown severity ${String(s)}`);
  }
  return errors;
}

export interface PolicyVersion {
  version: number;
  policy: FencePolicy;
  savedBy: string;
  savedAt: Date;
  reason: string | null;
}

interface PolicyRow extends Record<string, unknown> {
  version: number;
  policy: FencePolicy | string;
  saved_by: string;
  saved_at: Date | string;
  reason: string | null;
}

const toVersion = (r: PolicyRow): PolicyVersion => ({
  version: Number(r.version),
  policy: typeof r.policy === "string" ? (JSON.parse(r.policy) as FencePolicy) : r.policy,
  savedBy: r.saved_by,
  savedAt: new Date(r.saved_at),
  reason: r.reason,
});

/** The policy in force (highest version); the default if none was ever saved (before start()). */
export async function currentPolicy(on: Executor): Promise<PolicyVersion> {
  const [row] = rowsOf<PolicyRow>(await on.execute(sql`
    select version, policy, saved_by, saved_at, reason from fence_policy order by version desc limit 1`));
  return row ? toVersion(row) : { version: 1, policy: DEFAULT_FENCE_POLICY, savedBy: "system", savedAt: new Date(0), reason: "default policy" };
}

/** Saved versions below `before` (all when undefined), newest first: the history a diff is made from. */
export async function policyVersions(on: Executor, q: { before?: number | undefined; limit: number }): Promise<PolicyVersion[]> {
  const rows = rowsOf<PolicyRow>(await on.execute(sql`
    select version, policy, saved_by, saved_at, reason from fence_policy
    where ${q.before === undefined ? sql`true` : sql`version < ${q.before}`}
    order by version desc limit ${q.limit}`));
  return rows.map(toVersion);
}

/** Seeds the default as version 1 when no policy exists (idempotent; at start). */
export async function seedDefaultPolicy(on: Executor, now: Date): Promise<void> {
  await on.execute(sql`
    insert into fence_policy (version, policy, saved_by, saved_at, reason)
    values (1, ${JSON.stringify(DEFAULT_FENCE_POLICY)}::jsonb, 'system', ${now.toISOString()}::timestamptz, 'default policy')
    on conflict (version) do nothing`);
}

/**
 * Saves a new version (the caller validated it) and returns it. The insert of max + 1 conflicts
 * on the primary key when two saves race; the loser's transaction fails instead of overwriting.
 */
export async function insertPolicyVersion(tx: Executor, input: { policy: FencePolicy; savedBy: string; reason: string; now: Date }): Promise<PolicyVersion> {
  const [row] = rowsOf<PolicyRow>(await tx.execute(sql`
    insert into fence_policy (version, policy, saved_by, saved_at, reason)
    select coalesce(max(version), 0) + 1, ${JSON.stringify(input.policy)}::jsonb, ${input.savedBy}, ${input.now.toISOString()}::timestamptz, ${input.reason}
    from fence_policy
    returning version, policy, saved_by, saved_at, reason`));
  return toVersion(row!);
}
