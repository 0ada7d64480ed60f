import { describe, expect, it } from "vitest";
import { batchBodies } from "./batches.js";

const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as { records: unknown[] };

describe("batchBodies", () => {
  it("keeps one batch up to the record limit and splits beyond it, in order", () => {
    const records = Array.from({ length: 25 }, (_, i) => ({ eventId: `e${i}`, note: "成都" }));
    const one = [...batchBodies(records.slice(0, 10), { maxRecords: 10, maxBytes: 1e6 })];
    expect(one).toHaveLength(1);
    const many = [...batchBodies(records, { maxRecords: 10, maxBytes: 1e6 })];
    expect(many.map((b) => [b.offset, b.count])).toEqual([[0, 10], [10, 10], [20, 5]]);
    expect(many.flatMap((b) => decode(b.bytes).records)).toEqual(records);
  });

  it("splits by bytes too, and never exceeds the byte limit with more than one record", () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ id: i, pad: "x".repeat(100) }));
    const bodies = [...batchBodies(records, { maxRecords: 10_000, maxBytes: 1000 })];
    expect(bodies.length).toBeGreaterThan(5);
    for (const b of bodies) expect(b.bytes.length).toBeLessThanOrEqual(1000);
    expect(bodies.flatMap((b) => decode(b.bytes).records)).toEqual(records);
  });

  it("sends an oversized record alone (the gateway names it with 413)", () => {
    const bodies = [...batchBodies([{ a: 1 }, { big: "y".repeat(5000) }, { b: 2 }], { maxRecords: 10, maxBytes: 1000 })];
    expect(bodies.map((b) => b.count)).toEqual([1, 1, 1]);
  });
});
