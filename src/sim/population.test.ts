import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isValidUscc, parseCsv, CATEGORIES } from "../scoring/index.js";
import { generatePopulation, populationTable, TABLE_COLUMNS } from "./population.js";
import { writePopulation } from "./write.js";

describe("synthetic population", () => {
  it("is reproducible from its seed and differs across seeds", () => {
    const a = JSON.stringify(populationTable({ entities: 150, seed: 5 }));
    expect(JSON.stringify(populationTable({ entities: 150, seed: 5 }))).toBe(a);
    expect(JSON.stringify(populationTable({ entities: 150, seed: 6 }))).not.toBe(a);
  });
  it("produces DESIGN §5 records with valid USCCs, shared platforms and related entities", () => {
    let shared = 0;
    let clustered = 0;
    let n = 0;
    for (const c of generatePopulation({ entities: 400, seed: 9 })) {
      if (c.entities.length > 1) clustered += c.entities.length;
      for (const e of c.entities) {
        n++;
        if (new Set(e.merchants.map((m) => m.platformId)).size > 1) shared++;
        for (const { record } of e.merchants) {
          expect(CATEGORIES).toContain(record.category);
          expect(record.regionCode).toMatch(/^5101\d\d$/);
          if (record.uscc) expect(isValidUscc(record.uscc)).toBe(true);
          else expect(record.idNumberHash).toMatch(/^[0-9a-f]{64}$/);
        }
        for (const { event } of e.events) expect(Object.keys(event)).toEqual(["eventId", "shopId", "kind", "occurredAt", "data"]);
      }
    }
    expect(n).toBe(400);
    expect(shared).toBeGreaterThan(40);
    expect(clustered).toBeGreaterThan(40);
  });
  it("writes NDJSON batches per platform and the labelled CSV", () => {
    const out = mkdtempSync(join(tmpdir(), "sim-"));
    const s = writePopulation({ entities: 120, seed: 3, out, batchSize: 500 });
    const { header, rows } = parseCsv(readFileSync(s.files.indicators, "utf8"));
    expect(header).toEqual(TABLE_COLUMNS);
    expect(rows).toHaveLength(s.rows);
    const platforms = readdirSync(join(out, "batches"));
    expect(platforms.length).toBeGreaterThan(1);
    const first = readFileSync(join(out, "batches", platforms[0] as string, "events-00001.ndjson"), "utf8").trim().split("\n");
    expect(first.length).toBeLessThanOrEqual(500);
    expect(JSON.parse(first[0] as string)).toHaveProperty("kind");
  });
});
