// The monitoring rule language (监测规则): a rule is JSON data — severity, scope, action, a dedup
// window and a condition tree over metrics. openapi/gateway.yaml (MonitoringRuleDefinition)
// holds its structure, so request validation rejects malformed JSON; validateRule adds what a
// schema cannot say (known indicators and event kinds, bounded windows, operators that fit the
// metric's type, depth and size limits) and returns EVERY problem with its JSON pointer.
//
// Semantics (evaluate.ts computes the metrics, evaluateCondition decides):
// - {indicator: id}: the indicator as classification computes it (src/scoring/indicators.ts);
//   categorical indicators are strings, the rest numbers; may be null.
// - {events: {kind, days, where?, measure?}}: events of `kind` with occurred_at in [T-days, T)
//   (whose data.<field> equals `equals` when `where` is given): their count, or the sum of a
//   numeric data field.
// - {growth: {kind, recentDays, baselineDays}}: per-day rate over [T-recent, T) divided by the
//   per-day rate over the baselineDays before it; null when the baseline has no events.
// - {entity: category|regionCode|entityType}: the entity's registered attribute (string).
// - {prohibitedType: true}: the entity's category is on the prohibited list for a region
//   prefix of its region (boolean).
// A comparison whose metric is null is FALSE, whatever the operator; so `not {growth < 3}`
// holds when the growth is unknown (empty baseline) or at least 3 — pair it with a minimum count.
import { CATEGORIES } from "../scoring/index.js";
import { INDICATORS } from "../scoring/indicators.js";
import { SEVERITIES, type Severity } from "../db/schema/monitoring.js";
import type { FieldError } from "../http/errors.js";

export { SEVERITIES, type Severity };
export const SCOPES = ["inside", "outside", "all"] as const;
export type RuleScope = (typeof SCOPES)[number];
export const RULE_ACTIONS = ["record", "warn", "warn_and_notice"] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];
/** What a warning carries after triggered supervision: a rule action, or a reminder only. */
export type AppliedAction = RuleAction | "remind";
export const OPERATORS = [">=", ">", "<=", "<", "==", "!="] as const;
export type ComparisonOp = (typeof OPERATORS)[number];
/** The spec's EventKind enum (a test keeps them equal). */
export const EVENT_KINDS = [
  "complaint", "report", "refund_dispute", "sales_summary", "rating", "licence", "violation_confirmed", "penalty", "litigation", "takedown",
] as const;
export const ENTITY_ATTRIBUTES = ["category", "regionCode", "entityType"] as const;
export type EntityAttribute = (typeof ENTITY_ATTRIBUTES)[number];

export const LIMITS = {
  /** Longest window any metric or dedup may span (3 years, the longest indicator window). */
  maxWindowDays: 1095,
  /** Nesting of all/any/not. */
  maxDepth: 6,
  /** Condition nodes in one rule. */
  maxNodes: 64,
  /** Children of one all/any. */
  maxChildren: 20,
} as const;

export type Scalar = string | number | boolean;
export interface EventsSpec {
  kind: string;
  days: number;
  where?: { field: string; equals: Scalar };
  measure?: "count" | { sum: string };
}
export interface GrowthSpec {
  kind: string;
  recentDays: number;
  baselineDays: number;
}
export type Metric =
  | { indicator: string }
  | { events: EventsSpec }
  | { growth: GrowthSpec }
  | { entity: EntityAttribute }
  | { prohibitedType: true };
export interface Comparison {
  metric: Metric;
  op: ComparisonOp;
  value: Scalar;
}
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Comparison;

export interface RuleDefinition {
  key: string;
  nameZh: string;
  description?: string;
  severity: Severity;
  scope: RuleScope;
  action: RuleAction;
  /** Dedup window: one warning per rule and entity per window. */
  windowDays: number;
  condition: Condition;
  /** warn_and_notice: days the merchant has to rectify (default: the gateway's notice period). */
  noticeDueDays?: number;
  /** warn_and_notice: the notice template's key (default warning.default). */
  noticeTemplate?: string;
}

