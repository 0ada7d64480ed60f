// Keyset cursors for the regulator's notice and case lists, newest first: a page ends at a
// (time, id) pair and the next page starts strictly after it in that order, so rows issued
// meanwhile never shift a page. Opaque to clients (base64url of "ISO|uuid").
import { sql, type SQL } from "drizzle-orm";
import { AppError } from "../http/errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, "base64url").toString().split("|");
  if (rest.length > 0 || !at || !id || !UUID.test(id) || Number.isNaN(Date.parse(at))) {
    throw new AppError("VALIDATION_FAILED", "cursor is not one this API returned", { errors: [{ pointer: "cursor", message: "invalid cursor" }] });
  }
  return { at: new Date(at).toISOString(), id };
}

/** `(time, id) < cursor` for a descending (time, id) order. */
export function afterCursor(time: SQL, id: SQL, cursor: string): SQL {
  const c = decodeCursor(cursor);
  return sql`(${time}, ${id}) < (${c.at}::timestamptz, ${c.id}::uuid)`;
}
