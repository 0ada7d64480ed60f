// A list of ids as a SQL subquery: ONE jsonb parameter however long the list (a parameter per id
// would hit the protocol's limit and cost a parse per shape), identical on PGlite and PostgreSQL.
import { sql, type SQL } from "drizzle-orm";

/** `(select distinct id)` over the given uuids, for `x in ${idList(ids)}`. */
export const idList = (ids: readonly string[]): SQL =>
  sql`(select distinct x::uuid as id from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as x)`;