export type ValidationResult = { ok: true; rule: RuleDefinition } | { ok: false; errors: FieldError[] };

const KEY = /^[a-z][a-z0-9_.-]{2,99}$/;
const DATA_FIELD = /^data\.[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const REGION = /^[1-9][0-9]{5}$/;
const indicatorKinds = new Map(INDICATORS.map((i) => [i.id, i]));

type ValueType = "number" | "string" | "boolean";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** Validates a rule definition (any JSON); every error with its JSON pointer. Pure. */
export function validateRule(input: unknown): ValidationResult {
  const errors: FieldError[] = [];
  const err = (pointer: string, message: string): void => {
    errors.push({ pointer: pointer || "/", message });
  };
  if (!isObject(input)) return { ok: false, errors: [{ pointer: "/", message: "a rule is a JSON object" }] };
  const known = new Set(["key", "nameZh", "description", "severity", "scope", "action", "windowDays", "condition", "noticeDueDays", "noticeTemplate"]);
  for (const k of Object.keys(input)) if (!known.has(k)) err(`/${esc(k)}`, "unknown property");
  if (typeof input.key !== "string" || !KEY.test(input.key)) err("/key", "key must be 3-100 characters: lower-case letters, digits, '_', '.', '-', starting with a letter");
  if (typeof input.nameZh !== "string" || input.nameZh.trim() === "" || input.nameZh.length > 200) err("/nameZh", "nameZh must be 1-200 characters");
  if (input.description !== undefined && (typeof input.description !== "string" || input.description.length > 2000)) err("/description", "description must be at most 2,000 characters");
  if (!(SEVERITIES as readonly unknown[]).includes(input.severity)) err("/severity", `severity must be one of ${SEVERITIES.join(", ")}`);
  if (!(SCOPES as readonly unknown[]).includes(input.scope)) err("/scope", `scope must be one of ${SCOPES.join(", ")}`);
  if (!(RULE_ACTIONS as readonly unknown[]).includes(input.action)) err("/action", `action must be one of ${RULE_ACTIONS.join(", ")}`);
  checkDays(input.windowDays, "/windowDays", err);
  if (input.noticeDueDays !== undefined && (!Number.isInteger(input.noticeDueDays) || (input.noticeDueDays as number) < 1 || (input.noticeDueDays as number) > 365)) {
    err("/noticeDueDays", "noticeDueDays must be a whole number of days, 1-365");
  }
  if (input.noticeTemplate !== undefined && (typeof input.noticeTemplate !== "string" || !KEY.test(input.noticeTemplate))) err("/noticeTemplate", "noticeTemplate must be a template key");
  let nodes = 0;
  const walk = (c: unknown, path: string, depth: number): void => {
    nodes++;
    if (nodes === LIMITS.maxNodes + 1) err(path, `a rule may have at most ${LIMITS.maxNodes} conditions`);
    if (nodes > LIMITS.maxNodes) return;
    if (!isObject(c)) return err(path, "a condition is an object: {all}, {any}, {not} or {metric, op, value}");
    const keys = Object.keys(c);
    if ("all" in c || "any" in c) {
      const k = "all" in c ? "all" : "any";
      if (keys.length !== 1) return err(path, `{${k}} takes no other properties`);
      if (depth >= LIMITS.maxDepth) return err(path, `conditions nest at most ${LIMITS.maxDepth} deep`);
      const list = c[k];
      if (!Array.isArray(list) || list.length === 0) return err(`${path}/${k}`, `${k} needs a non-empty list of conditions`);
      if (list.length > LIMITS.maxChildren) return err(`${path}/${k}`, `${k} may list at most ${LIMITS.maxChildren} conditions`);
      list.forEach((x, i) => walk(x, `${path}/${k}/${i}`, depth + 1));
      return;
    }
    if ("not" in c) {
      if (keys.length !== 1) return err(path, "{not} takes no other properties");
      if (depth >= LIMITS.maxDepth) return err(path, `conditions nest at most ${LIMITS.maxDepth} deep`);
      return walk(c.not, `${path}/not`, depth + 1);
    }
    checkComparison(c, path, err);
  };
  if (input.condition === undefined) err("/condition", "condition is required");
  else walk(input.condition, "/condition", 0);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rule: input as unknown as RuleDefinition };
}

