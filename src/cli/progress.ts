// Progress of a long CLI operation on stderr: a bar with rate and ETA redrawn in place on a
// terminal; plain lines (at most one every few seconds) when stderr is a file or a pipe.
// Rates use a monotonic timer: elapsed time, not a domain time.
import { performance } from "node:perf_hooks";

export interface ProgressSink {
  isTTY: boolean;
  write(text: string): void;
}

export const stderrSink: ProgressSink = { isTTY: Boolean(process.stderr.isTTY), write: (t) => void process.stderr.write(t) };

const fmt = (n: number) => n.toLocaleString("en-US");

function bytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * unit "count": done/total are items and the rate is items/s. unit "bytes": done/total are bytes
 * of a file (the bar and the ETA follow them) and update's `rows` gives the rows/s shown.
 */
export function createProgress(label: string, sink: ProgressSink = stderrSink, plainEveryMs = 5_000, unit: "count" | "bytes" = "count") {
  const began = performance.now();
  let first: number | undefined;
  let lastPlain = -Infinity;
  let drawn = false;
  const line = (done: number, total: number | null, rows: number) => {
    if (first === undefined) first = done;
    const elapsed = (performance.now() - began) / 1000;
    const rate = elapsed > 0 ? (done - first) / elapsed : 0;
    const pct = total ? Math.min(100, (100 * done) / total) : NaN;
    const eta = total && rate > 0 ? (total - done) / rate : NaN;
    const text =
      unit === "bytes"
        ? `${bytes(done)}/${total === null ? "?" : bytes(total)}  ${fmt(rows)} rows  ${fmt(Math.round(elapsed > 0 ? rows / elapsed : 0))} rows/s  ETA ${duration(eta)}`
        : `${fmt(done)}/${total === null ? "?" : fmt(total)}  ${fmt(Math.round(rate))}/s  ETA ${duration(eta)}`;
    return { pct, rate, eta, text };
  };
  return {
    /** rows: with unit "bytes", the rows done so far in this process. */
    update(done: number, total: number | null, rows = 0) {
      const l = line(done, total, rows);
      if (sink.isTTY) {
        const width = 30;
        const filled = Number.isFinite(l.pct) ? Math.round((l.pct / 100) * width) : 0;
        sink.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${Number.isFinite(l.pct) ? l.pct.toFixed(1) : "?"}%  ${l.text}\x1b[K`);
        drawn = true;
      } else if (performance.now() - lastPlain >= plainEveryMs) {
        lastPlain = performance.now();
        sink.write(`${label}: ${Number.isFinite(l.pct) ? l.pct.toFixed(1) + "% " : ""}${l.text}\n`);
      }
    },
    finish(summary: string) {
      if (sink.isTTY && drawn) sink.write("\n");
      sink.write(`${label}: ${summary} in ${duration((performance.now() - began) / 1000)}\n`);
    },
  };
}
