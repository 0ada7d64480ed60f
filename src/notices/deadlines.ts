// The deadline's two consequences, each at most once per case whatever runs them (the delayed
// job on either runner, a retry of it, the hourly sweep, a rejection after the deadline):
// - the reminder before it: a conditional UPDATE on reminded_at IS NULL decides who sends it;
// - escalation after it: the case row is locked and escalated_at checked inside the same
//   transaction that sets it, so a second attempt finds it set and does nothing.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor, isoTime as iso } from "../db/client.js";
import { requestRescore } from "../exchange/rescore-job.js";
import type { EnqueueMany } from "../jobs/index.js";
import { applyStep, canApply, lockCase, publishCaseUpdate, readCases, recordStep, type CaseDeps, type CaseRow } from "./cases.js";

export interface DeadlineDeps extends CaseDeps {
  enqueueMany: EnqueueMany;
}

const ESCALATION_ACTOR = "system:rectification-deadline";

/**
 * Escalates a locked case if its deadline has passed, it is not escalated yet and its status
 * allows it (not accepted, not awaiting review). Returns the escalated row, or null when it did
 * not. The entity is re-scored (an escalation counts in its history and may move it out of the
 * sandbox).
 */
export async function escalateIfDue(tx: Executor, deps: DeadlineDeps, row: CaseRow): Promise<CaseRow | null> {
  const now = deps.clock.now();
  if (row.escalated_at !== null || new Date(iso(row.due_at)).getTime() > now.getTime() || !canApply(row.status, "escalated")) return null;
  const escalated = await applyStep(tx, deps, row, { action: "escalated", actor: ESCALATION_ACTOR, detail: { dueAt: iso(row.due_at), from: row.status } });
  await requestRescore(tx, deps.enqueueMany, [row.entity_id], deps.clock.now());
  return escalated;
}

/** The escalation job's body: one case, in its own transaction. Returns whether it escalated. */
export async function escalateCase(tx: Executor, deps: DeadlineDeps, caseId: string): Promise<boolean> {
  const row = await lockCase(tx, { caseId });
  return row !== null && (await escalateIfDue(tx, deps, row)) !== null;
}

/** Cases the sweep should look at: past due, never escalated, in a status that escalates. */
export async function overdueUnescalated(on: Executor, now: Date, limit: number): Promise<string[]> {
  return rowsOf<{ id: string }>(
    await on.execute(sql`
      select id from rectification_case
      where status in ('open', 'acknowledged', 'rejected') and escalated_at is null and due_at <= ${now.toISOString()}::timestamptz
      order by due_at limit ${limit}`),
  ).map((r) => r.id);
}

/** Sends the reminder once, unless the case is accepted, awaiting review or already past due. */
export async function remindCase(tx: Executor, deps: CaseDeps, caseId: string): Promise<boolean> {
  const at = deps.clock.now().toISOString();
  const claimed = rowsOf<{ id: string }>(
    await tx.execute(sql`
      update rectification_case set reminded_at = ${at}::timestamptz
      where id = ${caseId}::uuid and reminded_at is null and status in ('open', 'acknowledged', 'rejected') and due_at > ${at}::timestamptz
      returning id`),
  );
  if (claimed.length === 0) return false;
  const [row] = await readCases(tx, sql`c.id = ${caseId}::uuid`);
  const step = { action: "reminded" as const, actor: ESCALATION_ACTOR, detail: { dueAt: iso(row!.due_at) } };
  await recordStep(tx, caseId, deps.clock.now(), step);
  await publishCaseUpdate(tx, deps, row!, step);
  return true;
}
