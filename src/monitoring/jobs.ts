// The monitoring module's jobs:
// - warning.raised {warningId, action}: enqueued in the transaction that raised a warning whose
//   action is not "record". THE SEAM for the notice issue: createMonitoring takes
//   `onWarningRaised`, and the notices module passes its handler there (issuing the notice
//   for warn_and_notice, a reminder for remind, ...). The default handler only checks the
//   payload and logs: it changes nothing, so a job that ran before notices existed was harmless
//   (it is done, and the notices module can find such warnings by their action and status).
// - monitoring.expire-warnings {}: the daily schedule's job; closes open warnings as expired
//   when last_hit_at + window length < now (one statement).
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { defineJob, PermanentJobError, type JobContext, type JobDefinition } from "../jobs/index.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import type { AppliedAction } from "./rule-language.js";
import { expireWarnings } from "./warnings-store.js";

export const WARNING_RAISED_JOB = "warning.raised";
export const EXPIRE_WARNINGS_JOB = "monitoring.expire-warnings";

export const EXPIRE_WARNINGS_SCHEDULE: ScheduleSpec = { name: "warnings-expire-daily", job: EXPIRE_WARNINGS_JOB, everyMs: 86_400_000, at: "01:30" };

export interface WarningRaisedPayload {
  warningId: string;
  action: Exclude<AppliedAction, "record">;
}

/** What happens when a warning is raised; the notices module supplies the real one. */
export type WarningRaisedHandler = (payload: WarningRaisedPayload, ctx: JobContext) => Promise<void>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTIONS: ReadonlySet<string> = new Set(["remind", "warn", "warn_and_notice"]);

export function parseWarningRaised(payload: unknown): WarningRaisedPayload {
  const p = payload as Partial<WarningRaisedPayload> | null;
  if (typeof p?.warningId !== "string" || !UUID.test(p.warningId)) throw new PermanentJobError("warning.raised needs {warningId: uuid}");
  if (typeof p.action !== "string" || !ACTIONS.has(p.action)) throw new PermanentJobError("warning.raised needs action remind | warn | warn_and_notice");
  return { warningId: p.warningId, action: p.action };
}

/** The default handler until the notices module replaces it: log only. */
export const logWarningRaised = (logger: Pick<Logger, "info">): WarningRaisedHandler => async (payload) => {
  logger.info({ warningId: payload.warningId, action: payload.action }, "warning raised (no notice handler installed)");
};

export function warningRaisedJob(handle: WarningRaisedHandler): JobDefinition<WarningRaisedPayload> {
  return defineJob<WarningRaisedPayload>({ name: WARNING_RAISED_JOB, parse: parseWarningRaised, handle });
}

export function expireWarningsJob(deps: { db: Database; clock: Clock; logger?: Pick<Logger, "info"> }): JobDefinition<Record<string, never>> {
  return defineJob<Record<string, never>>({
    name: EXPIRE_WARNINGS_JOB,
    maxAttempts: 3,
    backoffMs: 60_000,
    parse: () => ({}),
    async handle() {
      const n = await expireWarnings(deps.db.orm, deps.clock.now());
      if (n > 0) deps.logger?.info({ expired: n }, "warnings expired");
    },
  });
}