function checkDays(v: unknown, pointer: string, err: (p: string, m: string) => void): v is number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > LIMITS.maxWindowDays) {
    err(pointer, `must be a whole number of days from 1 to ${LIMITS.maxWindowDays}`);
    return false;
  }
  return true;
}

function checkKind(v: unknown, pointer: string, err: (p: string, m: string) => void): void {
  if (!(EVENT_KINDS as readonly unknown[]).includes(v)) err(pointer, `unknown event kind; one of ${EVENT_KINDS.join(", ")}`);
}

function checkComparison(c: Record<string, unknown>, path: string, err: (p: string, m: string) => void): void {
  for (const k of Object.keys(c)) if (!["metric", "op", "value"].includes(k)) err(`${path}/${esc(k)}`, "unknown property");
  const opOk = (OPERATORS as readonly unknown[]).includes(c.op);
  if (!opOk) err(`${path}/op`, `op must be one of ${OPERATORS.join(" ")}`);
  if (!("value" in c)) err(`${path}/value`, "value is required");
  const t = metricType(c.metric, `${path}/metric`, err);
  if (t === undefined) return;
  const { type, levels } = t;
  if (opOk && type !== "number" && c.op !== "==" && c.op !== "!=") err(`${path}/op`, `a ${type} metric compares only with == or !=`);
  if (!("value" in c)) return;
  if (typeof c.value !== type || (type === "number" && !Number.isFinite(c.value))) return err(`${path}/value`, `value must be a ${type} for this metric`);
  if (levels && !levels.includes(c.value as string)) err(`${path}/value`, `value must be one of ${levels.join(", ")}`);
  if (t.pattern && !t.pattern.test(c.value as string)) err(`${path}/value`, "value must be a 6-digit region code");
}

function metricType(m: unknown, path: string, err: (p: string, m: string) => void): { type: ValueType; levels?: readonly string[]; pattern?: RegExp } | undefined {
  if (!isObject(m)) return void err(path, "metric is an object: {indicator}, {events}, {growth}, {entity} or {prohibitedType}");
  const keys = Object.keys(m);
  if (keys.length !== 1) return void err(path, "a metric has exactly one property");
  if ("indicator" in m) {
    const def = typeof m.indicator === "string" ? indicatorKinds.get(m.indicator) : undefined;
    if (!def) return void err(`${path}/indicator`, "unknown indicator (see the indicator catalogue)");
    if (def.kind !== "categorical") return { type: "number" };
    const levels = def.id === "category" ? CATEGORIES : def.levels;
    return { type: "string", ...(levels ? { levels } : {}) };
  }
  if ("events" in m) {
    const e = m.events;
    const p = `${path}/events`;
    if (!isObject(e)) return void err(p, "events is an object {kind, days, where?, measure?}");
    for (const k of Object.keys(e)) if (!["kind", "days", "where", "measure"].includes(k)) err(`${p}/${esc(k)}`, "unknown property");
    checkKind(e.kind, `${p}/kind`, err);
    checkDays(e.days, `${p}/days`, err);
    if (e.where !== undefined) {
      const w = e.where;
      if (!isObject(w) || Object.keys(w).some((k) => k !== "field" && k !== "equals")) err(`${p}/where`, "where is {field, equals}");
      else {
        if (typeof w.field !== "string" || !DATA_FIELD.test(w.field)) err(`${p}/where/field`, "field must be data.<name>");
        if (!["string", "number", "boolean"].includes(typeof w.equals)) err(`${p}/where/equals`, "equals must be a string, number or boolean");
      }
    }
    if (e.measure !== undefined && e.measure !== "count") {
      const s = isObject(e.measure) ? e.measure.sum : undefined;
      if (!isObject(e.measure) || Object.keys(e.measure).length !== 1 || typeof s !== "string" || !DATA_FIELD.test(s)) {
        err(`${p}/measure`, 'measure is "count" or {sum: "data.<field>"}');
      }
    }
    return { type: "number" };
  }
  if ("growth" in m) {
    const g = m.growth;
    const p = `${path}/growth`;
    if (!isObject(g)) return void err(p, "growth is an object {kind, recentDays, baselineDays}");
    for (const k of Object.keys(g)) if (!["kind", "recentDays", "baselineDays"].includes(k)) err(`${p}/${esc(k)}`, "unknown property");
    checkKind(g.kind, `${p}/kind`, err);
    const r = checkDays(g.recentDays, `${p}/recentDays`, err);
    const b = checkDays(g.baselineDays, `${p}/baselineDays`, err);
    if (r && b && (g.recentDays as number) + (g.baselineDays as number) > LIMITS.maxWindowDays) {
      err(p, `recentDays + baselineDays must not exceed ${LIMITS.maxWindowDays}`);
    }
    return { type: "number" };
  }
  if ("entity" in m) {
    if (!(ENTITY_ATTRIBUTES as readonly unknown[]).includes(m.entity)) return void err(`${path}/entity`, `entity is one of ${ENTITY_ATTRIBUTES.join(", ")}`);
    if (m.entity === "category") return { type: "string", levels: CATEGORIES };
    if (m.entity === "entityType") return { type: "string", levels: ["enterprise", "individual"] };
    return { type: "string", pattern: REGION };
  }
  if ("prohibitedType" in m) {
    if (m.prohibitedType !== true) return void err(`${path}/prohibitedType`, "prohibitedType must be true");
    return { type: "boolean" };
  }
  return void err(path, "unknown metric; one of indicator, events, growth, entity, prohibitedType");
}

