// classifyEntities: features (one SQL statement, or a run's staged rows) -> scoreEntity with the
// active model -> one history insert (feature states, not spelled-out contributions) -> one
// entity update -> classification.changed for the entities whose class changed -> monitoring
// and the sandbox fence (afterClassify), all in the caller's transaction. No statement per entity.
//
// A first classification (no class before) counts as a change and is published with
// from: null: a platform selling for the entity has no class to show until then, and the
// feed is how it learns classes (the entity status endpoint answers on demand only).
//
// How long an entity has held its class (class_since) matters to the sandbox fence. An entity
// whose class so far was none, or only provisional ("B until more is known"), often brings
// years of history at once (a city connecting its existing merchants: records first, history
// after): its first class from evidence counts as held since `heldLookbackDays` ago when the
// same model, over the history as it stood then (the entity registered as now), gave the same
// class — so the first full run can admit the merchants whose record earns it.
//
// The entity's operating_since (where its time in business counts from) is written with its
// class: the fence's minimum history reads it.
import { sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { rowsOf, type Executor } from "../db/client.js";
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import { fastUuidv7 } from "../exchange/ids.js";
import { explainScore, scoreEntity, type CompiledModel, type IndicatorRow, type ScoreResult } from "../scoring/index.js";
import type { AfterClassify, ClassifyEntities, ClassifyOutcome, ComputeFeatures, RiskClass } from "./contracts.js";
import { computeFeatures as defaultComputeFeatures, OPERATING_SINCE_MS } from "./features.js";
import { getActiveModel } from "./models.js";
import { DAY_MS } from "../db/time.js";

export interface ClassifyDeps {
  clock: Clock;
  publishToEntityPlatforms: PublishToEntityPlatforms;
  computeFeatures?: ComputeFeatures;
  /** Monitoring and the sandbox fence, in the classifying transaction (contracts.ts). */
  afterClassify?: AfterClassify;
  /** Days a first class is checked back over the history (the fence's minimum time in class); 0 or absent: not checked. */
  heldLookbackDays?: (on: Executor) => Promise<number>;
}


const CLASS_ORDER: Record<RiskClass, number> = { A: 0, B: 1, C: 2, D: 3 };

export interface LockedEntity {
  id: string;
  risk_class: RiskClass | null;
  class_override: string | null;
  classified_at: Date | string | null;
  model_version: string | null;
}

/**
 * Locks entity rows FOR NO KEY UPDATE in uuid order (the order every other lock of entity rows
 * takes, so two classifiers cannot deadlock) and returns what classification reads of them.
 */
export async function lockEntities(on: Executor, entityIds: readonly string[]): Promise<LockedEntity[]> {
  return rowsOf<LockedEntity>(
    await on.execute(sql`
      select id::text as id, risk_class, class_override, classified_at, model_version from entity
      where id in (select (jsonb_array_elements_text(${JSON.stringify(entityIds)}::jsonb))::uuid)
      order by entity.id for no key update`),
  );
}

/** Did the class get worse? A first class counts as worse than none (unknown). */
export function worsened(from: RiskClass | null, to: RiskClass): boolean {
  return from === null || CLASS_ORDER[to] > CLASS_ORDER[from];
}

/** "YYYY-MM-01" of an instant, UTC. */
const monthOf = (d: Date) => `${d.toISOString().slice(0, 7)}-01`;

/** The history partition for a month must exist before rows land in it (idempotent, cheap). */
export async function ensureHistoryPartition(on: Executor, at: Date): Promise<void> {
  await on.execute(sql`select ensure_classification_partition(${monthOf(at)}::date)`);
}

export interface Transition {
  entityId: string;
  from: RiskClass | null;
  to: RiskClass;
  result: ScoreResult;
}

/** classifyEntities that also hands back the transitions (the rescore job propagates on them). */
export type ClassifyWithTransitions = (
  ...args: Parameters<ClassifyEntities>
) => Promise<ClassifyOutcome & { changes: Transition[] }>;

export function makeClassifyEntities(deps: ClassifyDeps): ClassifyWithTransitions {
  const computeFeatures = deps.computeFeatures ?? defaultComputeFeatures;
  return async (on, entityIds, options) => {
    const outcome: ClassifyOutcome & { changes: Transition[] } = {
      classified: 0, changed: 0, counts: { A: 0, B: 0, C: 0, D: 0 }, transitions: {}, changes: [],
    };
    if (entityIds.length === 0) return outcome;
    const asOf = options.asOf ?? deps.clock.now();
    const at = asOf.toISOString();
    // Lock the entities (in id order, so concurrent classifiers cannot deadlock): a rescore and
    // a run chunk classifying the same entity at once then see each other's class, and a change
    // is published once. NO KEY UPDATE (no key changes here): rows that merely reference the
    // entity (notices, addresses, warnings: their foreign-key checks take KEY SHARE) are written
    // meanwhile instead of queueing behind the classification.
    const locked = await lockEntities(on, entityIds);
    // A run's features are as of its start: an entity re-scored from newer events since then
    // keeps that newer class (the run would overwrite it with an older view).
    const current = options.trigger === "run" ? locked.filter((c) => c.classified_at === null || new Date(c.classified_at) <= asOf) : locked;
    if (current.length === 0) return outcome;
    const model = await getActiveModel(on);
    const features = await (options.computeFeatures ?? computeFeatures)(on, current.map((c) => c.id), asOf);
    const history: unknown[] = [];
    const updates: unknown[] = [];
    const messages: Parameters<PublishToEntityPlatforms>[1][number][] = [];
    /** Changes from one class to another (a first classification is no change): the class history per day. */
    const classChanges: Array<{ i: string; e: string; f: RiskClass; t: RiskClass }> = [];
    const scores = new Map<string, ScoreResult>();
    for (const { id } of current) {
      const row = features.get(id);
      if (row) scores.set(id, scoreEntity(model.compiled, row));
    }
    const heldSince = await evidenceClassesHeld(on, { ...deps, computeFeatures: options.computeFeatures ?? computeFeatures }, current, features, scores, model.compiled, asOf);
    for (const { id, risk_class: from } of current) {
      const row = features.get(id);
      const r = scores.get(id);
      if (!row || !r) continue;
      const to = r.class;
      outcome.classified++;
      outcome.counts[to]++;
      history.push({
        i: fastUuidv7(), e: id, p: r.p, l: r.loss, x: r.expectedLoss, c: to, o: r.override ?? null, lp: r.logitPrior, k: r.states,
      });
      const since = row[OPERATING_SINCE_MS];
      updates.push({
        e: id, c: to, p: r.p, l: r.loss, v: r.override ?? null,
        s: heldSince.get(id)?.toISOString() ?? null,
        o: typeof since === "number" ? new Date(since).toISOString() : null,
      });
      if (from !== to) {
        if (from !== null) classChanges.push({ i: fastUuidv7(), e: id, f: from, t: to });
        outcome.changed++;
        const key = `${from ?? "none"}->${to}`;
        outcome.transitions[key] = (outcome.transitions[key] ?? 0) + 1;
        outcome.changes.push({ entityId: id, from, to, result: r });
        messages.push({
          entityId: id,
          type: "classification.changed",
          data: {
            from, to, p: r.p, loss: r.loss, modelVersion: model.version, computedAt: at,
            reasons: explainScore(r, { top: 3 }).map((x) => x.indicator),
          },
        });
      }
    }
    if (history.length === 0) return outcome;
    await ensureHistoryPartition(on, asOf);
    await on.execute(sql`
      insert into classification (id, entity_id, model_version, p, loss, expected_loss, risk_class, override, logit_prior,
                                  states, computed_at, trigger, run_id)
      select i, e, ${model.version}, p, l, x, c, o, lp, k, ${at}::timestamptz, ${options.trigger}, ${options.runId ?? null}::uuid
      from jsonb_to_recordset(${JSON.stringify(history)}::jsonb)
        as r(i uuid, e uuid, p float8, l float8, x float8, c text, o text, lp float8, k smallint[])`);
    await on.execute(sql`
      update entity e set risk_class = r.c, probability = r.p, loss = r.l, model_version = ${model.version},
        classified_at = ${at}::timestamptz, operating_since = r.o, class_override = r.v,
        class_since = case when e.risk_class is distinct from r.c then coalesce(r.s, ${at}::timestamptz) else e.class_since end
      from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as r(e uuid, c text, p float8, l float8, v text, s timestamptz, o timestamptz)
      where e.id = r.e`);
    if (classChanges.length > 0) {
      await on.execute(sql`
        insert into class_change (id, entity_id, region_code, from_class, to_class, at)
        select r.i, r.e, e.region_code, r.f, r.t, ${at}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(classChanges)}::jsonb) as r(i uuid, e uuid, f text, t text)
        join entity e on e.id = r.e`);
    }
    if (messages.length > 0) await deps.publishToEntityPlatforms(on, messages);
    await deps.afterClassify?.(on, { entityIds: current.map((c) => c.id).filter((id) => features.has(id)), asOf, trigger: options.trigger, indicators: features });
    return outcome;
  };
}

/** A class that tells nothing yet about how long the evidence has stood: none, or B for too little data. */
const provisional = (c: { risk_class: RiskClass | null; class_override: string | null }) =>
  c.risk_class === null || c.class_override === "insufficient_data";
/** provisional() of `entity e`, in SQL. */
export const PROVISIONAL_CLASS_SQL = sql`(e.risk_class is null or e.class_override = 'insufficient_data')`;

/**
 * For entities whose class so far was provisional and now changes: since when the new class
 * counts as held. Those old enough are scored again over their history as of `lookback` days
 * ago (one more features statement for all of them); where the class then was the same, it has
 * been held since then. Other entities keep the usual rule (a class holds from when it changed).
 */
async function evidenceClassesHeld(
  on: Executor,
  deps: ClassifyDeps,
  current: ReadonlyArray<{ id: string; risk_class: RiskClass | null; class_override: string | null }>,
  features: ReadonlyMap<string, IndicatorRow>,
  scores: ReadonlyMap<string, ScoreResult>,
  model: CompiledModel,
  asOf: Date,
): Promise<Map<string, Date>> {
  const held = new Map<string, Date>();
  if (!deps.heldLookbackDays) return held;
  // Candidates first: most calls (re-scores of entities classified before) read no policy at all.
  const candidates = current.filter((c) => {
    const now = scores.get(c.id);
    return provisional(c) && now !== undefined && now.class !== c.risk_class;
  });
  if (candidates.length === 0) return held;
  const lookback = await deps.heldLookbackDays(on);
  if (!(lookback > 0)) return held;
  const ids = candidates.filter((c) => {
    const age = features.get(c.id)?.entity_age_days;
    return typeof age === "number" && age >= lookback;
  }).map((c) => c.id);
  if (ids.length === 0) return held;
  const then = new Date(asOf.getTime() - lookback * DAY_MS);
  // A run answers this from the check-back it staged, when it staged one (runs-stage.ts).
  const past = await (deps.computeFeatures ?? defaultComputeFeatures)(on, ids, then, { registeredAsOf: asOf });
  for (const id of ids) {
    const row = past.get(id);
    if (row && scoreEntity(model, row).class === scores.get(id)!.class) held.set(id, then);
  }
  return held;
}
