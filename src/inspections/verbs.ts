// Regulator verbs of double-random inspection draws (双随机、一公开): make a draw (officer, inside
// the caller's region; audited), read and list draws, verify one by re-drawing from its record,
// and record what an inspection found (officer, audited). A draw's population snapshot, seed,
// inputs and result are stored in the draw's one transaction and never changed afterwards.
import { randomBytes } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { appendAudit } from "../audit/index.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import { authorize, narrowed, regulator } from "../auth/authorize.js";
import type { Clock } from "../clock.js";
import { isoTime, type Database, type Executor } from "../db/client.js";
import { decodeKeyset, encodeKeyset, UUID_PATTERN } from "../db/keyset.js";
import { AppError } from "../http/errors.js";
import { compileConditions, ownedScreening, SCREENING_FROM, validConditions, type Condition } from "../screening/index.js";
import { assignInspectors, DRAW_CLASSES, resultDigest, sampleSize, selectMembers, type DrawResult, type Inspector, type Member } from "./draw.js";

export interface InspectionContext {
  db: Database;
  clock: Clock;
  actor: Actor;
}

/** A draw larger than this is refused: its result is one stored record, and one work plan. */
export const MAX_DRAWN = 20_000;
const CHUNK = 5000;

export interface DrawInput {
  name: string;
  region?: string | undefined;
  population: { screeningId?: string | undefined; conditions?: unknown };
  ratios: Partial<Record<(typeof DRAW_CLASSES)[number], number>>;
  inspectors: Array<Omit<Inspector, "conflicts"> & { conflicts?: string[] | undefined }>;
  inspectorsPerEntity?: number | undefined;
  seed?: string | undefined;
}

interface DrawRow extends Record<string, unknown> {
  id: string;
  name: string;
  region_prefix: string;
  seed: string;
  inputs: Record<string, unknown> | string;
  population_count: number;
  population_digest: string;
  result: DrawResult | string;
  result_digest: string;
  created_by: string;
  created_at: Date | string;
}

interface SummaryRow extends Record<string, unknown> {
  id: string;
  name: string;
  region_prefix: string;
  population_count: number;
  population_digest: string;
  result_digest: string;
  created_by: string;
  created_at: Date | string;
  drawn: number;
}

const json = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);

function drawView(r: DrawRow) {
  const result = json<DrawResult>(r.result);
  return {
    drawId: r.id,
    name: r.name,
    regionPrefix: r.region_prefix,
    seed: r.seed,
    inputs: json<Record<string, unknown>>(r.inputs),
    populationCount: Number(r.population_count),
    populationDigest: r.population_digest,
    resultDigest: r.result_digest,
    byClass: result.byClass,
    assignments: result.assignments,
    load: result.load,
    createdBy: r.created_by,
    createdAt: isoTime(r.created_at),
  };
}

function invalid(pointer: string, message: string): AppError {
  return new AppError("VALIDATION_FAILED", `${pointer} ${message}`, { errors: [{ pointer, message }] });
}

/** The pool checked beyond the schema: unique ids, and at least one inspector. */
function checkPool(pool: readonly Inspector[]): void {
  const seen = new Set<string>();
  pool.forEach((p, k) => {
    if (seen.has(p.id)) throw invalid(`/inspectors/${k}/id`, `duplicate inspector id ${p.id}`);
    seen.add(p.id);
  });
}

/** The population's scope and conditions: a saved screening (the caller's own) or inline ones. */
async function populationOf(ctx: InspectionContext, scope: string, input: DrawInput["population"]): Promise<{ scope: string | null; conditions: Condition; screeningId: string | null }> {
  if ((input.screeningId === undefined) === (input.conditions === undefined)) throw invalid("/population", "give either screeningId or conditions");
  if (input.screeningId !== undefined) {
    const saved = await ownedScreening(ctx, input.screeningId);
    return { scope: narrowed(scope, saved.regionPrefix), conditions: validConditions(saved.conditions, "/population/screeningId"), screeningId: saved.id };
  }
  return { scope, conditions: validConditions(input.conditions, "/population/conditions"), screeningId: null };
}

async function classSizes(on: Executor, db: Database, drawId: string): Promise<Record<string, number>> {
  const rows = await db.rows<{ risk_class: string; n: number | string }>(
    sql`select risk_class, count(*)::int as n from inspection_draw_member where draw_id = ${drawId}::uuid group by risk_class`,
    on,
  );
  return Object.fromEntries(rows.map((r) => [r.risk_class, Number(r.n)]));
}

