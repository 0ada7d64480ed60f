// The rectification case's state machine, shared by every verb that moves a case (merchant,
// platform relay, officer review, the deadline jobs):
//
//   open -> acknowledged -> submitted -> accepted
//                               |  ^
//                               v  |  (the merchant submits again)
//                            rejected
//   open | acknowledged | rejected --(deadline passed)--> escalated --(submit)--> submitted ...
//
// applyStep runs in the caller's transaction on a row it locked: it updates the case, appends
// the timeline step with its actor, and publishes rectification.updated to every platform the
// notice went to. Nothing else writes rectification_case.status.
import { sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { rowsOf, type Executor, isoTime as iso, isoTimeOrNull as isoOrNull } from "../db/client.js";
import type { RectificationStatus } from "../db/schema/notices.js";
import type { Publish } from "../exchange/outbound/types.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";

export type CaseView = components["schemas"]["RectificationCase"];
export type StepAction = components["schemas"]["RectificationStep"]["action"];

export interface CaseRow extends Record<string, unknown> {
  id: string;
  notice_id: string;
  entity_id: string;
  entity_name?: string;
  region_code: string;
  rule_key: string | null;
  status: RectificationStatus;
  due_at: Date | string;
  opened_at: Date | string;
  acknowledged_at: Date | string | null;
  submitted_at: Date | string | null;
  accepted_at: Date | string | null;
  decided_at: Date | string | null;
  reminded_at: Date | string | null;
  escalated_at: Date | string | null;
  submissions: number;
  last_comment: string | null;
  updated_at: Date | string;
}

/** For each step, the states it may start from and the state it leads to from each. */
const TRANSITIONS = {
  // An escalated case the merchant acknowledges late records the acknowledgement and stays escalated.
  acknowledged: { open: "acknowledged", escalated: "escalated" },
  submitted: { open: "submitted", acknowledged: "submitted", rejected: "submitted", escalated: "submitted" },
  accepted: { submitted: "accepted" },
  rejected: { submitted: "rejected" },
  // A case submitted in time and awaiting review is not escalated at the deadline: the wait is
  // the regulator's. If the review rejects it after the deadline, it escalates then.
  escalated: { open: "escalated", acknowledged: "escalated", rejected: "escalated" },
} as const satisfies Record<string, Partial<Record<RectificationStatus, RectificationStatus>>>;
export type Transition = keyof typeof TRANSITIONS;

const targetStatus = (from: RectificationStatus, step: Transition): RectificationStatus | undefined =>
  (TRANSITIONS[step] as Partial<Record<RectificationStatus, RectificationStatus>>)[from];

export function canApply(status: RectificationStatus, step: Transition): boolean {
  return targetStatus(status, step) !== undefined;
}

export interface CaseDeps {
  clock: Clock;
  publish: Publish;
}

const CASE_COLUMNS = sql`c.id, c.notice_id, c.entity_id, e.name as entity_name, c.region_code, c.rule_key, c.status, c.due_at,
  c.opened_at, c.acknowledged_at, c.submitted_at, c.accepted_at, c.decided_at, c.reminded_at, c.escalated_at, c.submissions,
  c.last_comment, c.updated_at`;

/** The case of a notice (or by its own id), locked FOR UPDATE for the rest of the transaction; null if none. */
export async function lockCase(tx: Executor, by: { noticeId: string } | { caseId: string }): Promise<CaseRow | null> {
  const where = "noticeId" in by ? sql`c.notice_id = ${by.noticeId}::uuid` : sql`c.id = ${by.caseId}::uuid`;
  const rows = rowsOf<CaseRow>(
    await tx.execute(sql`select ${CASE_COLUMNS} from rectification_case c join entity e on e.id = c.entity_id where ${where} for update of c`),
  );
  return rows[0] ?? null;
}

/** Reads cases without locking (views). */
export async function readCases(on: Executor, where: ReturnType<typeof sql>): Promise<CaseRow[]> {
  return rowsOf<CaseRow>(await on.execute(sql`select ${CASE_COLUMNS} from rectification_case c join entity e on e.id = c.entity_id where ${where}`));
}

export interface StepInput {
  action: StepAction;
  actor: string;
  comment?: string | null;
  detail?: Record<string, unknown>;
}

/** Appends one timeline step (no status change: delivered, read, reminded, ...). */
export async function recordStep(tx: Executor, caseId: string, at: Date, step: StepInput): Promise<void> {
  await tx.execute(sql`
    insert into rectification_step (case_id, at, actor, action, comment, detail)
    values (${caseId}::uuid, ${at.toISOString()}::timestamptz, ${step.actor}, ${step.action}, ${step.comment ?? null}, ${JSON.stringify(step.detail ?? {})}::jsonb)`);
}

/**
 * Moves a locked case by one transition: 409 CONFLICT when the case's status does not allow
 * it. Updates the row, appends the step and publishes rectification.updated. Returns the row
 * as it now is.
 */
export async function applyStep(tx: Executor, deps: CaseDeps, row: CaseRow, step: StepInput & { action: Transition }): Promise<CaseRow> {
  const to = targetStatus(row.status, step.action);
  if (to === undefined) throw new AppError("CONFLICT", `the rectification case is ${row.status}: it cannot be ${step.action} now`);
  const now = deps.clock.now();
  const at = now.toISOString();
  const set = {
    acknowledged: sql`acknowledged_at = coalesce(acknowledged_at, ${at}::timestamptz)`,
    // Submitting acknowledges too: a merchant who answers has evidently read the notice.
    submitted: sql`submitted_at = ${at}::timestamptz, submissions = submissions + 1, acknowledged_at = coalesce(acknowledged_at, ${at}::timestamptz)`,
    accepted: sql`accepted_at = ${at}::timestamptz, decided_at = ${at}::timestamptz, last_comment = ${step.comment ?? null}`,
    rejected: sql`decided_at = ${at}::timestamptz, last_comment = ${step.comment ?? null}`,
    escalated: sql`escalated_at = ${at}::timestamptz`,
  }[step.action];
  await tx.execute(sql`update rectification_case set status = ${to}, updated_at = ${at}::timestamptz, ${set} where id = ${row.id}::uuid`);
  await recordStep(tx, row.id, now, step);
  const [updated] = await readCases(tx, sql`c.id = ${row.id}::uuid`);
  await publishCaseUpdate(tx, deps, updated!, step);
  return updated!;
}

/**
 * rectification.updated to every platform the notice was sent to. The regulator's own user id
 * stays inside the gateway: platforms learn the kind of actor, the status and the comment.
 */
export async function publishCaseUpdate(tx: Executor, deps: CaseDeps, row: CaseRow, step: StepInput): Promise<void> {
  const platforms = rowsOf<{ platform_id: string }>(
    await tx.execute(sql`select platform_id from notice_delivery where notice_id = ${row.notice_id}::uuid order by platform_id`),
  );
  const data = {
    caseId: row.id,
    noticeId: row.notice_id,
    entityId: row.entity_id,
    status: row.status,
    action: step.action,
    actorKind: step.actor.split(":")[0],
    comment: step.comment ?? null,
    dueAt: iso(row.due_at),
    escalated: row.escalated_at !== null,
    at: iso(row.updated_at),
  };
  await deps.publish(
    tx,
    platforms.map((p) => ({ platformId: p.platform_id, type: "rectification.updated" as const, entityId: row.entity_id, data })),
  );
}

export function toCaseView(r: CaseRow, now: Date): CaseView {
  const due = new Date(iso(r.due_at));
  return {
    caseId: r.id,
    noticeId: r.notice_id,
    entityId: r.entity_id,
    ...(r.entity_name !== undefined ? { entityName: r.entity_name } : {}),
    regionCode: r.region_code,
    ruleKey: r.rule_key,
    status: r.status,
    dueAt: due.toISOString(),
    overdue: r.status !== "accepted" && due.getTime() <= now.getTime(),
    openedAt: iso(r.opened_at),
    acknowledgedAt: isoOrNull(r.acknowledged_at),
    submittedAt: isoOrNull(r.submitted_at),
    decidedAt: isoOrNull(r.decided_at),
    remindedAt: isoOrNull(r.reminded_at),
    escalatedAt: isoOrNull(r.escalated_at),
    submissions: Number(r.submissions),
    lastComment: r.last_comment,
    updatedAt: iso(r.updated_at),
  };
}
