// The officer's review of a submitted rectification (整改审核), in one transaction:
// - accept: the case is accepted with the comment, the warning the notice came from is closed
//   (by "rectification:<caseId>"), and the entity is re-scored — the accepted case now counts in
//   its history (classification's rectification indicator, the sandbox fence's escalated count);
// - reject: the case goes back to the merchant with the comment as the reason; a rejection after
//   the deadline escalates the case at once (the merchant was given the time and missed it).
// Each step publishes rectification.updated to the notice's platforms (cases.ts applyStep); the
// audit row is the transaction's last statement.
import { authorize, regulator } from "../auth/authorize.js";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel } from "../auth/actor.js";
import { rowsOf } from "../db/client.js";
import { requestRescore } from "../exchange/rescore-job.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { applyStep, lockCase, toCaseView, type CaseRow, type CaseView } from "./cases.js";
import { escalateIfDue } from "./deadlines.js";
import type { RegulatorContext } from "./regulator-verbs.js";

export type ReviewInput = components["schemas"]["RectificationReview"];

export async function reviewRectification(
  ctx: RegulatorContext<"db" | "clock" | "publish" | "enqueueMany" | "kick" | "closeWarnings">,
  input: ReviewInput & { caseId: string },
): Promise<CaseView> {
  const prefix = authorize(ctx.actor, regulator("officer")).regionPrefix;
  const by = actorLabel(ctx.actor);
  const caseDeps = { clock: ctx.clock, publish: ctx.publish, enqueueMany: ctx.enqueueMany };
  const view = await ctx.db.transaction(async (tx) => {
    const row = await lockCase(tx, { caseId: input.caseId });
    if (!row || !row.region_code.startsWith(prefix)) throw new AppError("NOT_FOUND", "no such rectification case");
    if (row.status !== "submitted") throw new AppError("CONFLICT", `the rectification case is ${row.status}: only a submitted case can be reviewed`);
    let closedWarnings: string[] = [];
    let after: CaseRow;
    let escalated = false;
    if (input.decision === "accept") {
      after = await applyStep(tx, caseDeps, row, { action: "accepted", actor: by, comment: input.comment });
      const [notice] = rowsOf<{ warning_id: string | null }>(
        await tx.execute(sql`select warning_id::text as warning_id from notice where id = ${row.notice_id}::uuid`),
      );
      if (notice?.warning_id) closedWarnings = await ctx.closeWarnings(tx, [notice.warning_id], { by: `rectification:${row.id}`, reason: input.comment });
      await requestRescore(tx, ctx.enqueueMany, [row.entity_id], ctx.clock.now());
    } else {
      const rejected = await applyStep(tx, caseDeps, row, { action: "rejected", actor: by, comment: input.comment });
      const late = await escalateIfDue(tx, caseDeps, rejected);
      escalated = late !== null;
      after = late ?? rejected;
    }
    await appendAudit(tx, ctx.clock, {
      actor: by,
      action: "rectification.review",
      subjectType: "rectification_case",
      subjectId: row.id,
      data: { decision: input.decision, comment: input.comment, noticeId: row.notice_id, entityId: row.entity_id, submissions: Number(row.submissions), closedWarnings, escalated },
    });
    return toCaseView(after, ctx.clock.now());
  });
  ctx.kick();
  return view;
}
