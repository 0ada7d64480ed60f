// Model lifecycle verbs: list, activate (admin, audited), roll back. Activation never touches
// entity classes itself: it switches the active model and starts a recorded full run in the
// same transaction, and classes change as that run's chunks commit (each history row carries
// the new version and the run id).
import { authorize, cityWide, regulator } from "../auth/authorize.js";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import type { Clock } from "../clock.js";
import { rowsOf, type Database, isoTimeOrNull as iso } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import type { Enqueue } from "../jobs/index.js";
import { activateModel as activateModelRow } from "./models.js";
import { startRun } from "./runs-job.js";
import { runToApi, type ReclassificationRun } from "./runs-store.js";

type ModelSummary = components["schemas"]["ModelSummary"];

export interface LifecycleContext {
  db: Database;
  clock: Clock;
  enqueue: Enqueue;
  kick: () => void;
  actor: Actor;
}


interface ModelRow extends Record<string, unknown> {
  version: string;
  source: "expert" | "trained";
  status: "candidate" | "active" | "retired";
  metrics: Record<string, unknown> | string | null;
  trained_at: Date | string | null;
  created_at: Date | string;
  activated_at: Date | string | null;
}


function modelToApi(r: ModelRow): ModelSummary {
  return {
    version: r.version,
    source: r.source,
    status: r.status,
    createdAt: iso(r.created_at)!,
    trainedAt: iso(r.trained_at),
    activatedAt: iso(r.activated_at),
    metrics: (typeof r.metrics === "string" ? JSON.parse(r.metrics) : r.metrics) as ModelSummary["metrics"],
  };
}

const MODEL_COLUMNS = sql`version, source, status, metrics, trained_at, created_at, activated_at`;

export async function listModels(ctx: Pick<LifecycleContext, "db" | "actor">): Promise<ModelSummary[]> {
  authorize(ctx.actor, regulator("viewer"));
  const rows = await ctx.db.rows<ModelRow>(sql`select ${MODEL_COLUMNS} from model order by created_at desc, version`);
  return rows.map(modelToApi);
}

/**
 * Makes a stored model active and starts the full run that reclassifies every entity with it.
 * The model is gateway-wide, so the run covers all entities whoever activates it.
 */
export async function activateModelVerb(
  ctx: LifecycleContext,
  input: { version: string; reason: string; action?: "model.activate" | "model.rollback" },
): Promise<{ model: ModelSummary; run: ReclassificationRun; previous: string | null }> {
  // The active model classifies every entity: city-wide configuration.
  authorize(ctx.actor, cityWide("admin"));
  const actor = actorLabel(ctx.actor);
  const out = await ctx.db.transaction(async (tx) => {
    const [target] = rowsOf<ModelRow>(await tx.execute(sql`select ${MODEL_COLUMNS} from model where version = ${input.version} for update`));
    if (!target) throw new AppError("NOT_FOUND", `no model ${input.version}`);
    if (target.status === "active") throw new AppError("CONFLICT", `model ${input.version} is already active`);
    const now = ctx.clock.now();
    const { previous } = await activateModelRow(tx, input.version, { actor, now });
    const run = await startRun(ctx, tx, { scope: {}, actor, reason: input.reason, modelVersion: input.version });
    const [model] = rowsOf<ModelRow>(await tx.execute(sql`select ${MODEL_COLUMNS} from model where version = ${input.version}`));
    await appendAudit(tx, ctx.clock, {
      actor,
      action: input.action ?? "model.activate",
      subjectType: "model",
      subjectId: input.version,
      data: { reason: input.reason, previous, runId: run.id },
    });
    return { model: modelToApi(model!), run: runToApi(run), previous };
  });
  ctx.kick();
  return out;
}

/** Re-activates the model that was active before the current one; starts a run. */
export async function rollbackModel(ctx: LifecycleContext, input: { reason: string }) {
  // The active model classifies every entity: city-wide configuration.
  authorize(ctx.actor, cityWide("admin"));
  const [prev] = await ctx.db.rows<{ version: string }>(sql`
    select version from model where status = 'retired' and activated_at is not null
    order by activated_at desc, version limit 1`);
  if (!prev) throw new AppError("CONFLICT", "no previously active model to roll back to");
  return activateModelVerb(ctx, { version: prev.version, reason: input.reason, action: "model.rollback" });
}