/** The stored population in its stable order, CHUNK rows at a time. */
async function* membersOf(db: Database, on: Executor, drawId: string): AsyncGenerator<Member[]> {
  let after: SQL = sql``;
  for (;;) {
    const rows = await db.rows<{ risk_class: Member["riskClass"]; entity_id: string; region_code: string }>(
      sql`select risk_class, entity_id::text as entity_id, region_code from inspection_draw_member
          where draw_id = ${drawId}::uuid${after} order by risk_class, entity_id limit ${CHUNK}`,
      on,
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({ riskClass: r.risk_class, entityId: r.entity_id, regionCode: r.region_code }));
    if (rows.length < CHUNK) return;
    const last = rows[rows.length - 1]!;
    after = sql` and (risk_class, entity_id) > (${last.risk_class}, ${last.entity_id}::uuid)`;
  }
}

/** Re-draws from a stored population: the same function the draw used, fed the same record. */
async function redraw(db: Database, on: Executor, drawId: string, seed: string, ratios: Record<string, number>, pool: Inspector[], perEntity: number) {
  const sizes = await classSizes(on, db, drawId);
  const { selected, populationDigest, count } = await selectMembers(membersOf(db, on, drawId), sizes, ratios, seed);
  const { assignments, load } = assignInspectors(selected, pool, perEntity, seed);
  const byClass: DrawResult["byClass"] = {};
  for (const c of DRAW_CLASSES) {
    const population = sizes[c] ?? 0;
    const ratio = ratios[c] ?? 0;
    byClass[c] = { population, ratio, drawn: sampleSize(population, ratio) };
  }
  const result: DrawResult = { byClass, assignments, load };
  return { result, populationDigest, count, digest: resultDigest(result) };
}

export async function createDraw(ctx: InspectionContext, input: DrawInput) {
  const grant = authorize(ctx.actor, regulator("officer", input.region));
  if (grant.scope === null) throw new AppError("FORBIDDEN", "the region lies outside your scope");
  const pool: Inspector[] = input.inspectors.map((p) => ({ id: p.id, name: p.name, districts: p.districts, conflicts: (p.conflicts ?? []).map((c) => c.toLowerCase()) }));
  checkPool(pool);
  const population = await populationOf(ctx, grant.scope, input.population);
  if (population.scope === null) throw new AppError("FORBIDDEN", "the saved screening's region lies outside the draw's region");
  const scope = population.scope;
  const seed = input.seed ?? randomBytes(16).toString("hex");
  const perEntity = input.inspectorsPerEntity ?? 2;
  const ratios = Object.fromEntries(DRAW_CLASSES.map((c) => [c, input.ratios[c] ?? 0]));
  const now = ctx.clock.now();
  const by = actorLabel(ctx.actor);
  const drawId = uuidv7();
  const inputs = { population: { screeningId: population.screeningId, conditions: population.conditions }, ratios, inspectors: pool, inspectorsPerEntity: perEntity, asOf: now.toISOString() };
  return ctx.db.transaction(async (tx) => {
    // The population snapshot, server-side in one statement: the draw reads it back in order.
    await tx.execute(sql`
      insert into inspection_draw_member (draw_id, risk_class, entity_id, region_code)
      select ${drawId}::uuid, coalesce(e.risk_class, 'unclassified'), e.id, e.region_code
      from ${SCREENING_FROM}
      where starts_with(e.region_code, ${scope}) and ${compileConditions(population.conditions, now)}`);
    const sizes = await classSizes(tx, ctx.db, drawId);
    const drawn = DRAW_CLASSES.reduce((n, c) => n + sampleSize(sizes[c] ?? 0, ratios[c] ?? 0), 0);
    if (drawn > MAX_DRAWN) throw new AppError("UNPROCESSABLE", `the ratios would draw ${drawn} entities; at most ${MAX_DRAWN} per draw`);
    const { result, populationDigest, count, digest } = await redraw(ctx.db, tx, drawId, seed, ratios, pool, perEntity);
    const [row] = await ctx.db.rows<DrawRow>(
      sql`insert into inspection_draw (id, name, region_prefix, seed, inputs, population_count, population_digest, result, result_digest, created_by, created_at)
          values (${drawId}::uuid, ${input.name}, ${scope}, ${seed}, ${JSON.stringify(inputs)}::jsonb, ${count}, ${populationDigest},
                  ${JSON.stringify(result)}::jsonb, ${digest}, ${by}, ${now.toISOString()}::timestamptz)
          returning id::text as id, name, region_prefix, seed, inputs, population_count, population_digest, result, result_digest, created_by, created_at`,
      tx,
    );
    await appendAudit(tx, ctx.clock, {
      actor: by, action: "inspection.draw", subjectType: "inspection_draw", subjectId: drawId,
      data: { name: input.name, regionPrefix: scope, seed, populationCount: count, populationDigest, resultDigest: digest, drawn: result.assignments.length },
    });
    return drawView(row!);
  });
}

