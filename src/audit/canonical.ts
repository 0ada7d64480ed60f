// Canonical JSON for the audit chain: the bytes that get hashed must be reproducible from what
// the database hands back. jsonb keeps neither key order nor number spelling (it sorts keys by
// length, and `1e21` comes back as `1000000000000000000000`), so the hash is taken over a
// canonical form in the manner of RFC 8785 (JCS): object keys sorted by UTF-16 code units at
// every depth, numbers written as ECMAScript writes them (shortest round-trip: 1.50 -> 1.5,
// 1e21 -> 1e+21), strings escaped as JSON.stringify escapes them, no whitespace. Any value that
// survives the jsonb round trip as the same JS value therefore yields the same bytes.
import { LONE_SURROGATE } from "../http/storable-text.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };


/** Why a value cannot go into the audit log unchanged. */
export class AuditValueError extends Error {
  constructor(path: string, problem: string) {
    super(`audit value at ${path || "(root)"}: ${problem}`);
    this.name = "AuditValueError";
  }
}

/** Checks a text that PostgreSQL must store byte-for-byte (text and jsonb reject NUL and lone surrogates). */
export function assertStorableText(s: string, path: string): void {
  if (s.includes("\u0000")) throw new AuditValueError(path, "NUL characters cannot be stored in PostgreSQL text");
  if (LONE_SURROGATE.test(s)) throw new AuditValueError(path, "string contains a lone UTF-16 surrogate");
}

/**
 * Turns caller data into the plain JSON value that will be stored, the way JSON.stringify
 * would (toJSON is honoured, undefined object members are dropped) — but refuses what
 * JSON.stringify would silently change (NaN/Infinity -> null, undefined in arrays -> null) or
 * PostgreSQL cannot keep, so that what is hashed is exactly what reads back.
 */
export function toJsonValue(value: unknown, path = ""): JsonValue {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON: (key: string) => unknown }).toJSON("");
  }
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new AuditValueError(path, `${value} is not representable in JSON`);
    return Object.is(value, -0) ? 0 : value;
  }
  if (typeof value === "string") {
    assertStorableText(value, path);
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      if (item === undefined || typeof item === "function" || typeof item === "symbol") {
        throw new AuditValueError(`${path}[${i}]`, `${typeof item} is not a JSON value`);
      }
      return toJsonValue(item, `${path}[${i}]`);
    });
  }
  if (typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
      assertStorableText(key, `${path}.${key}`);
      out[key] = toJsonValue(member, `${path}.${key}`);
    }
    return out;
  }
  throw new AuditValueError(path, `${typeof value} is not a JSON value`);
}

/** The canonical serialisation of a JSON value (see the file comment). */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  // Default sort compares UTF-16 code units, which is what JCS prescribes.
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(",")}}`;
}
