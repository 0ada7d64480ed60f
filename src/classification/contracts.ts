// The seams between the parts of the classification module, written first so the parts can
// be built in parallel. Implementations live in their own files; these signatures are the deal.
import type { Executor } from "../db/client.js";
import type { IndicatorRow, ModelArtifact } from "../scoring/index.js";

export type RiskClass = "A" | "B" | "C" | "D";

/** Why an entity is being classified. */
export type ClassifyTrigger = "event" | "run" | "manual";

export interface ClassifyOptions {
  trigger: ClassifyTrigger;
  /** The full run this chunk belongs to (recorded on each history row). */
  runId?: string;
  /** Point in time the indicators are computed for (default: the clock's now). */
  asOf?: Date;
  /** Where the indicators come from (default: the features query; full runs read their staged table). */
  computeFeatures?: ComputeFeatures;
}

export interface ClassifyOutcome {
  classified: number;
  /** Entities whose class changed (each got one classification.changed per platform). */
  changed: number;
  counts: Record<RiskClass, number>;
  /** e.g. { "A->C": 3, "none->B": 10 } */
  transitions: Record<string, number>;
}

/**
 * Classifies the given entities with the ACTIVE model, set-based: one features query for
 * the whole list, scoring in memory, one history insert, one entity update, one
 * publishToEntityPlatforms for the changed ones — all in the caller's transaction `on`.
 * Implemented in classify.ts.
 */
export type ClassifyEntities = (on: Executor, entityIds: readonly string[], options: ClassifyOptions) => Promise<ClassifyOutcome>;

/**
 * Computes the scoring core's indicator rows for entities as of a time, in SQL (features.ts),
 * including the relationship indicators (relationships.ts). Used by classification and by
 * training (features as of the cut date).
 */
/**
 * Indicator rows as of `asOf`. registeredAsOf: the instant whose shop records count (default
 * asOf) — later than asOf to ask how the entity, as registered now, stood by its behaviour then.
 */
export type ComputeFeatures = (
  on: Executor,
  entityIds: readonly string[],
  asOf: Date,
  options?: { registeredAsOf?: Date },
) => Promise<Map<string, IndicatorRow>>;

/** Relationship indicators per entity (relationships.ts); ComputeFeatures merges them in. */
export interface RelationshipIndicators {
  related_entities: number;
  related_worst_class: RiskClass | "none";
  related_violators_365d: number;
  same_address_entities: number;
}
export type ComputeRelationshipIndicators = (
  on: Executor,
  entityIds: readonly string[],
  asOf: Date,
) => Promise<Map<string, RelationshipIndicators>>;

/** Entities linked to any of these (for propagating a risk signal); relationships.ts. */
export type RelatedEntityIds = (on: Executor, entityIds: readonly string[]) => Promise<string[]>;

/** The active model, compiled once and cached until activation changes it (models.ts). */
export interface ActiveModel {
  version: string;
  artifact: ModelArtifact;
}

/**
 * What must happen after entities were (re)classified, in the same transaction, with the
 * indicator rows just computed: monitoring rules, then the sandbox fence. Set-based:
 * called once per classify call (a full run: once per chunk).
 */
export type AfterClassify = (tx: Executor, input: ClassifiedEntities & { indicators: ReadonlyMap<string, IndicatorRow> }) => Promise<void>;

/** What the after-classify evaluations (monitoring, the fence) take; also called on their own. */
export interface ClassifiedEntities {
  entityIds: readonly string[];
  /** The time decisions are made for (the classification's as-of). */
  asOf: Date;
  trigger: ClassifyTrigger;
  /** The indicator rows classification just computed for these entities (else computed when needed). */
  indicators?: ReadonlyMap<string, IndicatorRow>;
}

/**
 * What outside classification reads an entity's relationship indicators: its screening tags
 * (which also hold the values last recorded) and the monitoring rules. Asked before an entity is
 * classified again for a change that can only have moved those indicators (relationships-recheck.ts).
 */
export interface RelationshipReaders {
  /** The relationship indicators last recorded per entity (none for an entity never tagged). */
  recorded(on: Executor, entityIds: readonly string[]): Promise<Map<string, IndicatorRow>>;
  /** Would an enabled rule decide differently between two rows? Rules read once per call. */
  rulesReadChange(on: Executor): Promise<(before: IndicatorRow, after: IndicatorRow) => boolean>;
  /** Records the new values of entities not classified again. */
  record(on: Executor, asOf: Date, rows: ReadonlyMap<string, IndicatorRow>): Promise<void>;
}
