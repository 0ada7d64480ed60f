import { describe, expect, it } from "vitest";
import { loadSpec } from "../http/spec.js";
import { SpecValidator } from "../http/validation.js";
import { BUILT_IN_RULES } from "./built-in-rules.js";
import { EVENT_KINDS, evaluateCondition, LIMITS, metricKey, validateRule, type Condition, type Metric, type MetricValue } from "./rule-language.js";

const rule = (condition: unknown, extra: Record<string, unknown> = {}) => ({
  key: "test.rule", nameZh: "测试", severity: "low", scope: "all", action: "warn", windowDays: 30, condition, ...extra,
});
const errorsOf = (input: unknown) => {
  const r = validateRule(input);
  return r.ok ? [] : r.errors;
};

describe("rule language: validation", () => {
  const spec = loadSpec();
  const validator = new SpecValidator(spec);
  const structural = validator.component("MonitoringRuleDefinition");

  it("accepts every built-in rule, structurally (the spec) and semantically", () => {
    expect(new Set(BUILT_IN_RULES.map((r) => r.key)).size).toBe(BUILT_IN_RULES.length);
    for (const r of BUILT_IN_RULES) {
      expect(structural(r), `${r.key}: ${JSON.stringify(structural.errors)}`).toBe(true);
      expect(errorsOf(r), r.key).toEqual([]);
    }
  });

  it("ships a high-severity warn_and_notice rule (the notice issue relies on it)", () => {
    expect(BUILT_IN_RULES.some((r) => r.severity === "high" && r.action === "warn_and_notice" && r.scope !== "inside")).toBe(true);
  });

  it("knows the spec's event kinds", () => {
    const kinds = (spec.document.components as { schemas: Record<string, { enum: string[] }> }).schemas.EventKind!.enum;
    expect([...EVENT_KINDS].sort()).toEqual([...kinds].sort());
  });

  it("lists every problem with its JSON pointer", () => {
    const errors = errorsOf({
      key: "X", nameZh: "", severity: "urgent", scope: "everywhere", action: "shout", windowDays: 2000,
      condition: {
        all: [
          { metric: { indicator: "no_such_indicator" }, op: ">=", value: 1 },
          { metric: { events: { kind: "gossip", days: 0 } }, op: ">=", value: 1 },
          { metric: { entity: "category" }, op: ">", value: "food" },
          { metric: { entity: "category" }, op: "==", value: "weapons" },
          { metric: { indicator: "licence_status" }, op: "==", value: 3 },
          { metric: { growth: { kind: "complaint", recentDays: 1000, baselineDays: 200 } }, op: ">=", value: 2 },
          { metric: { prohibitedType: true }, op: "==", value: "yes" },
          { metric: { events: { kind: "complaint", days: 7, where: { field: "reason", equals: "x" }, measure: { sum: "amount" } } }, op: ">=", value: 1 },
          { metric: { entity: "regionCode" }, op: "==", value: "51" },
        ],
      },
    });
    const pointers = errors.map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining([
      "/key", "/nameZh", "/severity", "/scope", "/action", "/windowDays",
      "/condition/all/0/metric/indicator",
      "/condition/all/1/metric/events/kind", "/condition/all/1/metric/events/days",
      "/condition/all/2/op", "/condition/all/3/value", "/condition/all/4/value",
      "/condition/all/5/metric/growth", "/condition/all/6/value",
      "/condition/all/7/metric/events/where/field", "/condition/all/7/metric/events/measure",
      "/condition/all/8/value",
    ]));
    for (const e of errors) expect(e.message.length).toBeGreaterThan(5);
  });

  it("bounds depth and size", () => {
    const leaf = { metric: { events: { kind: "complaint", days: 7 } }, op: ">=", value: 1 };
    let deep: unknown = leaf;
    for (let i = 0; i <= LIMITS.maxDepth; i++) deep = { not: deep };
    expect(errorsOf(rule(deep)).some((e) => e.message.includes("nest"))).toBe(true);
    const wide = { any: Array.from({ length: LIMITS.maxChildren + 1 }, () => leaf) };
    expect(errorsOf(rule(wide)).some((e) => e.pointer === "/condition/any")).toBe(true);
    const many = { all: Array.from({ length: 10 }, () => ({ any: Array.from({ length: 10 }, () => leaf) })) };
    expect(errorsOf(rule(many)).some((e) => e.message.includes(`at most ${LIMITS.maxNodes}`))).toBe(true);
    expect(errorsOf(rule({ all: [] }))).toEqual([{ pointer: "/condition/all", message: expect.any(String) }]);
  });

  it("refuses non-objects and unknown properties", () => {
    expect(errorsOf(null)).toHaveLength(1);
    expect(errorsOf(rule({ metric: { indicator: "complaints_90d" }, op: ">=", value: 1, extra: 1 })).map((e) => e.pointer)).toEqual(["/condition/extra"]);
    expect(errorsOf(rule({ metric: { indicator: "complaints_90d", entity: "category" }, op: ">=", value: 1 })).map((e) => e.pointer)).toEqual(["/condition/metric"]);
  });
});

describe("rule language: evaluation", () => {
  const events7: Metric = { events: { kind: "complaint", days: 7 } };
  const growth: Metric = { growth: { kind: "complaint", recentDays: 7, baselineDays: 56 } };
  const values = (v: Record<string, MetricValue>) => (m: Metric) => v[metricKey(m)] ?? null;

  it("combines all / any / not", () => {
    const c: Condition = { all: [{ metric: events7, op: ">=", value: 5 }, { any: [{ metric: { entity: "category" }, op: "==", value: "food" }, { not: { metric: { prohibitedType: true }, op: "==", value: false } }] }] };
    expect(evaluateCondition(c, values({ [metricKey(events7)]: 5, "entity:category": "food", prohibitedType: false }))).toBe(true);
    expect(evaluateCondition(c, values({ [metricKey(events7)]: 4, "entity:category": "food", prohibitedType: false }))).toBe(false);
    expect(evaluateCondition(c, values({ [metricKey(events7)]: 9, "entity:category": "apparel", prohibitedType: false }))).toBe(false);
    expect(evaluateCondition(c, values({ [metricKey(events7)]: 9, "entity:category": "apparel", prohibitedType: true }))).toBe(true);
  });

  it("a null metric makes any comparison false (so `not <` holds for an empty baseline)", () => {
    for (const op of [">=", ">", "<=", "<", "==", "!="] as const) {
      expect(evaluateCondition({ metric: growth, op, value: 3 }, values({}))).toBe(false);
    }
    const sudden: Condition = { not: { metric: growth, op: "<", value: 3 } };
    expect(evaluateCondition(sudden, values({}))).toBe(true);
    expect(evaluateCondition(sudden, values({ [metricKey(growth)]: 2.5 }))).toBe(false);
    expect(evaluateCondition(sudden, values({ [metricKey(growth)]: 3 }))).toBe(true);
  });

  it("gives each distinct metric one key", () => {
    const a = metricKey({ events: { kind: "litigation", days: 365, where: { field: "data.role", equals: "defendant" } } });
    const b = metricKey({ events: { kind: "litigation", days: 365, where: { field: "data.role", equals: "plaintiff" } } });
    const c = metricKey({ events: { kind: "litigation", days: 365, measure: "count" } });
    expect(new Set([a, b, c, metricKey({ events: { kind: "litigation", days: 365 } })]).size).toBe(3);
  });
});
