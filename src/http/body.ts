// Reads a request body once, as exact bytes, within a size limit: signatures are checked over
// these bytes before anything parses them. Then parses by media type.
import { AppError } from "./errors.js";

/** Reads at most `limit` bytes; more is a 413 without buffering the rest. */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
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
