// The notice module's jobs. Each is idempotent: a retry, a duplicate or a run after a restart
// changes nothing the first run already did (see deadlines.ts for the at-most-once rules).
// - warning.raised (monitoring's seam): warn_and_notice -> the notice, once per warning;
// - notice.delivery-check {noticeId}: re-send / give up (delivery.ts);
// - rectification.remind / rectification.escalate {caseId}: delayed to the deadline's times;
// - rectification.escalate-sweep: hourly safety net for cases past due whose job went missing.
import { sql } from "drizzle-orm";
import { rowsOf } from "../db/client.js";
import { defineJob, PermanentJobError, type JobDefinition } from "../jobs/index.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import type { WarningRaisedHandler } from "../monitoring/index.js";
import { escalateCase, overdueUnescalated, remindCase } from "./deadlines.js";
import { checkDeliveries } from "./delivery.js";
import { linkDeps, type NoticesDeps } from "./deps.js";
import { factsFromWarning } from "./facts.js";
import { issueNotice } from "./issue.js";
import { DELIVERY_CHECK_JOB, ESCALATE_JOB, ESCALATE_SWEEP_JOB, REMIND_JOB } from "./job-names.js";

const DAY = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ESCALATE_SWEEP_SCHEDULE: ScheduleSpec = { name: "rectification-escalate-hourly", job: ESCALATE_SWEEP_JOB, everyMs: 3_600_000 };

const idPayload = <K extends string>(key: K, job: string) => (payload: unknown): Record<K, string> => {
  const v = (payload as Record<string, unknown> | null)?.[key];
  if (typeof v !== "string" || !UUID.test(v)) throw new PermanentJobError(`${job} needs {${key}: uuid}`);
  return { [key]: v } as Record<K, string>;
};

type Deps = Pick<NoticesDeps, "db" | "clock" | "publish" | "enqueueMany" | "kick" | "options" | "signer" | "issuer" | "logger">;

interface WarningRow extends Record<string, unknown> {
  id: string;
  entity_id: string;
  rule_key: string;
  status: string;
  first_hit_at: Date | string;
  last_hit_at: Date | string;
  hit_count: number;
  evidence: Record<string, unknown> | string;
  name_zh: string | null;
  due_days: number | string | null;
  template: string | null;
}

/** warning.raised: a warn_and_notice warning still open gets its notice (never a second). */
export function issueFromWarning(deps: Deps): WarningRaisedHandler {
  return async (payload) => {
    if (payload.action !== "warn_and_notice") return;
    const issued = await deps.db.transaction(async (tx) => {
      const [w] = rowsOf<WarningRow>(
        await tx.execute(sql`
          select w.id, w.entity_id, w.rule_key, w.status, w.first_hit_at, w.last_hit_at, w.hit_count, w.evidence,
                 r.definition->>'nameZh' as name_zh, r.definition->>'noticeDueDays' as due_days, r.definition->>'noticeTemplate' as template
          from warning w join monitoring_rule r on r.id = w.rule_id
          where w.id = ${payload.warningId}::uuid`),
      );
      // Closed or expired before the job ran: nothing left to rectify.
      if (!w || w.status !== "open") return null;
      const evidence = typeof w.evidence === "string" ? (JSON.parse(w.evidence) as Record<string, unknown>) : w.evidence;
      const dueDays = w.due_days === null ? deps.options.defaultDueDays : Number(w.due_days);
      return issueNotice(tx, { ...deps, link: linkDeps(deps) }, {
        entityId: w.entity_id,
        source: "warning",
        warningId: w.id,
        ruleKey: w.rule_key,
        templateKey: w.template,
        facts: factsFromWarning({
          ruleNameZh: w.name_zh,
          ruleKey: w.rule_key,
          firstHitAt: new Date(w.first_hit_at),
          lastHitAt: new Date(w.last_hit_at),
          hitCount: Number(w.hit_count),
          evidence,
        }),
        dueAt: new Date(deps.clock.now().getTime() + dueDays * DAY),
        issuedBy: "system:monitoring",
      });
    });
    if (issued) {
      deps.logger.info({ noticeId: issued.noticeId, warningId: payload.warningId }, "notice issued from warning");
      deps.kick();
    }
  };
}

export function noticeJobs(deps: Deps): JobDefinition<never>[] {
  const caseDeps = { clock: deps.clock, publish: deps.publish, enqueueMany: deps.enqueueMany };
  const jobs = [
    defineJob<{ noticeId: string }>({
      name: DELIVERY_CHECK_JOB,
      parse: idPayload("noticeId", DELIVERY_CHECK_JOB),
      async handle({ noticeId }) {
        await deps.db.transaction((tx) => checkDeliveries(tx, { ...caseDeps, options: deps.options, link: linkDeps(deps) }, noticeId));
        deps.kick();
      },
    }),
    defineJob<{ caseId: string }>({
      name: REMIND_JOB,
      parse: idPayload("caseId", REMIND_JOB),
      async handle({ caseId }) {
        if (await deps.db.transaction((tx) => remindCase(tx, caseDeps, caseId))) deps.kick();
      },
    }),
    defineJob<{ caseId: string }>({
      name: ESCALATE_JOB,
      parse: idPayload("caseId", ESCALATE_JOB),
      async handle({ caseId }) {
        if (await deps.db.transaction((tx) => escalateCase(tx, caseDeps, caseId))) deps.kick();
      },
    }),
    defineJob<Record<string, never>>({
      name: ESCALATE_SWEEP_JOB,
      maxAttempts: 3,
      parse: () => ({}),
      async handle() {
        // Bounded batches; each case in its own transaction so one bad case cannot hold the rest.
        let escalated = 0;
        for (;;) {
          const ids = await overdueUnescalated(deps.db.orm, deps.clock.now(), 200);
          let moved = 0;
          for (const caseId of ids) if (await deps.db.transaction((tx) => escalateCase(tx, caseDeps, caseId))) moved++;
          escalated += moved;
          if (ids.length < 200 || moved === 0) break;
        }
        if (escalated > 0) {
          deps.logger.info({ escalated }, "escalation sweep escalated overdue cases");
          deps.kick();
        }
      },
    }),
  ];
  return jobs as unknown as JobDefinition<never>[];
}
