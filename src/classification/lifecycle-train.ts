// Training and comparing models on the gateway's own history, with an honest time split:
//   train:   features as of (cut - horizon), label = a violation_confirmed in [cut - horizon, cut)
//   holdout: features as of cut,             label = a violation_confirmed in [cut, cut + horizon)
// so no training label peeks into the holdout period. A violation is a platform's
// violation_confirmed event or a double-random inspection that found one (inspection_result,
// src/inspections): the regulator's own findings are labels, not features (they reach the
// features only when the violation is also reported as an event). Features come from computeFeatures (the
// same SQL that classifies), over every entity in keyset chunks; only the indicator table is
// held in memory (columnar after tableFromRows), never events.
import type { Actor } from "../auth/actor.js";
import { authorize, cityWide, regulator } from "../auth/authorize.js";
import { sql, type SQL } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { AppError } from "../http/errors.js";
import {
  evaluateModel,
  INDICATORS,
  tableFromRows,
  trainModel,
  validateModel,
  type DataTable,
  type IndicatorRow,
  type Metrics,
  type ModelArtifact,
} from "../scoring/index.js";
import type { ComputeFeatures } from "./contracts.js";
import { getActiveModel, storeModel } from "./models.js";
import { DAY_MS } from "../db/time.js";
import { countedEvent } from "../exchange/entity-claims.js";

const CHUNK = 2000;
const COLUMNS = INDICATORS.map((i) => i.id);

export interface LabelledSet {
  table: DataTable;
  labels: Uint8Array;
  asOf: string;
  labelWindow: { from: string; to: string };
}

/** Features of every entity as of `asOf`, labelled by a confirmed violation in [asOf, asOf + horizon). */
export async function labelledSet(db: Database, computeFeatures: ComputeFeatures, asOf: Date, horizonDays: number): Promise<LabelledSet> {
  const to = new Date(asOf.getTime() + horizonDays * DAY_MS);
  const rows: IndicatorRow[] = [];
  const labels: number[] = [];
  let after: string | null = null;
  for (;;) {
    const cursor: SQL = after === null ? sql`true` : sql`id > ${after}::uuid`;
    const ids: string[] = (await db.rows<{ id: string }>(sql`select id from entity where ${cursor} order by id limit ${CHUNK}`)).map((r) => r.id);
    if (ids.length === 0) break;
    after = ids[ids.length - 1]!;
    const features = await computeFeatures(db.orm, ids, asOf);
    const positive = new Set(
      (
        await db.rows<{ entity_id: string }>(sql`
          select entity_id from event
          where kind = 'violation_confirmed' and ${countedEvent("event")}
            and occurred_at >= ${asOf.toISOString()}::timestamptz and occurred_at < ${to.toISOString()}::timestamptz
            and entity_id = any(${`{${ids.join(",")}}`}::uuid[])
          union
          select entity_id from inspection_result
          where finding = 'violation' and inspected_at >= ${asOf.toISOString()}::timestamptz and inspected_at < ${to.toISOString()}::timestamptz
            and entity_id = any(${`{${ids.join(",")}}`}::uuid[])`)
      ).map((r) => r.entity_id),
    );
    for (const id of ids) {
      const row = features.get(id);
      if (!row) continue;
      rows.push(row);
      labels.push(positive.has(id) ? 1 : 0);
    }
  }
  return { table: tableFromRows(rows, COLUMNS), labels: Uint8Array.from(labels), asOf: asOf.toISOString(), labelWindow: { from: asOf.toISOString(), to: to.toISOString() } };
}

/** The headline figures of a metrics object (the calibration table stays in the stored metrics). */
export function summary(m: Metrics) {
  return { n: m.n, positives: m.positives, baseRate: m.baseRate, auc: m.auc, ks: m.ks, brier: m.brier, brierBaseRate: m.brierBaseRate, classDistribution: m.classDistribution ?? null, violationRateByClass: m.violationRateByClass ?? null };
}

