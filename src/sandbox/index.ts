// The sandbox fence module: the versioned fence policy (policy.ts), the pure decision
// (decide.ts), set-based evaluation after re-scoring and in the daily run (facts.ts,
// evaluate.ts, apply.ts), officers' manual decisions and the regulator API (verbs.ts,
// queries.ts, handlers.ts).
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import type { Handlers } from "../http/router.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ServiceDeps } from "../services.js";
import { makeEvaluate, type Evaluate } from "./evaluate.js";
import type { OverdueRectifications } from "./facts.js";
import { sandboxHandlers } from "./handlers.js";
import { seedDefaultPolicy } from "./policy.js";

export { decideFence, removalTriggers, type FenceDecision, type FenceFacts, type Membership } from "./decide.js";
export { DEFAULT_FENCE_POLICY, currentPolicy, validateFencePolicy, type FencePolicy } from "./policy.js";
export { sandboxOf } from "./queries.js";
export type { Evaluate, EvaluateInput, EvaluateOutcome } from "./evaluate.js";
export type { OverdueRectifications } from "./facts.js";

export interface SandboxModule {
  handlers: Handlers;
  register(registry: JobRegistry): void;
  /** Seeds the default policy as version 1 when none exists; before serving. */
  start(): Promise<void>;
  /**
   * The fence for these entities, in the caller's transaction (the classify hook, the daily run,
   * tests). Set-based; idempotent. Kick the job runner after the commit when it changed anything.
   */
  evaluate: Evaluate;
}

export function createSandbox(
  deps: ServiceDeps & { publishToEntityPlatforms: PublishToEntityPlatforms; overdueRectifications?: OverdueRectifications },
): SandboxModule {
  const evaluate = makeEvaluate({ publishToEntityPlatforms: deps.publishToEntityPlatforms, overdueRectifications: deps.overdueRectifications });
  return {
    handlers: sandboxHandlers({
      db: deps.db,
      clock: deps.clock,
      kick: deps.kick,
      publishToEntityPlatforms: deps.publishToEntityPlatforms,
      overdueRectifications: deps.overdueRectifications,
    }),
    // No jobs of its own: evaluation runs inside classification's transactions.
    register: () => {},
    start: async () => {
      await seedDefaultPolicy(deps.db.orm, deps.clock.now());
    },
    evaluate,
  };
}
