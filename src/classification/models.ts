// The model store's primitives the pipeline needs: the active model (compiled once, cached by
// version), seeding the expert default, storing and activating models. The lifecycle verbs
// (train/compare/activate/rollback, lifecycle*.ts) call storeModel/activateModel in their own
// audited transactions.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import { compileModel, expertDefaultModel, validateModel, type CompiledModel, type ModelArtifact } from "../scoring/index.js";
import type { ActiveModel } from "./contracts.js";

export interface CompiledActiveModel extends ActiveModel {
  compiled: CompiledModel;
}

export type ModelSource = "expert" | "trained";

/** Compiled artifacts by version (content-derived, so one version is one artifact everywhere). */
const compiledByVersion = new Map<string, CompiledActiveModel>();
const MAX_CACHED_MODELS = 4;

/** Forget the compiled models (tests). */
export function invalidateActiveModel(): void {
  compiledByVersion.clear();
}

/**
 * The active model, compiled. Each call reads only the active VERSION (one row through the
 * partial unique index, well under a millisecond), so an activation in any process is seen by
 * the next classification; the artifact is loaded and compiled once per version and cached.
 * `fresh` is accepted for callers that want to say so; every call is fresh.
 */
export async function getActiveModel(on: Executor, _opts: { fresh?: boolean } = {}): Promise<CompiledActiveModel> {
  const [row] = rowsOf<{ version: string }>(await on.execute(sql`select version from model where status = 'active'`));
  if (!row) throw new Error("no active model: classification.start() seeds the expert default");
  const model = await getModelByVersion(on, row.version);
  if (!model) throw new Error(`active model ${row.version} has no artifact`);
  return model;
}

/** Any stored model, compiled (history rows name the version that scored them); cached. */
export async function getModelByVersion(on: Executor, version: string): Promise<CompiledActiveModel | undefined> {
  const hit = compiledByVersion.get(version);
  if (hit) return hit;
  const [full] = rowsOf<{ artifact: unknown }>(await on.execute(sql`select artifact from model where version = ${version}`));
  if (!full) return undefined;
  const artifact = validateModel(typeof full.artifact === "string" ? JSON.parse(full.artifact) : full.artifact);
  const model: CompiledActiveModel = { version, artifact, compiled: compileModel(artifact) };
  if (compiledByVersion.size >= MAX_CACHED_MODELS) compiledByVersion.delete(compiledByVersion.keys().next().value!);
  compiledByVersion.set(version, model);
  return model;
}

/** Stores a model as a candidate (or as given); a model already stored is left as it is. */
export async function storeModel(
  on: Executor,
  input: { artifact: ModelArtifact; source: ModelSource; metrics?: Record<string, unknown>; trainedAt?: Date; now: Date },
): Promise<{ version: string; created: boolean }> {
  const a = input.artifact;
  const rows = rowsOf<{ version: string }>(
    await on.execute(sql`
      insert into model (version, source, status, artifact, metrics, trained_at, created_at)
      values (${a.version}, ${input.source}, 'candidate', ${JSON.stringify(a)}::jsonb,
              ${input.metrics ? JSON.stringify(input.metrics) : null}::jsonb, ${input.trainedAt?.toISOString() ?? null}::timestamptz,
              ${input.now.toISOString()}::timestamptz)
      on conflict (version) do nothing
      returning version`),
  );
  return { version: a.version, created: rows.length > 0 };
}

/**
 * Makes `version` the active model in the caller's transaction: the previous active one is
 * retired first (the partial unique index allows one active row). Returns the version that was
 * active before (null if none). Audit and authorisation belong to the calling verb.
 */
export async function activateModel(tx: Executor, version: string, by: { actor: string; now: Date }): Promise<{ previous: string | null }> {
  // Lock the current active row so two activations serialise instead of tripping the index.
  const prev = rowsOf<{ version: string }>(await tx.execute(sql`select version from model where status = 'active' for update`));
  const previous = prev[0]?.version ?? null;
  if (previous === version) return { previous };
  const target = rowsOf<{ version: string }>(await tx.execute(sql`select version from model where version = ${version} for update`));
  if (target.length === 0) throw new Error(`no model ${version}`);
  if (previous !== null) await tx.execute(sql`update model set status = 'retired' where version = ${previous}`);
  await tx.execute(sql`
    update model set status = 'active', activated_at = ${by.now.toISOString()}::timestamptz, activated_by = ${by.actor}
    where version = ${version}`);
  return { previous };
}

/**
 * Seeds the expert default model as active when the store is empty. Race-safe: several
 * processes starting at once all insert with ON CONFLICT DO NOTHING (primary key on version,
 * partial unique index on the active row); exactly one row results.
 */
export async function seedExpertModel(on: Executor, now: Date): Promise<void> {
  const existing = rowsOf<{ n: number }>(await on.execute(sql`select count(*)::int as n from model`));
  if ((existing[0]?.n ?? 0) > 0) return;
  const a = expertDefaultModel();
  await on.execute(sql`
    insert into model (version, source, status, artifact, created_at, activated_at, activated_by)
    values (${a.version}, 'expert', 'active', ${JSON.stringify(a)}::jsonb, ${now.toISOString()}::timestamptz,
            ${now.toISOString()}::timestamptz, 'system')
    on conflict do nothing`);
}
