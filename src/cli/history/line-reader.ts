// Reads a file line by line from a byte offset, in constant memory, knowing where every line
// ends: a load's checkpoint is a byte offset, so a rerun seeks there instead of re-reading.
// It also hashes the bytes it hands out, so each chunk's batch can carry the SHA-256 of exactly
// the file bytes its records came from.
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { isUtf8 } from "node:buffer";

/** A line longer than this is refused (a record is a few KiB; the API takes 10 MB per batch). */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface FileLine {
  /** 1-based line number in the file. */
  number: number;
  /** The line without its line end (LF or CRLF); undefined when unreadable (see problem). */
  text: string | undefined;
  problem?: string;
  /** Offset just past the line and its line end. */
  end: number;
}

export interface Position {
  offset: number;
  line: number;
}

export class LineReader {
  private hash: Hash = createHash("sha256");

  constructor(
    private readonly path: string,
    private readonly from: Position,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  /**
   * SHA-256 (hex) of the bytes of the lines handed out since the last call. Call it between
   * lines only: the generator hashes a line's bytes before handing it out and nothing after.
   */
  takeDigest(): string {
    const digest = this.hash.digest("hex");
    this.hash = createHash("sha256");
    return digest;
  }

  async *lines(): AsyncGenerator<FileLine> {
    const max = this.maxLineBytes;
    let offset = this.from.offset;
    let number = this.from.line;
    // The line being assembled across read buffers; dropped (only counted) once too long.
    let parts: Buffer[] = [];
    let pending = 0;
    const finish = (content: () => Buffer, size: number, end: number): FileLine => {
      if (size > max) return { number, text: undefined, problem: `the line is longer than ${max} bytes`, end };
      const bytes = content();
      if (!isUtf8(bytes)) return { number, text: undefined, problem: "the line is not valid UTF-8", end };
      let text = bytes.toString("utf8");
      if (text.endsWith("\r")) text = text.slice(0, -1);
      if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      return { number, text, end };
    };
    const stream = createReadStream(this.path, { start: this.from.offset, highWaterMark: 1 << 20 });
    for await (const buf of stream as AsyncIterable<Buffer>) {
      let pos = 0;
      for (;;) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) {
          const rest = buf.subarray(pos);
          this.hash.update(rest);
          pending += rest.length;
          if (pending <= max) parts.push(rest);
          else parts = [];
          break;
        }
        this.hash.update(buf.subarray(pos, nl + 1));
        const size = pending + (nl - pos);
        offset += size + 1;
        const head = parts;
        const at = pos;
        yield finish(() => (head.length === 0 ? buf.subarray(at, nl) : Buffer.concat([...head, buf.subarray(at, nl)])), size, offset);
        number++;
        parts = [];
        pending = 0;
        pos = nl + 1;
      }
    }
    if (pending > 0) {
      offset += pending;
      const head = parts;
      yield finish(() => Buffer.concat(head), pending, offset);
    }
  }
}

const EDGE_BYTES = 64 * 1024;

/**
 * What recognises a file again on a rerun without reading it all: its size and the SHA-256 of
 * its first and last 64 KiB. (A file changed in its middle with the same size is not noticed;
 * loading it again from the checkpoint stays safe, since each record is checked on its own.)
 */
export async function fingerprintOf(path: string): Promise<{ size: number; fingerprint: string }> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const hash = createHash("sha256").update(`${size}\n`);
    const read = async (position: number, length: number) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await file.read(buf, 0, length, position);
      hash.update(buf.subarray(0, bytesRead));
    };
    await read(0, Math.min(EDGE_BYTES, size));
    if (size > EDGE_BYTES) await read(Math.max(EDGE_BYTES, size - EDGE_BYTES), Math.min(EDGE_BYTES, size - EDGE_BYTES));
    return { size, fingerprint: hash.digest("hex") };
  } finally {
    await file.close();
  }
}
