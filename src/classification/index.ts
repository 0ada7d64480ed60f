// The classification module: features from the exchanged data, scoring with the active model,
// history and classification.changed (classify, features, models, rescore-job), the
// relationship graph (relationships*), full runs, the model lifecycle and the regulator API
// (runs*, lifecycle*, regulator-handlers).
import type { Handlers } from "../http/router.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import type { ServiceDeps } from "../services.js";
import type { AfterClassify, RelationshipReaders } from "./contracts.js";
// The pipeline:
import { ensureHistoryPartition, makeClassifyEntities, type ClassifyDeps } from "./classify.js";
import { computeFeatures } from "./features.js";
import { seedExpertModel } from "./models.js";
import { classificationRescoreJob, refreshLinksAndRescorePartners, type RescoreJobDeps } from "./rescore-job.js";
// The relationship graph:
import { relatedEntityIds } from "./relationships.js";
import { makeRecheckRelationships } from "./relationships-recheck.js";
// Runs, lifecycle, regulator API:
import { regulatorHandlers } from "./regulator-handlers.js";
import { DAILY_RUN_SCHEDULE, registerRunJobs } from "./runs-job.js";
import { createClassificationOps, type ClassificationOps } from "./lifecycle-ops.js";

export { makeClassifyEntities, worsened, type ClassifyWithTransitions, type Transition } from "./classify.js";
export { computeFeatures } from "./features.js";
export { getActiveModel, activateModel, storeModel, seedExpertModel, invalidateActiveModel } from "./models.js";

export interface ClassificationModule {
  handlers: Handlers;
  register(registry: JobRegistry): void;
  /** Seeds the expert default model when no model exists; before serving. */
  start(): Promise<void>;
  /** Full runs and the model lifecycle for the operator CLI (direct or via the admin socket). */
  ops: ClassificationOps;
}

/** Recurring classification work (the daily full run). */
export const CLASSIFICATION_SCHEDULES: readonly ScheduleSpec[] = [DAILY_RUN_SCHEDULE];

const MONTH_MS = 31 * 86_400_000;

export function createClassification(
  deps: ServiceDeps &
    Pick<ClassifyDeps, "publishToEntityPlatforms" | "afterClassify" | "heldLookbackDays"> &
    Pick<RescoreJobDeps, "coalesceMs"> & {
      /** Who reads relationship indicators besides the model (absent: every such request is classified). */
      relationshipReaders?: RelationshipReaders;
    },
): ClassificationModule {
  const classify = makeClassifyEntities({
    clock: deps.clock,
    publishToEntityPlatforms: deps.publishToEntityPlatforms,
    computeFeatures,
    afterClassify: deps.afterClassify,
    heldLookbackDays: deps.heldLookbackDays,
  });
  return {
    handlers: {
      ...regulatorHandlers(deps),
    },
    register: (registry) => {
      // Rescoring an entity whose record changed refreshes its links before its features (events
      // change no link; full runs read the graph as it is).
      const recheckRelationships = deps.relationshipReaders ? makeRecheckRelationships(deps.relationshipReaders) : undefined;
      registry.define(classificationRescoreJob({ ...deps, classify, refreshLinks: refreshLinksAndRescorePartners(deps), relatedEntityIds, recheckRelationships }));
      registerRunJobs(registry, { ...deps, classify });
    },
    start: async () => {
      const now = deps.clock.now();
      await seedExpertModel(deps.db.orm, now);
      // This month's and next month's history partitions, outside any classifying transaction
      // (classify still ensures its month itself, in case the process outlives them).
      await ensureHistoryPartition(deps.db.orm, now);
      await ensureHistoryPartition(deps.db.orm, new Date(now.getTime() + MONTH_MS));
    },
    ops: createClassificationOps({ ...deps, classify, computeFeatures }),
  };
}
