// Writes a synthetic population to disk, streaming: (a) platform batches in the DESIGN §5
// record shapes as NDJSON files of at most `batchSize` records (ready for
// POST /v1/merchants/batch and /v1/events/batch with Content-Type application/x-ndjson),
// (b) the labelled indicator table as CSV, (c) ground truth (latent propensity) as CSV.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { csvLine } from "../scoring/index.js";
import { toApiEvent, toApiMerchant } from "./api-records.js";
import { generatePopulation, INDICATOR_COLUMNS, TABLE_COLUMNS, type PopulationOptions } from "./population.js";

class BufferedFile {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  constructor(path: string) {
    this.fd = openSync(path, "w");
  }
  write(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.buf.length > 0) writeSync(this.fd, this.buf.join(""));
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** One platform's NDJSON files of one kind, rotated every batchSize records. */
class BatchSeries {
  private file: BufferedFile | null = null;
  private inFile = 0;
  private files = 0;
  records = 0;
  constructor(
    private dir: string,
    private kind: "merchants" | "events",
    private batchSize: number,
  ) {}
  add(record: unknown): void {
    if (this.file === null || this.inFile >= this.batchSize) {
      this.file?.close();
      this.files++;
      this.file = new BufferedFile(join(this.dir, `${this.kind}-${String(this.files).padStart(5, "0")}.ndjson`));
      this.inFile = 0;
    }
    this.file.write(JSON.stringify(record) + "\n");
    this.inFile++;
    this.records++;
  }
  close(): void {
    this.file?.close();
  }
}

export interface WriteOptions extends PopulationOptions {
  out: string;
  batches?: boolean;
  batchSize?: number;
  onProgress?: (entities: number) => void;
}

export interface WriteSummary {
  entities: number;
  rows: number;
  positives: number;
  merchants: number;
  events: number;
  files: { indicators: string; truth: string; batches: string | null };
}

export function writePopulation(opts: WriteOptions): WriteSummary {
  mkdirSync(opts.out, { recursive: true });
  const batchSize = opts.batchSize ?? 10_000;
  const indicatorsPath = join(opts.out, "indicators.csv");
  const truthPath = join(opts.out, "truth.csv");
  const table = new BufferedFile(indicatorsPath);
  const truth = new BufferedFile(truthPath);
  table.write(csvLine(TABLE_COLUMNS));
  truth.write(csvLine(["entity_id", "cluster_id", "category", "region_code", "opened_at", "propensity", "violations"]));
  const series = new Map<string, { merchants: BatchSeries; events: BatchSeries }>();
  const batchDir = join(opts.out, "batches");
  const seriesFor = (platformId: string) => {
    let s = series.get(platformId);
    if (!s) {
      const dir = join(batchDir, platformId);
      mkdirSync(dir, { recursive: true });
      s = { merchants: new BatchSeries(dir, "merchants", batchSize), events: new BatchSeries(dir, "events", batchSize) };
      series.set(platformId, s);
    }
    return s;
  };
  let entities = 0;
  let rows = 0;
  let positives = 0;
  for (const cluster of generatePopulation(opts)) {
    for (const e of cluster.entities) {
      entities++;
      truth.write(csvLine([e.entityId, e.clusterId, e.category, e.regionCode, e.openedAt, e.propensity.toFixed(6), e.violationTimes.length]));
      if (opts.batches !== false) {
        for (const m of e.merchants) seriesFor(m.platformId).merchants.add(toApiMerchant(m.record));
        for (const ev of e.events) seriesFor(ev.platformId).events.add(toApiEvent(ev.event));
      }
    }
    for (const r of cluster.rows) {
      rows++;
      positives += r.label;
      table.write(csvLine([r.entity_id, r.as_of, r.label, ...INDICATOR_COLUMNS.map((c) => r.indicators[c] ?? null)]));
    }
    if (opts.onProgress && entities % 10_000 < cluster.entities.length) opts.onProgress(entities);
  }
  table.close();
  truth.close();
  let merchants = 0;
  let events = 0;
  for (const s of series.values()) {
    s.merchants.close();
    s.events.close();
    merchants += s.merchants.records;
    events += s.events.records;
  }
  return {
    entities,
    rows,
    positives,
    merchants,
    events,
    files: { indicators: indicatorsPath, truth: truthPath, batches: opts.batches === false ? null : batchDir },
  };
}
