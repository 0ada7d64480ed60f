// Opaque keyset cursors: a page ends at a tuple of key values (e.g. an id, or a time and an id)
// and the next page starts strictly after it, so rows written meanwhile never shift a page.
// The tuple is base64url JSON; a cursor this API did not issue is the caller's 400, never a 500.
import { sql, type SQL } from "drizzle-orm";
import { AppError } from "../http/errors.js";

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A UTC instant as toISOString() writes it. */
export const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** Any text (e.g. a name the page is ordered by). */
export const ANY_TEXT = /^[\s\S]*$/;

export function encodeKeyset(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/** The tuple of `arity` strings in the cursor, each checked by its pattern, or a 400 at `pointer`. */
export function decodeKeyset(cursor: string, patterns: readonly RegExp[], pointer = "cursor"): string[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown;
    if (Array.isArray(v) && v.length === patterns.length && v.every((x, k) => typeof x === "string" && patterns[k]!.test(x))) return v as string[];
  } catch {
    // fall through: an undecodable cursor is the caller's error
  }
  throw new AppError("VALIDATION_FAILED", "cursor is not one this API returned", { errors: [{ pointer, message: "invalid cursor" }] });
}

/** The cursor of a newest-first (time, id) page ending at this row. */
export const encodeTimeIdCursor = (at: Date | string, id: string): string => encodeKeyset([new Date(at).toISOString(), id]);

/** `(time, id) < cursor`: the next page of a newest-first (time, id) order. */
export function olderThanCursor(time: SQL, id: SQL, cursor: string): SQL {
  const [at, key] = decodeKeyset(cursor, [ISO_TIME_PATTERN, UUID_PATTERN]);
  return sql`(${time}, ${id}) < (${at}::timestamptz, ${key}::uuid)`;
}
