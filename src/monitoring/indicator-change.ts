// Whether the enabled rules would decide differently between two sets of an entity's indicator
// values: a rule's condition is a tree of comparisons, so when every comparison over an
// indicator comes out the same on both, every rule does (the other metrics being unchanged).
// Classification asks this before classifying an entity again for a change that can only have
// moved its relationship indicators (relationships-recheck.ts).
import type { Executor } from "../db/client.js";
import type { IndicatorRow } from "../scoring/index.js";
import { compare, comparisonsOf, type Comparison } from "./rule-language.js";
import { enabledRules } from "./rules-store.js";

/** Reads the enabled rules once; the predicate answers for any number of entities. */
export type RulesReadChange = (on: Executor) => Promise<(before: IndicatorRow, after: IndicatorRow) => boolean>;

export const rulesReadChange: RulesReadChange = async (on) => {
  const comparisons: Array<Comparison & { metric: { indicator: string } }> = [];
  for (const rule of await enabledRules(on)) {
    for (const c of comparisonsOf(rule.definition.condition)) if ("indicator" in c.metric) comparisons.push(c as never);
  }
  // An indicator absent from a row reads as null on both sides: no comparison over it differs.
  const value = (row: IndicatorRow, id: string) => (row[id] ?? null) as Parameters<typeof compare>[0];
  return (before, after) =>
    comparisons.some((c) => compare(value(before, c.metric.indicator), c.op, c.value) !== compare(value(after, c.metric.indicator), c.op, c.value));
};
