// The monitoring module: warning rules as data (rule-language, built-in-rules, rules-store),
// set-based evaluation over a list of entities (evaluate, metrics-sql), the warning library
// (warnings-store, warnings-verbs), the regulator API (handlers, rules-verbs) and its jobs
// (warning.raised — the notice issue's seam — and the daily expiry).
//
// Classification calls `evaluate(tx, {entityIds, asOf, trigger, indicators})` inside the
// transaction that classified the entities, after the entity update.
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import { computeFeatures } from "../classification/features.js";
import type { Handlers } from "../http/router.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import type { ServiceDeps } from "../services.js";
import type { ComputeFeatures } from "../classification/contracts.js";
import { makeEvaluate, type Evaluate } from "./evaluate.js";
import { EXPIRE_WARNINGS_SCHEDULE, expireWarningsJob, logWarningRaised, warningRaisedJob, type WarningRaisedHandler } from "./jobs.js";
import { seedBuiltInRules } from "./rules-store.js";
import { closeWarnings, type CloseBy } from "./warnings-store.js";
import type { Executor } from "../db/client.js";
import { monitoringHandlers } from "./handlers.js";
import { rulesReadChange, type RulesReadChange } from "./indicator-change.js";

export { closeWarnings, expireWarnings, type CloseBy } from "./warnings-store.js";
export { warningsOfEntity, type WarningView } from "./warnings-verbs.js";
export { validateRule, evaluateCondition, type RuleDefinition, type Condition, type Metric, type AppliedAction } from "./rule-language.js";
export { BUILT_IN_RULES } from "./built-in-rules.js";
export {
  WARNING_RAISED_JOB, EXPIRE_WARNINGS_JOB, parseWarningRaised, type WarningRaisedPayload, type WarningRaisedHandler,
} from "./jobs.js";
export type { Evaluate, EvaluateInput, EvaluateOutcome } from "./evaluate.js";

/** Recurring monitoring work (the daily expiry of warnings). */
export const MONITORING_SCHEDULES: readonly ScheduleSpec[] = [EXPIRE_WARNINGS_SCHEDULE];

export interface MonitoringModule {
  handlers: Handlers;
  register(registry: JobRegistry): void;
  /** Seeds the built-in rules whose keys are absent; before serving. */
  start(): Promise<void>;
  /** Every enabled rule over these entities, in the caller's transaction (set-based). */
  evaluate: Evaluate;
  /**
   * Closes the open warnings among `ids` in the caller's transaction, at the clock's now (for
   * the notice issue: an accepted rectification closes its warning; the caller audits).
   * Returns the ids it closed; warnings already closed or expired are left as they are.
   */
  closeWarnings(tx: Executor, ids: readonly string[], close: CloseBy): Promise<string[]>;
  /** Would an enabled rule decide differently on new indicator values? (indicator-change.ts) */
  rulesReadChange: RulesReadChange;
}

export function createMonitoring(
  deps: ServiceDeps & {
    publishToEntityPlatforms: PublishToEntityPlatforms;
    /** The warning.raised handler: the notices module's; by default a log line only. */
    onWarningRaised?: WarningRaisedHandler;
    /** Indicators when classification does not pass them (default: classification's computeFeatures). */
    computeFeatures?: ComputeFeatures;
  },
): MonitoringModule {
  const features = deps.computeFeatures ?? computeFeatures;
  const evaluate = makeEvaluate({ clock: deps.clock, enqueueMany: deps.enqueueMany, computeFeatures: features });
  return {
    handlers: monitoringHandlers({ db: deps.db, clock: deps.clock, computeFeatures: features }),
    register: (registry) => {
      registry.define(warningRaisedJob(deps.onWarningRaised ?? logWarningRaised(deps.logger.child({ component: "monitoring" }))));
      registry.define(expireWarningsJob({ db: deps.db, clock: deps.clock, logger: deps.logger }));
    },
    start: async () => {
      await deps.db.transaction((tx) => seedBuiltInRules(tx, deps.clock));
    },
    evaluate,
    closeWarnings: (tx, ids, close) => closeWarnings(tx, ids, { ...close, at: deps.clock.now() }),
    rulesReadChange,
  };
}
