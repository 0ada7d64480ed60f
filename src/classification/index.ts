// PLACEHOLDER (issue 5): replaced by the real classification module.
import { AppError } from "../http/errors.js";
import type { Handlers } from "../http/router.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import type { ServiceDeps } from "../services.js";

export interface ClassificationModule {
  handlers: Handlers;
  register(registry: JobRegistry): void;
  /** Seeds the expert default model when no model exists; before serving. */
  start(): Promise<void>;
}

/** Recurring classification work (the daily full run). */
export const CLASSIFICATION_SCHEDULES: readonly ScheduleSpec[] = [];

const todo = () => {
  throw new AppError("INTERNAL", "not implemented yet");
};

export function createClassification(
  _deps: ServiceDeps & { publishToEntityPlatforms: PublishToEntityPlatforms },
): ClassificationModule {
  return {
    handlers: {
      getClassDistribution: todo,
      listModels: todo,
      activateModel: todo,
      listReclassifications: todo,
      startReclassification: todo,
      getReclassification: todo,
    },
    register: () => {},
    start: async () => {},
  };
}
