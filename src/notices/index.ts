// The notices module (行政提示与整改): notices issued from warnings or by officers, rendered from
// versioned templates (templates, facts, issue); their delivery through platforms with
// receipts and re-sends (messages, delivery); the merchant link (link, merchant-auth,
// merchant-handlers); rectification cases and their deadlines (cases, deadlines, jobs); the
// regulator's work and figures (regulator-handlers).
//
// Monitoring's warning.raised job calls `onWarningRaised`; the sandbox fence asks
// `overdueRectifications` how many escalated cases an entity has open.
import { sql } from "drizzle-orm";
import { idList } from "../db/id-list.js";
import { rowsOf, type Executor } from "../db/client.js";
import type { Handlers, Authenticator } from "../http/router.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import type { WarningRaisedHandler } from "../monitoring/index.js";
import { linkDeps, type NoticesDeps } from "./deps.js";
import { ESCALATE_SWEEP_SCHEDULE, issueFromWarning, noticeJobs } from "./jobs.js";
import { merchantLinkAuthenticator } from "./merchant-auth.js";
import { merchantHandlers } from "./merchant-handlers.js";
import { platformHandlers } from "./platform-handlers.js";
import { regulatorHandlers } from "./regulator-handlers.js";
import { seedBuiltInTemplates } from "./templates.js";

export type { NoticesDeps } from "./deps.js";
export { DEFAULT_NOTICE_OPTIONS, EVIDENCE_LIMITS, type NoticeOptions } from "./options.js";
export { issueNotice, type IssueInput, type Issued } from "./issue.js";
export { DELIVERY_CHECK_JOB, ESCALATE_JOB, ESCALATE_SWEEP_JOB, REMIND_JOB } from "./job-names.js";

export const NOTICE_SCHEDULES: readonly ScheduleSpec[] = [ESCALATE_SWEEP_SCHEDULE];

export interface NoticesModule {
  handlers: Handlers;
  authenticators: Record<"merchantLink", Authenticator>;
  register(registry: JobRegistry): void;
  /** Seeds the built-in templates whose key is absent; before serving. */
  start(): Promise<void>;
  /** monitoring's warning.raised handler. */
  onWarningRaised: WarningRaisedHandler;
  /** For the sandbox fence: escalated cases not (yet) accepted, per entity. */
  overdueRectifications(tx: Executor, entityIds: readonly string[]): Promise<Map<string, number>>;
}

export function createNotices(deps: NoticesDeps): NoticesModule {
  return {
    handlers: { ...platformHandlers(deps), ...merchantHandlers(deps), ...regulatorHandlers(deps) },
    authenticators: { merchantLink: merchantLinkAuthenticator({ ...linkDeps(deps), db: deps.db }) },
    register: (registry) => {
      for (const job of noticeJobs(deps)) registry.define(job);
    },
    start: () => deps.db.transaction((tx) => seedBuiltInTemplates(tx, deps.clock)),
    onWarningRaised: issueFromWarning(deps),
    async overdueRectifications(tx, entityIds) {
      if (entityIds.length === 0) return new Map();
      const rows = rowsOf<{ entity_id: string; n: number | string }>(
        await tx.execute(sql`
          select entity_id, count(*) as n from rectification_case
          where entity_id in ${idList(entityIds)}
            and escalated_at is not null and status <> 'accepted'
          group by entity_id`),
      );
      return new Map(rows.map((r) => [r.entity_id, Number(r.n)]));
    },
  };
}
