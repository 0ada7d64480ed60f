import { describe, expect, it } from "vitest";
import { assignInspectors, resultDigest, sampleSize, selectMembers, type Member } from "./draw.js";

const uuid = (k: number) => `00000000-0000-7000-8000-${String(k).padStart(12, "0")}`;
function population(sizes: Record<string, number>): { members: Member[]; sizes: Record<string, number> } {
  const members: Member[] = [];
  let k = 0;
  for (const [c, n] of Object.entries(sizes)) for (let i = 0; i < n; i++, k++) members.push({ riskClass: c as Member["riskClass"], entityId: uuid(k), regionCode: k % 2 ? "510104" : "510107" });
  return { members, sizes };
}
async function* chunks(members: Member[], size: number) {
  for (let i = 0; i < members.length; i += size) yield members.slice(i, i + size);
}

describe("the draw", () => {
  it("takes exactly ceil(ratio × size) per class, the same for the same seed however the stream is chunked", async () => {
    const { members, sizes } = population({ A: 1000, B: 300, C: 41, D: 7 });
    const ratios = { A: 0.03, B: 0.05, C: 0.1, D: 1 };
    const one = await selectMembers(chunks(members, 64), sizes, ratios, "seed");
    const two = await selectMembers(chunks(members, 1000), sizes, ratios, "seed");
    expect(two).toEqual(one);
    for (const [c, r] of Object.entries(ratios)) expect(one.selected.filter((m) => m.riskClass === c)).toHaveLength(sampleSize(sizes[c]!, r));
    expect(sampleSize(1000, 0.03)).toBe(30);
    expect(sampleSize(41, 0.1)).toBe(5);
    const other = await selectMembers(chunks(members, 64), sizes, ratios, "other seed");
    expect(other.selected).not.toEqual(one.selected);
    expect(other.populationDigest).toBe(one.populationDigest);
  });

  it("spreads A's draws over the whole class (no bias to the start of the order)", async () => {
    const { members, sizes } = population({ A: 10_000 });
    const firstHalf: number[] = [];
    for (let s = 0; s < 20; s++) {
      const { selected } = await selectMembers(chunks(members, 500), sizes, { A: 0.05 }, `s${s}`);
      firstHalf.push(selected.filter((m) => Number(m.entityId.slice(-12)) < 5000).length / selected.length);
    }
    const mean = firstHalf.reduce((a, b) => a + b, 0) / firstHalf.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it("never assigns a conflicted inspector, prefers the district's own, and balances load", () => {
    const { members } = population({ C: 60 });
    const pool = [
      { id: "a", name: "A", districts: ["510104"], conflicts: [uuid(1)] },
      { id: "b", name: "B", districts: ["510104"], conflicts: [] },
      { id: "c", name: "C", districts: ["510107"], conflicts: [] },
      { id: "d", name: "D", districts: ["510107"], conflicts: [uuid(2)] },
    ];
    const { assignments, load } = assignInspectors(members, pool, 2, "seed");
    for (const a of assignments) {
      expect(a.inspectors).toHaveLength(2);
      for (const i of a.inspectors) expect(pool.find((p) => p.id === i)!.conflicts).not.toContain(a.entityId);
      if (!a.outsideDistrict) for (const i of a.inspectors) expect(a.regionCode.startsWith(pool.find((p) => p.id === i)!.districts[0]!)).toBe(true);
    }
    expect(assignments.filter((a) => a.outsideDistrict).map((a) => a.entityId).sort()).toEqual([uuid(1), uuid(2)]);
    expect(Math.max(...Object.values(load)) - Math.min(...Object.values(load))).toBeLessThanOrEqual(2);
    expect(assignInspectors(members, pool, 2, "seed")).toEqual({ assignments, load });
    const few = assignInspectors(members.slice(0, 3), [pool[0]!], 2, "x");
    expect(few.assignments.map((a) => a.understaffed)).toEqual([true, true, true]);
    expect(few.assignments[1]!.inspectors).toEqual([]);
    expect(resultDigest({ byClass: {}, assignments, load })).toMatch(/^[0-9a-f]{64}$/);
  });
});
