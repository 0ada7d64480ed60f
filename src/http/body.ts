// Reads a request body once, as exact bytes, within a size limit: signatures are checked over
// these bytes before anything parses them. Then parses by media type.
import { performance } from "node:perf_hooks";
import { AppError } from "./errors.js";

/**
 * How long a request body may take: a client that trickles its body (or stops halfway) would
 * otherwise hold a connection and a growing buffer for as long as it likes. `idleMs` is the
 * longest pause between two pieces and the grace before the rate applies; after it the
 * average rate since the body began must stay at or above `minBytesPerSecond` (0: no rate).
 */
export interface BodyTimeouts {
  idleMs: number;
  minBytesPerSecond: number;
}

/**
 * Reads at most `limit` bytes; more is a 413 without buffering the rest. With `timeouts`, a
 * body that pauses or crawls is a 408 (the connection is closed after it: the rest of the body
 * is still on the wire). Nothing has been acted on when either is thrown.
 */
export async function readBody(req: Request, limit: number, timeouts?: BodyTimeouts): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Elapsed time of this read only (not a domain time): a monotonic timer.
  const began = performance.now();
  let last = began;
  for (;;) {
    const { done, value } = timeouts ? await readWithin(reader, deadline(timeouts, began, last, size)) : await reader.read();
    if (done) break;
    last = performance.now();
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** When the next piece must have come: within idleMs of the last, and soon enough to keep the rate. */
function deadline(t: BodyTimeouts, began: number, last: number, size: number): number {
  const idle = last + t.idleMs;
  if (t.minBytesPerSecond <= 0) return idle;
  // The average rate size / elapsed stays >= the minimum until began + size / rate.
  return Math.min(idle, Math.max(began + t.idleMs, began + (size * 1000) / t.minBytesPerSecond));
}

async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, by: number): ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), Math.max(0, by - performance.now()));
  });
  try {
    const result = await Promise.race([reader.read(), late]);
    if (result !== "late") return result;
  } finally {
    clearTimeout(timer);
  }
  await reader.cancel().catch(() => {});
  throw new AppError("REQUEST_TIMEOUT", "the request body arrived too slowly; nothing of it was processed, send it again", {
    headers: { Connection: "close" },
  });
}

const tooLarge = (limit: number) =>
  new AppError("PAYLOAD_TOO_LARGE", `request body exceeds the limit of ${limit} bytes`, { limitBytes: limit });

/** The media type without parameters, lower case: "application/json; charset=utf-8" -> "application/json". */
export function mediaTypeOf(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  return header.split(";")[0]!.trim().toLowerCase() || undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppError("BAD_REQUEST", "request body is not valid UTF-8");
  }
}

/** A line of an NDJSON body that is not JSON: kept in place so its record can be rejected alone. */
export class MalformedLine {
  constructor(
    readonly line: number,
    readonly message: string,
  ) {}
}

/**
 * Parses a body by media type. NDJSON becomes `{ [recordsProperty]: [...] }` so handlers see
 * one shape for both forms; a malformed NDJSON line becomes a MalformedLine in its place.
 */
export function parseBody(bytes: Uint8Array, mediaType: string, recordsProperty = "records"): unknown {
  const text = decodeText(bytes);
  if (mediaType === "application/json" || mediaType.endsWith("+json")) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new AppError("MALFORMED_JSON", `request body is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (mediaType === "application/x-ndjson") {
    const records: unknown[] = [];
    const lines = text.split("\n");
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === "") return;
      try {
        records.push(JSON.parse(line));
      } catch (err) {
        records.push(new MalformedLine(i + 1, (err as Error).message));
      }
    });
    return { [recordsProperty]: records };
  }
  if (mediaType === "application/x-www-form-urlencoded") {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(text)) {
      // RFC 6749 §3.2: parameters must not be repeated.
      if (k in out) throw new AppError("BAD_REQUEST", `form parameter ${k} is repeated`);
      out[k] = v;
    }
    return out;
  }
  return text;
}
