// `relations load FILE`: investor/officer/legal-representative relations from a CSV file.
// The file is read and checked HERE, in the operator's process (like --jwks files), so a bad
// line is reported with its line number before anything is sent, and the request is
// self-contained whether it runs directly or through the gateway's admin socket.
//
// CSV (RFC 4180, optional header line starting with entity_uscc):
//   entity_uscc,role,party                                  party = a USCC or an ID-number hash
//   entity_uscc,role,party_uscc,party_id_number_hash        exactly one of the two filled in
// role: investor | officer | legal_representative.
import { CsvError, forEachCsvRecord } from "../scoring/csv.js";
import { isValidUscc } from "../scoring/uscc.js";
import { loadRelations, MAX_RELATION_ROWS, relationRowError, type RelationRow } from "../classification/relationships-load.js";
import { AppError } from "../http/errors.js";
import type { VerbContext } from "../auth/actor.js";
import { onlyOptions, UsageError, type ParsedArgs } from "./args.js";
import type { CommandRequest } from "./operations.js";

export const RELATIONS_USAGE = `  relations load FILE              investor/officer/legal-representative relations (CSV: entity_uscc,role,party_uscc|party_id_number_hash);
                                   links are derived at once, the entities concerned are queued for re-scoring`;

export function parseRelationsCsv(text: string): RelationRow[] {
  const rows: RelationRow[] = [];
  const bad: string[] = [];
  try {
    forEachCsvRecord(text, (fields, line) => {
      const f = fields.map((x) => x.trim());
      if (line === 1 && f[0]?.toLowerCase() === "entity_uscc") return;
      if (f.length !== 3 && f.length !== 4) return void bad.push(`line ${line}: expected 3 or 4 fields, got ${f.length}`);
      const party = f.length === 3 ? f[2]! : [f[2], f[3]].filter(Boolean).length === 1 ? (f[2] || f[3])! : "";
      const row = { entityUscc: f[0]!, role: f[1] as RelationRow["role"], partyKind: isValidUscc(party) ? ("uscc" as const) : ("person" as const), partyKey: party };
      const error = relationRowError(row);
      if (error) bad.push(`line ${line}: ${error}`);
      else rows.push(row);
    });
  } catch (err) {
    if (err instanceof CsvError) throw new UsageError(`relations file: ${err.message}`);
    throw err;
  }
  if (bad.length > 0) {
    const more = bad.length > 10 ? `\n  ... and ${bad.length - 10} more` : "";
    throw new UsageError(`relations file: nothing was loaded\n  ${bad.slice(0, 10).join("\n  ")}${more}`);
  }
  if (rows.length === 0) throw new UsageError("relations file: no rows");
  if (rows.length > MAX_RELATION_ROWS) throw new UsageError(`relations file: ${rows.length} rows; at most ${MAX_RELATION_ROWS} per load, split the file`);
  return rows;
}

/** `relations load FILE` -> a request carrying the checked rows. */
export function relationsRequest(args: ParsedArgs, readFile: (path: string) => string): CommandRequest {
  onlyOptions(args, []);
  const [, verb, file, ...rest] = args.words;
  if (verb !== "load" || !file || rest.length > 0) throw new UsageError("usage: relations load FILE");
  let text: string;
  try {
    text = readFile(file);
  } catch (err) {
    throw new UsageError(`relations file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return { command: "relations.load", input: { rows: parseRelationsCsv(text) } };
}

/** The operation, for runOperation (direct or through the admin socket). */
export function runRelationsLoad(ctx: VerbContext, input: Record<string, unknown>) {
  const rows = input.rows;
  if (!Array.isArray(rows)) throw new AppError("VALIDATION_FAILED", "rows must be a list");
  return loadRelations(ctx, rows as RelationRow[]);
}
