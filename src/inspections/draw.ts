// The draw itself (双随机): pure, deterministic from the seed. Given the population as a stream
// in its stable order (class, entity id) and each class's size, it selects exactly
// ceil(ratio × size) entities per class by selection sampling (Knuth's Algorithm S: one pass,
// memory for the selected only), then assigns inspectors at random: never one listing the
// entity among their conflicts, those covering the entity's district first, the least loaded
// first among them (spreading the load), ties broken by the seeded generator. The same record
// (seed, inputs, population) always yields the same list: that is what verification checks.
import { createHash } from "node:crypto";
import { createRng } from "../scoring/index.js";

export const DRAW_CLASSES = ["A", "B", "C", "D", "unclassified"] as const;
export type DrawClass = (typeof DRAW_CLASSES)[number];

export interface Inspector {
  id: string;
  name: string;
  districts: string[];
  conflicts: string[];
}

export interface Member {
  riskClass: DrawClass;
  entityId: string;
  regionCode: string;
}

export interface Assignment {
  entityId: string;
  riskClass: DrawClass;
  regionCode: string;
  inspectors: string[];
  /** Some assigned inspector does not cover the entity's district (too few local ones were free). */
  outsideDistrict: boolean;
  /** Fewer inspectors than asked for: the rest of the pool is conflicted. */
  understaffed: boolean;
}

export interface DrawResult {
  byClass: Record<string, { population: number; ratio: number; drawn: number }>;
  assignments: Assignment[];
  load: Record<string, number>;
}

export const sampleSize = (population: number, ratio: number): number => Math.min(population, Math.ceil(population * ratio - 1e-9));

/** Running sha256 over the population in its stable order. */
export function populationHasher() {
  const h = createHash("sha256");
  return {
    add: (m: Member) => h.update(`${m.riskClass},${m.entityId},${m.regionCode}\n`),
    digest: () => h.digest("hex"),
  };
}

/** Selection sampling per class; `members` must come in (class, entity id) order. */
export async function selectMembers(
  members: AsyncIterable<Member[]>,
  sizes: Readonly<Record<string, number>>,
  ratios: Readonly<Record<string, number>>,
  seed: string,
): Promise<{ selected: Member[]; populationDigest: string; count: number }> {
  const hasher = populationHasher();
  const state = new Map<string, { rng: ReturnType<typeof createRng>; seen: number; taken: number; want: number; n: number }>();
  const selected: Member[] = [];
  let count = 0;
  for await (const chunk of members) {
    for (const m of chunk) {
      hasher.add(m);
      count++;
      let s = state.get(m.riskClass);
      if (!s) {
        const n = sizes[m.riskClass] ?? 0;
        s = { rng: createRng(`${seed}:class:${m.riskClass}`), seen: 0, taken: 0, n, want: sampleSize(n, ratios[m.riskClass] ?? 0) };
        state.set(m.riskClass, s);
      }
      // Algorithm S: take with probability (still wanted) / (still to see): exactly `want` taken.
      if (s.taken < s.want && s.rng.next() * (s.n - s.seen) < s.want - s.taken) {
        selected.push(m);
        s.taken++;
      }
      s.seen++;
    }
  }
  return { selected, populationDigest: hasher.digest(), count };
}

export function assignInspectors(selected: readonly Member[], pool: readonly Inspector[], perEntity: number, seed: string): { assignments: Assignment[]; load: Record<string, number> } {
  const rng = createRng(`${seed}:assign`);
  const load = new Map(pool.map((p) => [p.id, 0]));
  const conflicts = new Map(pool.map((p) => [p.id, new Set(p.conflicts.map((c) => c.toLowerCase()))]));
  const covers = (p: Inspector, region: string) => p.districts.some((d) => region.startsWith(d));
  const assignments = selected.map((m): Assignment => {
    const free = pool.filter((p) => !conflicts.get(p.id)!.has(m.entityId.toLowerCase()));
    const chosen: Inspector[] = [];
    let outside = false;
    for (const local of [true, false]) {
      let tier = free.filter((p) => covers(p, m.regionCode) === local);
      while (chosen.length < perEntity && tier.length > 0) {
        const least = Math.min(...tier.map((p) => load.get(p.id)!));
        const lightest = tier.filter((p) => load.get(p.id) === least);
        const pick = lightest[rng.int(lightest.length)]!;
        chosen.push(pick);
        load.set(pick.id, least + 1);
        if (!local) outside = true;
        tier = tier.filter((p) => p !== pick);
      }
    }
    return { entityId: m.entityId, riskClass: m.riskClass, regionCode: m.regionCode, inspectors: chosen.map((p) => p.id), outsideDistrict: outside, understaffed: chosen.length < perEntity };
  });
  return { assignments, load: Object.fromEntries(load) };
}

/** sha256 of the result's canonical JSON (keys in a fixed order by construction). */
export function resultDigest(result: DrawResult): string {
  return createHash("sha256").update(JSON.stringify(result)).digest("hex");
}