/** A draw inside the caller's scope (its region lies within the caller's prefix), else 404. */
async function drawInScope(ctx: InspectionContext, drawId: string): Promise<DrawRow> {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const [row] = await ctx.db.rows<DrawRow>(sql`
    select id::text as id, name, region_prefix, seed, inputs, population_count, population_digest, result, result_digest, created_by, created_at
    from inspection_draw where id = ${drawId}::uuid and starts_with(region_prefix, ${prefix})`);
  if (!row) throw new AppError("NOT_FOUND", "no such inspection draw");
  return row;
}

/** The record, the drawn entities' names (the work plan says whom to visit) and the results recorded so far. */
export async function getDraw(ctx: InspectionContext, input: { drawId: string }) {
  const row = await drawInScope(ctx, input.drawId);
  const [names, results] = await Promise.all([
    ctx.db.rows<{ id: string; name: string }>(sql`
      select e.id::text as id, e.name from inspection_draw d
      cross join lateral jsonb_array_elements(d.result->'assignments') a
      join entity e on e.id = (a->>'entityId')::uuid
      where d.id = ${row.id}::uuid`),
    ctx.db.rows<{ id: string; entity_id: string; finding: "none" | "minor" | "violation"; note: string | null; inspected_at: Date | string; recorded_by: string; recorded_at: Date | string }>(sql`
      select id::text as id, entity_id::text as entity_id, finding, note, inspected_at, recorded_by, recorded_at
      from inspection_result where draw_id = ${row.id}::uuid order by recorded_at, id`),
  ]);
  return {
    ...drawView(row),
    entityNames: Object.fromEntries(names.map((n) => [n.id, n.name])),
    results: results.map((r) => ({
      resultId: r.id, drawId: row.id, entityId: r.entity_id, finding: r.finding, note: r.note,
      inspectedAt: isoTime(r.inspected_at), recordedBy: r.recorded_by, recordedAt: isoTime(r.recorded_at),
    })),
  };
}

export async function listDraws(ctx: InspectionContext, input: { limit?: number | undefined; cursor?: string | undefined }) {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const limit = input.limit ?? 50;
  const after = input.cursor === undefined ? null : decodeKeyset(input.cursor, [UUID_PATTERN])[0]!;
  const rows = await ctx.db.rows<SummaryRow>(sql`
    select id::text as id, name, region_prefix, population_count, population_digest, result_digest, created_by, created_at,
      jsonb_array_length(result->'assignments') as drawn
    from inspection_draw where starts_with(region_prefix, ${prefix})${after === null ? sql`` : sql` and inspection_draw.id < ${after}::uuid`}
    order by inspection_draw.id desc limit ${limit + 1}`); // the uuid column, not the text alias `id`
  const page = rows.slice(0, limit);
  return {
    draws: page.map((r) => ({
      drawId: r.id, name: r.name, regionPrefix: r.region_prefix, populationCount: Number(r.population_count), drawn: Number(r.drawn),
      populationDigest: r.population_digest, resultDigest: r.result_digest, createdBy: r.created_by, createdAt: isoTime(r.created_at),
    })),
    nextCursor: rows.length > limit ? encodeKeyset([page[page.length - 1]!.id]) : null,
  };
}

/**
 * Re-runs the draw from its record: the stored population snapshot (its digest recomputed), the
 * stored seed, ratios and pool through the same selection and assignment. Reports whether the
 * population is the one recorded and whether the result is the one published.
 */