/** A stable key per metric, so rules sharing a metric compute it once. */
export function metricKey(m: Metric): string {
  if ("indicator" in m) return `indicator:${m.indicator}`;
  if ("entity" in m) return `entity:${m.entity}`;
  if ("prohibitedType" in m) return "prohibitedType";
  if ("growth" in m) return `growth:${m.growth.kind}:${m.growth.recentDays}:${m.growth.baselineDays}`;
  const e = m.events;
  const where = e.where ? `:${e.where.field}=${JSON.stringify(e.where.equals)}` : "";
  const measure = e.measure && e.measure !== "count" ? `:sum(${e.measure.sum})` : "";
  return `events:${e.kind}:${e.days}${where}${measure}`;
}

/** Every metric a condition reads (duplicates included). */
export function metricsOf(c: Condition): Metric[] {
  if ("all" in c) return c.all.flatMap(metricsOf);
  if ("any" in c) return c.any.flatMap(metricsOf);
  if ("not" in c) return metricsOf(c.not);
  return [c.metric];
}

/** Every comparison of a condition. */
export function comparisonsOf(c: Condition): Comparison[] {
  if ("all" in c) return c.all.flatMap(comparisonsOf);
  if ("any" in c) return c.any.flatMap(comparisonsOf);
  if ("not" in c) return comparisonsOf(c.not);
  return [c];
}

export type MetricValue = number | string | boolean | null;

export function compare(actual: MetricValue, op: ComparisonOp, value: Scalar): boolean {
  if (actual === null || actual === undefined) return false;
  switch (op) {
    case "==":
      return actual === value;
    case "!=":
      return actual !== value;
  }
  if (typeof actual !== "number" || typeof value !== "number") return false;
  switch (op) {
    case ">=":
      return actual >= value;
    case ">":
      return actual > value;
    case "<=":
      return actual <= value;
    case "<":
      return actual < value;
  }
}

/** Decides a condition given each metric's value (looked up by metricKey). Pure. */
export function evaluateCondition(c: Condition, valueOf: (m: Metric) => MetricValue): boolean {
  if ("all" in c) return c.all.every((x) => evaluateCondition(x, valueOf));
  if ("any" in c) return c.any.some((x) => evaluateCondition(x, valueOf));
  if ("not" in c) return !evaluateCondition(c.not, valueOf);
  return compare(valueOf(c.metric), c.op, c.value);
}
