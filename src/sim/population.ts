// The synthetic population, streamed: clusters of related entities (shared legal representative
// or address, sharing part of their latent risk) are generated one at a time, so memory stays
// bounded however many entities are asked for (469,000 works).
import {
  CATEGORIES,
  EVIDENCE_INDICATOR_IDS,
  INDICATORS,
  compileModel,
  computeIndicators,
  createRng,
  expertDefaultModel,
  scoreEntity,
  type ComputedIndicators,
  type CreditClass,
  type RelationshipFacts,
} from "../scoring/index.js";
import { CATEGORY_PROFILE, CHENGDU_DISTRICTS } from "./reference.js";
import { DAY_MS, generateEntity, randomAddress, type SimEntity } from "./entity.js";

export interface PopulationOptions {
  entities: number;
  seed: number | string;
  /** first day events are simulated */
  start?: string;
  /** classification dates; one indicator row per entity open at each */
  cutDates?: string[];
  horizonDays?: number;
}

export interface IndicatorTableRow {
  entity_id: string;
  as_of: string;
  label: 0 | 1;
  indicators: ComputedIndicators;
}

export interface SimCluster {
  entities: SimEntity[];
  rows: IndicatorTableRow[];
}

export const DEFAULT_CUT_DATES = ["2023-01-01", "2024-01-01"];
export const INDICATOR_COLUMNS: readonly string[] = INDICATORS.map((i) => i.id);
export const TABLE_COLUMNS: readonly string[] = ["entity_id", "as_of", "label", ...INDICATOR_COLUMNS];

const CLASS_ORDER: readonly (CreditClass | "none")[] = ["none", "A", "B", "C", "D"];

export function* generatePopulation(opts: PopulationOptions): Generator<SimCluster> {
  const rng = createRng(opts.seed);
  const cutDates = opts.cutDates ?? DEFAULT_CUT_DATES;
  const horizon = opts.horizonDays ?? 365;
  const start = Date.parse(opts.start ?? "2021-01-01");
  const cuts = cutDates.map((d) => Date.parse(d));
  const end = Math.max(...cuts) + horizon * DAY_MS;
  const expert = compileModel(expertDefaultModel());
  const catWeights = CATEGORIES.map((c) => CATEGORY_PROFILE[c].share);
  const districtWeights = CHENGDU_DISTRICTS.map((d) => d.weight);
  let index = 0;
  let clusterId = 0;
  while (index < opts.entities) {
    clusterId++;
    const crng = rng.fork(clusterId);
    const size = Math.min(opts.entities - index, crng.bernoulli(0.82) ? 1 : 2 + Math.min(6, crng.poisson(1.2)));
    const sharedAddress = size > 1 && crng.bernoulli(0.5);
    const clusterEffect = size > 1 ? crng.normal(0.3, 0.9) : 0;
    const district = CHENGDU_DISTRICTS[crng.weighted(districtWeights)]!;
    const clusterAddress = randomAddress(crng, district.name);
    const entities: SimEntity[] = [];
    for (let k = 0; k < size; k++) {
      const erng = crng.fork(k);
      const category = CATEGORIES[erng.weighted(catWeights)]!;
      entities.push(
        generateEntity({
          index: ++index,
          clusterId,
          rng: erng,
          z: erng.normal(-0.2, 1.1) + clusterEffect,
          category,
          regionCode: district.code,
          address: sharedAddress ? clusterAddress : randomAddress(erng, district.name),
          start,
          end,
        }),
      );
    }
    yield { entities, rows: clusterRows(entities, cuts, horizon, sharedAddress, expert) };
  }
}

function clusterRows(entities: SimEntity[], cuts: number[], horizon: number, sharedAddress: boolean, expert: ReturnType<typeof compileModel>): IndicatorTableRow[] {
  const rows: IndicatorTableRow[] = [];
  for (const T of cuts) {
    const asOf = new Date(T).toISOString();
    const open = entities.filter((e) => Date.parse(e.openedAt) < T);
    // own indicators first, scored with the expert model: the "previous class" of each relative
    const classes =
      open.length < 2
        ? []
        : open.map((e) => scoreEntity(expert, computeIndicators({ merchants: e.merchants, events: e.events.map((x) => x.event) }, asOf)).class);
    open.forEach((e, k) => {
      const others = open.filter((_, j) => j !== k);
      let worst = 0;
      for (let j = 0; j < open.length; j++) if (j !== k) worst = Math.max(worst, CLASS_ORDER.indexOf(classes[j] as CreditClass));
      const relationships: RelationshipFacts = {
        relatedEntities: others.length,
        relatedWorstClass: CLASS_ORDER[worst] as CreditClass | "none",
        relatedViolators365d: others.filter((o) => o.violationTimes.some((t) => t < T && t >= T - 365 * DAY_MS)).length,
        sameAddressEntities: sharedAddress ? others.length : 0,
      };
      const indicators = computeIndicators({ merchants: e.merchants, events: e.events.map((x) => x.event), relationships }, asOf);
      const label = e.violationTimes.some((t) => t >= T && t < T + horizon * DAY_MS) ? 1 : 0;
      rows.push({ entity_id: e.entityId, as_of: asOf.slice(0, 10), label, indicators });
    });
  }
  return rows;
}

/** Collects a small population in memory (tests, demos). Use generatePopulation for large ones. */
export function populationTable(opts: PopulationOptions): IndicatorTableRow[] {
  const rows: IndicatorTableRow[] = [];
  for (const c of generatePopulation(opts)) rows.push(...c.rows);
  return rows;
}

export { EVIDENCE_INDICATOR_IDS };
