// PLACEHOLDER (issue 5): replaced by the real classification module.
import { AppError } from "../http/errors.js";
import type { Handlers } from "../http/router.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import type { ServiceDeps } from "../services.js";
// H3 (runs, lifecycle, regulator API):
import { regulatorHandlers } from "./regulator-handlers.js";
import { DAILY_RUN_SCHEDULE, registerRunJobs } from "./runs-job.js";
import type { ClassifyEntities } from "./contracts.js";

export interface ClassificationModule {
  handlers: Handlers;
  register(registry: JobRegistry): void;
  /** Seeds the expert default model when no model exists; before serving. */
  start(): Promise<void>;
}

/** Recurring classification work (the daily full run). */
export const CLASSIFICATION_SCHEDULES: readonly ScheduleSpec[] = [DAILY_RUN_SCHEDULE];

const todo = () => {
  throw new AppError("INTERNAL", "not implemented yet");
};
void todo;
/** H3 placeholder until classify.ts lands (H1 replaces it with classifyEntities). */
const classifyTodo: ClassifyEntities = async () => {
  throw new Error("classifyEntities is not wired yet");
};

export function createClassification(
  _deps: ServiceDeps & { publishToEntityPlatforms: PublishToEntityPlatforms },
): ClassificationModule {
  return {
    handlers: {
      ...regulatorHandlers(_deps),
    },
    register: (registry) => {
      registerRunJobs(registry, { ..._deps, classify: classifyTodo });
    },
    start: async () => {},
  };
}
