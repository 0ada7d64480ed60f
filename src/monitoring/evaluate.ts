// evaluate(tx, {entityIds, asOf, trigger, indicators?}): every enabled monitoring rule over a
// list of entities, SET-BASED, in the caller's transaction. A fixed number of statements per
// call whatever the list's length: rules (1), indicators (given by classification, else
// computeFeatures), entity facts (1), event windows of all rules (1), the evidence events of the
// hits (1), warnings (1) and the warning.raised jobs (1). Classification calls it after it
// updated the entities.
import type { Clock } from "../clock.js";
import type { ClassifiedEntities, ComputeFeatures } from "../classification/contracts.js";
import type { Executor } from "../db/client.js";
import type { EnqueueMany } from "../jobs/index.js";
import type { IndicatorRow } from "../scoring/index.js";
import { uuidv7 } from "uuidv7";
import {
  computeWindows, EVIDENCE_EVENTS, entityFacts, eventsWindow, growthWindows, windowEvents, windowEventsKey, type EntityFacts, type EventRef, type WindowResult, type WindowSpec,
} from "./metrics-sql.js";
import { evaluateCondition, metricKey, metricsOf, type Metric, type MetricValue } from "./rule-language.js";
import { enabledRules, type StoredRule } from "./rules-store.js";
import { recordHits, type Hit, type RecordedHit } from "./warnings-store.js";
import { WARNING_RAISED_JOB } from "./jobs.js";

export type EvaluateInput = ClassifiedEntities;

export interface EvaluateOutcome {
  entities: number;
  hits: number;
  raised: RecordedHit[];
  refreshed: number;
}

export type Evaluate = (tx: Executor, input: EvaluateInput) => Promise<EvaluateOutcome>;

export interface EvaluateDeps {
  clock: Clock;
  enqueueMany: EnqueueMany;
  computeFeatures: ComputeFeatures;
}

export interface MetricPlan {
  metric: Metric;
  /** The window index (events) or the first of two (growth). */
  window?: number;
}

/** The metrics of all rules, each once, and the event windows they need, appended to `windows` (shared by the instants of a replay). */
function plan(rules: readonly StoredRule[], asOf: Date, windows: WindowSpec[] = []): { metrics: Map<string, MetricPlan>; windows: WindowSpec[]; needsIndicators: boolean } {
  const metrics = new Map<string, MetricPlan>();
  let needsIndicators = false;
  for (const rule of rules) {
    for (const m of metricsOf(rule.definition.condition)) {
      const key = metricKey(m);
      if (metrics.has(key)) continue;
      if ("events" in m) {
        metrics.set(key, { metric: m, window: windows.length });
        windows.push(eventsWindow(windows.length, m.events, asOf));
      } else if ("growth" in m) {
        metrics.set(key, { metric: m, window: windows.length });
        windows.push(...growthWindows(windows.length, m.growth, asOf));
      } else {
        if ("indicator" in m) needsIndicators = true;
        metrics.set(key, { metric: m });
      }
    }
  }
  return { metrics, windows, needsIndicators };
}

function valueOf(p: MetricPlan, facts: EntityFacts, indicators: IndicatorRow | undefined, windows: Map<number, WindowResult> | undefined): MetricValue {
  const m = p.metric;
  if ("indicator" in m) return (indicators?.[m.indicator] ?? null) as MetricValue;
  if ("entity" in m) return facts[m.entity];
  if ("prohibitedType" in m) return facts.prohibited;
  if ("events" in m) {
    const w = windows?.get(p.window!);
    return m.events.measure && m.events.measure !== "count" ? (w?.total ?? 0) : (w?.count ?? 0);
  }
  const g = m.growth;
  const recent = windows?.get(p.window!)?.count ?? 0;
  const baseline = windows?.get(p.window! + 1)?.count ?? 0;
  if (baseline === 0) return null;
  return recent / g.recentDays / (baseline / g.baselineDays);
}

