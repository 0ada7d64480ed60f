// The prior: the base rate of violations in the entity's category, as the mean of a Beta
// posterior centred on the global rate. A category with few entities borrows strength from
// the whole population: rate_c = (positives_c + m * globalRate) / (n_c + m), m = strength.
import { toLevel } from "./values.js";
import type { Column } from "./score.js";
import type { PriorModel } from "./types.js";

export function fitPrior(column: string | null, col: Column | undefined, labels: Uint8Array, strength: number): PriorModel {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  // add-½ (Jeffreys) so the global rate is never exactly 0 or 1
  const globalRate = (positives + 0.5) / (labels.length + 1);
  const counts = new Map<string, { n: number; positives: number }>();
  if (col !== undefined) {
    for (let i = 0; i < labels.length; i++) {
      const c = toLevel(col[i] as never);
      if (c === null) continue;
      const e = counts.get(c) ?? { n: 0, positives: 0 };
      e.n++;
      e.positives += labels[i] as number;
      counts.set(c, e);
    }
  }
  const categories: PriorModel["categories"] = {};
  for (const name of [...counts.keys()].sort()) {
    const e = counts.get(name) as { n: number; positives: number };
    const rate = (e.positives + strength * globalRate) / (e.n + strength);
    // with strength 0 a category of all-positives would give rate 1: keep it inside (0, 1)
    categories[name] = { n: e.n, positives: e.positives, rate: Math.min(1 - 1e-6, Math.max(1e-6, rate)) };
  }
  return { column: col === undefined ? null : column, globalRate, strength, categories };
}
