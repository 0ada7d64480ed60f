// A minimal POSIX ustar writer and reader for the backup archive: a handful of regular files
// with short names, held in memory (the database dump already is). Enough for `tar tf` and
// `tar xf` to read what we write; entries we do not write (links, devices, long names) are
// refused on reading rather than guessed at.
const BLOCK = 512;

export interface TarEntry {
  name: string;
  data: Uint8Array;
  /** Unix permission bits (default 0600). */
  mode?: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(entry: TarEntry, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (text: string, offset: number) => h.set(new TextEncoder().encode(text), offset);
  if (new TextEncoder().encode(entry.name).length > 100) throw new Error(`tar: name too long: ${entry.name}`);
  put(entry.name, 0);
  put(octal(entry.mode ?? 0o600, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(entry.data.length, 12), 124);
  put(octal(mtime, 12), 136);
  put("        ", 148); // the checksum counts its own field as spaces
  put("0", 156);
  put("ustar\0" + "00", 257);
  const sum = h.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

export function writeTar(entries: readonly TarEntry[], mtime = Math.floor(Date.now() / 1000)): Uint8Array {
  const size = entries.reduce((n, e) => n + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let at = 0;
  for (const e of entries) {
    out.set(header(e, mtime), at);
    at += BLOCK;
    out.set(e.data, at);
    at += Math.ceil(e.data.length / BLOCK) * BLOCK;
  }
  return out; // the two zero blocks at the end are already zero
}

export class TarError extends Error {
  override readonly name = "TarError";
}

export function readTar(bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (offset: number, length: number) => {
    const raw = bytes.subarray(offset, offset + length);
    const end = raw.indexOf(0);
    return new TextDecoder().decode(end === -1 ? raw : raw.subarray(0, end));
  };
  let at = 0;
  while (at + BLOCK <= bytes.length) {
    const h = bytes.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return files;
    const stored = parseInt(text(at + 148, 8).trim(), 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (stored !== sum) throw new TarError(`not a tar archive, or damaged (bad header checksum at byte ${at})`);
    const type = text(at + 156, 1);
    if (type !== "0" && type !== "" && type !== "5") throw new TarError(`unexpected tar entry type "${type}"`);
    const prefix = text(at + 345, 155);
    const name = (prefix ? `${prefix}/` : "") + text(at, 100);
    const size = parseInt(text(at + 124, 12).trim(), 8);
    if (!Number.isSafeInteger(size) || at + BLOCK + size > bytes.length) throw new TarError(`tar entry ${name} runs past the end: truncated archive`);
    // Directories (a re-packed archive may list them) carry nothing we need.
    if (type !== "5") files.set(name, bytes.slice(at + BLOCK, at + BLOCK + size));
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new TarError("the archive ends without its end marker: truncated");
}