/** An (entity, rule) pair whose condition holds at `asOf`, with the entity's metric lookup. */
export interface RuleMatch {
  rule: StoredRule;
  facts: EntityFacts;
  lookup: (m: Metric) => MetricValue;
}

export interface MatchRulesResult {
  matches: RuleMatch[];
  metrics: Map<string, MetricPlan>;
  windows: WindowSpec[];
}

/**
 * The rules' conditions over entities whose facts are read, as of `asOf`: the indicators (given,
 * else computed for those missing) and ONE window statement for every event metric of every rule.
 * Reads only: the evaluation records the matches as warnings, a what-if counts them.
 */
export async function matchRules(
  tx: Executor,
  rules: readonly StoredRule[],
  facts: ReadonlyMap<string, EntityFacts>,
  asOf: Date,
  opts: { computeFeatures: ComputeFeatures; indicators?: ReadonlyMap<string, IndicatorRow> | undefined },
): Promise<MatchRulesResult> {
  return (await matchRulesAt(tx, rules, facts, [asOf], opts))[0]!;
}

/**
 * The same at several instants (a what-if's replay): the event windows of every instant in ONE
 * statement; indicators, when a rule reads them, once per instant. One result per instant, in order;
 * their `windows` is the shared list (window indices are global).
 */
export async function matchRulesAt(
  tx: Executor,
  rules: readonly StoredRule[],
  facts: ReadonlyMap<string, EntityFacts>,
  points: readonly Date[],
  opts: { computeFeatures: ComputeFeatures; indicators?: ReadonlyMap<string, IndicatorRow> | undefined },
): Promise<MatchRulesResult[]> {
  const windows: WindowSpec[] = [];
  const plans = points.map((asOf) => plan(rules, asOf, windows));
  const present = [...facts.keys()];
  const windowResults = await computeWindows(tx, present, windows);
  const out: MatchRulesResult[] = [];
  for (const [k, asOf] of points.entries()) {
    const { metrics, needsIndicators } = plans[k]!;
    let indicators: ReadonlyMap<string, IndicatorRow> = (points.length === 1 ? opts.indicators : undefined) ?? new Map();
    if (needsIndicators) {
      const missing = present.filter((id) => !indicators.has(id));
      if (missing.length > 0) {
        const computed = await opts.computeFeatures(tx, missing, asOf);
        indicators = new Map([...indicators, ...computed]);
      }
    }
    const matches: RuleMatch[] = [];
    for (const f of facts.values()) {
      const row = indicators.get(f.id);
      const w = windowResults.get(f.id);
      const cache = new Map<string, MetricValue>();
      const lookup = (m: Metric): MetricValue => {
        const key = metricKey(m);
        if (!cache.has(key)) cache.set(key, valueOf(metrics.get(key)!, f, row, w));
        return cache.get(key)!;
      };
      for (const rule of rules) {
        const d = rule.definition;
        if (d.scope !== "all" && d.scope !== f.sandbox) continue;
        if (!evaluateCondition(d.condition, lookup)) continue;
        matches.push({ rule, facts: f, lookup });
      }
    }
    out.push({ matches, metrics, windows });
  }
  return out;
}