function parseCut(cut: string): Date {
  const t = Date.parse(cut);
  if (Number.isNaN(t)) throw new AppError("VALIDATION_FAILED", `--cut must be a date, got ${cut}`);
  return new Date(t);
}

export interface TrainDeps {
  db: Database;
  clock: Clock;
  computeFeatures: ComputeFeatures;
}

/** Trains on the period before the cut, evaluates on the period after it, stores a candidate. */
export async function trainCandidate(ctx: TrainDeps & { actor: Actor }, input: { cut: string; horizonDays?: number }) {
  // A candidate model is city-wide configuration in the making (it can be activated next).
  authorize(ctx.actor, cityWide("admin"));
  const deps = ctx;
  const cut = parseCut(input.cut);
  const horizonDays = input.horizonDays ?? 365;
  const train = await labelledSet(deps.db, deps.computeFeatures, new Date(cut.getTime() - horizonDays * DAY_MS), horizonDays);
  const holdout = await labelledSet(deps.db, deps.computeFeatures, cut, horizonDays);
  const now = deps.clock.now();
  let artifact: ModelArtifact;
  try {
    artifact = trainModel(train.table, train.labels, {
      trainedAt: now.toISOString(),
      description: `trained on the gateway's history: features as of ${train.asOf}, labels to ${input.cut}`,
      metadata: { cut: cut.toISOString(), horizonDays, source: "gateway" },
    });
  } catch (err) {
    throw new AppError("CONFLICT", `cannot train: ${err instanceof Error ? err.message : String(err)}`);
  }
  const holdoutMetrics = evaluateModel(artifact, holdout.table, holdout.labels);
  const metrics = {
    cut: cut.toISOString(),
    horizonDays,
    trainWindow: train.labelWindow,
    holdoutWindow: holdout.labelWindow,
    training: artifact.metrics.training,
    holdout: holdoutMetrics,
  };
  artifact = { ...artifact, metrics };
  const stored = await storeModel(deps.db.orm, { artifact, source: "trained", metrics, trainedAt: now, now });
  return { version: stored.version, created: stored.created, status: "candidate", train: { rows: train.table.n, positives: sum(train.labels) }, holdout: summary(holdoutMetrics) };
}

const sum = (a: Uint8Array) => a.reduce((s, x) => s + x, 0);

/** Candidate vs active on the candidate's holdout (same rows, same labels). */
export async function compareWithActive(ctx: TrainDeps & { actor: Actor }, input: { version: string }) {
  authorize(ctx.actor, regulator("viewer"));
  const deps = ctx;
  const [row] = await deps.db.rows<{ artifact: unknown; metrics: unknown }>(sql`select artifact, metrics from model where version = ${input.version}`);
  if (!row) throw new AppError("NOT_FOUND", `no model ${input.version}`);
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v) as Record<string, unknown> | null;
  const candidate = validateModel(json(row.artifact));
  const metrics = json(row.metrics);
  const cut = typeof metrics?.cut === "string" ? metrics.cut : undefined;
  if (!cut) throw new AppError("CONFLICT", `model ${input.version} has no holdout (not trained by model train)`);
  const horizonDays = typeof metrics?.horizonDays === "number" ? metrics.horizonDays : 365;
  const active = await getActiveModel(deps.db.orm, { fresh: true });
  const holdout = await labelledSet(deps.db, deps.computeFeatures, new Date(cut), horizonDays);
  const c = evaluateModel(candidate, holdout.table, holdout.labels);
  const a = evaluateModel(active.artifact, holdout.table, holdout.labels);
  return {
    holdout: { asOf: holdout.asOf, labelWindow: holdout.labelWindow, rows: holdout.table.n, positives: sum(holdout.labels) },
    candidate: { version: candidate.version, ...summary(c) },
    active: { version: active.version, ...summary(a) },
    better: { auc: c.auc > a.auc, brier: c.brier < a.brier, ks: c.ks > a.ks },
  };
}