export async function verifyDraw(ctx: InspectionContext, input: { drawId: string }) {
  const row = await drawInScope(ctx, input.drawId);
  const inputs = json(row.inputs) as { ratios: Record<string, number>; inspectors: Inspector[]; inspectorsPerEntity: number };
  const again = await redraw(ctx.db, ctx.db.orm, row.id, row.seed, inputs.ratios, inputs.inspectors, inputs.inspectorsPerEntity);
  const stored = json<DrawResult>(row.result);
  const sameList = JSON.stringify(again.result.assignments) === JSON.stringify(stored.assignments.map((a) => ({
    entityId: a.entityId, riskClass: a.riskClass, regionCode: a.regionCode, inspectors: a.inspectors, outsideDistrict: a.outsideDistrict, understaffed: a.understaffed,
  })));
  const populationMatches = again.populationDigest === row.population_digest && again.count === Number(row.population_count);
  const resultMatches = again.digest === row.result_digest && sameList;
  return {
    drawId: row.id,
    matches: populationMatches && resultMatches,
    populationMatches,
    resultMatches,
    populationDigest: again.populationDigest,
    recordedPopulationDigest: row.population_digest,
    resultDigest: again.digest,
    recordedResultDigest: row.result_digest,
  };
}

/**
 * The population snapshot a draw was made from, in its stable order (class, entity id), in
 * keyset pages: with the record's seed and inputs, what anyone needs to re-run the draw.
 */
export async function drawPopulation(ctx: InspectionContext, input: { drawId: string; limit?: number | undefined; cursor?: string | undefined }) {
  const row = await drawInScope(ctx, input.drawId);
  const limit = input.limit ?? 1000;
  const after = input.cursor === undefined ? null : decodeKeyset(input.cursor, [/^[A-Za-z]+$/, UUID_PATTERN]);
  const rows = await ctx.db.rows<{ risk_class: Member["riskClass"]; entity_id: string; region_code: string }>(sql`
    select risk_class, entity_id::text as entity_id, region_code from inspection_draw_member
    where draw_id = ${row.id}::uuid${after === null ? sql`` : sql` and (risk_class, entity_id) > (${after[0]!}, ${after[1]!}::uuid)`}
    order by risk_class, entity_id limit ${limit + 1}`);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    drawId: row.id,
    populationDigest: row.population_digest,
    members: page.map((r) => ({ riskClass: r.risk_class, entityId: r.entity_id, regionCode: r.region_code })),
    nextCursor: rows.length > limit && last ? encodeKeyset([last.risk_class, last.entity_id]) : null,
  };
}

export async function recordInspectionResult(
  ctx: InspectionContext,
  input: { drawId: string; entityId: string; finding: "none" | "minor" | "violation"; note?: string | undefined; inspectedAt?: string | undefined },
) {
  authorize(ctx.actor, regulator("officer"));
  const draw = await drawInScope(ctx, input.drawId);
  const result = json<DrawResult>(draw.result);
  const assigned = result.assignments.find((a) => a.entityId === input.entityId.toLowerCase());
  if (!assigned) throw new AppError("NOT_FOUND", "the entity was not drawn in this draw");
  const now = ctx.clock.now();
  const inspectedAt = input.inspectedAt === undefined ? now : new Date(input.inspectedAt);
  if (inspectedAt.getTime() > now.getTime()) throw invalid("/inspectedAt", "must not be in the future");
  const by = actorLabel(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const [row] = await ctx.db.rows<{ id: string }>(
      sql`insert into inspection_result (id, draw_id, entity_id, finding, note, inspected_at, recorded_by, recorded_at)
          values (${uuidv7()}::uuid, ${draw.id}::uuid, ${assigned.entityId}::uuid, ${input.finding}, ${input.note ?? null},
                  ${inspectedAt.toISOString()}::timestamptz, ${by}, ${now.toISOString()}::timestamptz)
          on conflict (draw_id, entity_id) do nothing returning id::text as id`,
      tx,
    );
    if (!row) throw new AppError("CONFLICT", "this draw's inspection of the entity is already recorded");
    await appendAudit(tx, ctx.clock, {
      actor: by, action: "inspection.result", subjectType: "inspection_result", subjectId: row.id,
      data: { drawId: draw.id, entityId: assigned.entityId, finding: input.finding, inspectedAt: inspectedAt.toISOString() },
    });
    return { resultId: row.id, drawId: draw.id, entityId: assigned.entityId, finding: input.finding, note: input.note ?? null, inspectedAt: inspectedAt.toISOString(), recordedBy: by, recordedAt: now.toISOString() };
  });
}