export function makeEvaluate(deps: EvaluateDeps): Evaluate {
  return async (tx, input) => {
    const outcome: EvaluateOutcome = { entities: 0, hits: 0, raised: [], refreshed: 0 };
    const ids = [...new Set(input.entityIds)];
    if (ids.length === 0) return outcome;
    const rules = await enabledRules(tx);
    if (rules.length === 0) return outcome;
    const { asOf } = input;
    const facts = await entityFacts(tx, ids);
    outcome.entities = facts.size;
    if (facts.size === 0) return outcome;
    const { matches, metrics, windows } = await matchRules(tx, rules, facts, asOf, { computeFeatures: deps.computeFeatures, indicators: input.indicators });

    const hits: Hit[] = [];
    const pending: Array<{ hit: Hit; rule: StoredRule; lookup: (m: Metric) => MetricValue }> = [];
    for (const { rule, facts: f, lookup } of matches) {
      const d = rule.definition;
      const hit: Hit = {
        newId: uuidv7(),
        ruleId: rule.id,
        ruleKey: rule.key,
        ruleVersion: rule.version,
        entityId: f.id,
        regionCode: f.regionCode,
        severity: d.severity,
        action: d.action,
        windowDays: d.windowDays,
        sandbox: f.sandbox,
        evidence: {},
      };
      hits.push(hit);
      pending.push({ hit, rule, lookup });
    }
    // The evidence: every metric's figure, and the newest events of each event window read.
    // Windows differing only in how far back they reach share one read (the widest): the newest
    // 20 of a narrower window are the widest window's newest 20 that fall inside it.
    const group = (w: WindowSpec) => JSON.stringify([w.kind, w.field, w.eq, w.until]);
    const wanted = new Map<string, { entityId: string; window: WindowSpec }>();
    for (const { hit, rule } of pending) {
      for (const m of metricsOf(rule.definition.condition)) {
        const i = metrics.get(metricKey(m))!.window;
        if (i === undefined) continue;
        const key = `${hit.entityId}:${group(windows[i]!)}`;
        const prev = wanted.get(key);
        if (!prev || windows[i]!.since < prev.window.since) wanted.set(key, { entityId: hit.entityId, window: windows[i]! });
      }
    }
    const fetched = await windowEvents(tx, [...wanted.values()]);
    const eventsOf = (entityId: string) => (i: number): EventRef[] => {
      const w = windows[i]!;
      const widest = wanted.get(`${entityId}:${group(w)}`)!.window;
      const since = Date.parse(w.since);
      return (fetched.get(windowEventsKey(entityId, widest.i)) ?? []).filter((e) => Date.parse(e.occurredAt) >= since);
    };
    for (const { hit, rule, lookup } of pending) hit.evidence = evidenceOf(rule, lookup, metrics, eventsOf(hit.entityId), input);
    outcome.hits = hits.length;
    const recorded = await recordHits(tx, hits, asOf);
    outcome.raised = recorded.filter((r) => r.outcome === "new");
    outcome.refreshed = recorded.length - outcome.raised.length;
    const jobs = outcome.raised
      .filter((r) => r.action !== null && r.action !== "record")
      .map((r) => ({ job: WARNING_RAISED_JOB, payload: { warningId: r.warningId, action: r.action }, dedupKey: `warning.raised:${r.warningId}` }));
    if (jobs.length > 0) await deps.enqueueMany(tx, jobs);
    return outcome;
  };
}

/**
 * The figures that fired the rule, and up to 20 event references in all, newest first, each
 * listed under the first event metric whose window holds it (a 7-day count and a 30-day count
 * share their newest events).
 */
function evidenceOf(
  rule: StoredRule,
  lookup: (m: Metric) => MetricValue,
  metrics: Map<string, MetricPlan>,
  eventsOf: (window: number) => EventRef[],
  input: EvaluateInput,
): Record<string, unknown> {
  const seen = new Set<string>();
  const listed = new Set<string>();
  const figures: Array<{ metric: Metric; value: MetricValue; events?: EventRef[] }> = [];
  for (const m of metricsOf(rule.definition.condition)) {
    const key = metricKey(m);
    if (seen.has(key)) continue;
    seen.add(key);
    const p = metrics.get(key)!;
    if (p.window === undefined) {
      figures.push({ metric: m, value: lookup(m) });
      continue;
    }
    const events: EventRef[] = [];
    for (const e of eventsOf(p.window)) {
      const id = `${e.platformId}:${e.platformEventId}`;
      if (listed.size >= EVIDENCE_EVENTS) break;
      if (listed.has(id)) continue;
      listed.add(id);
      events.push(e);
    }
    figures.push({ metric: m, value: lookup(m), events });
  }
  return { asOf: input.asOf.toISOString(), trigger: input.trigger, ruleVersion: rule.version, figures };
}
