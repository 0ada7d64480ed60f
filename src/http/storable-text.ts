// Text PostgreSQL cannot store: its text and jsonb types refuse U+0000 and lone UTF-16
// surrogates, and JSON can carry both as escapes ("\u0000", "\ud800"). Found before a statement
// sees them, so the answer is a 4xx naming the field (a batch: the record), never a 500.

/** With the `u` flag paired surrogates are one code point, so this matches only lone halves. */
export const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export const isStorableString = (s: string): boolean => !s.includes("\0") && !LONE_SURROGATE.test(s);

/**
 * Whether a raw JSON body may hold unstorable text: only through a "\u0000" or a
 * "\uD800"-"\uDFFF" escape (UTF-8 cannot encode a lone surrogate). Byte searches over the
 * body as it is (no decoded copy), so the common body is ruled out cheaply.
 */
export function mayHoldUnstorableText(raw: Uint8Array): boolean {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.includes("\\u0000")) return true;
  for (const lead of ["\\ud", "\\uD"]) {
    for (let at = bytes.indexOf(lead); at !== -1; at = bytes.indexOf(lead, at + 3)) {
      const next = bytes[at + 3];
      // 8-9, a-f, A-F: the surrogate range D800-DFFF
      if (next !== undefined && ((next >= 0x38 && next <= 0x39) || (next >= 0x61 && next <= 0x66) || (next >= 0x41 && next <= 0x46))) return true;
    }
  }
  return false;
}

/** The JSON pointer of the first string (or member name) PostgreSQL cannot store, if any. */
export function unstorableTextAt(value: unknown, pointer = ""): string | undefined {
  if (typeof value === "string") return isStorableString(value) ? undefined : pointer || "/";
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableTextAt(value[i], `${pointer}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const at = `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (!isStorableString(k)) return at;
      const found = unstorableTextAt(v, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
