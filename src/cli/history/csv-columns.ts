// CSV for history loads: one column per field of the spec's record schema (EventRecord or
// MerchantRecord), named exactly as the field, in any order, header line first. How a cell
// becomes a value follows the field's schema, so a field added to the spec is a column at
// once: object and array fields (an event's `data`, a merchant's `licences`) hold JSON; number
// and boolean fields are converted when they look like one; an empty cell leaves the field out.
// Validation itself stays with the spec's compiled schemas (the ingestion verbs).
import { resolvePointer, type JsonObject } from "../../http/spec.js";
import { UsageError } from "../args.js";

type CellKind = "string" | "json" | "number" | "boolean";

export interface RecordSchema {
  /** The component name, for messages. */
  name: string;
  properties: Map<string, CellKind>;
  required: string[];
}

function kindOf(schema: unknown, document: JsonObject, depth = 0): CellKind {
  const s = (schema ?? {}) as JsonObject;
  if (typeof s.$ref === "string" && depth < 10) return kindOf(resolvePointer(document, s.$ref.replace(/^#/, "")), document, depth + 1);
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === "string" ? [s.type] : [];
  const kinds = new Set<CellKind>(types.map((t) => (t === "object" || t === "array" ? "json" : t === "integer" || t === "number" ? "number" : t === "boolean" ? "boolean" : "string")));
  for (const branch of [...((s.oneOf as unknown[]) ?? []), ...((s.anyOf as unknown[]) ?? [])]) kinds.add(kindOf(branch, document, depth + 1));
  for (const kind of ["json", "number", "boolean"] as const) if (kinds.has(kind)) return kind;
  return "string";
}

/** The columns a record schema of the spec allows, with how each cell is read. */
export function recordSchemaOf(document: JsonObject, name: string): RecordSchema {
  const schema = resolvePointer(document, `/components/schemas/${name}`) as JsonObject;
  const properties = new Map<string, CellKind>();
  for (const [field, s] of Object.entries((schema.properties ?? {}) as JsonObject)) properties.set(field, kindOf(s, document));
  return { name, properties, required: (schema.required as string[] | undefined) ?? [] };
}

export type CellResult = { record: Record<string, unknown> } | { error: string };

/** Checks the header against the schema (a wrong header is refused before anything loads) and returns the row converter. */
export function csvRecordBuilder(schema: RecordSchema, header: readonly string[]): (fields: readonly string[]) => CellResult {
  const columns = header.map((h) => h.trim());
  const problems: string[] = [];
  const unknown = columns.filter((c) => !schema.properties.has(c));
  if (unknown.length > 0) problems.push(`${unknown.map((c) => `"${c}"`).join(", ")} ${unknown.length > 1 ? "are not fields" : "is not a field"} of ${schema.name}`);
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (repeated.length > 0) problems.push(`the column ${repeated[0]} appears twice`);
  const missing = schema.required.filter((r) => !columns.includes(r));
  if (missing.length > 0) problems.push(`the required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing`);
  if (problems.length > 0) throw new UsageError(`CSV header: ${problems.join("; ")} (the fields of ${schema.name}: ${[...schema.properties.keys()].join(", ")})`);
  const kinds = columns.map((c) => schema.properties.get(c)!);
  return (fields) => {
    if (fields.length !== columns.length) return { error: `expected ${columns.length} fields as in the header, found ${fields.length}` };
    const record: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const cell = fields[i]!;
      if (cell === "") continue;
      const kind = kinds[i]!;
      if (kind === "json") {
        try {
          record[columns[i]!] = JSON.parse(cell);
        } catch (err) {
          return { error: `column ${columns[i]} is not JSON: ${(err as Error).message}` };
        }
      } else if (kind === "number" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(cell)) record[columns[i]!] = Number(cell);
      else if (kind === "boolean" && (cell === "true" || cell === "false")) record[columns[i]!] = cell === "true";
      // Anything else stays text: the schema then says what is wrong with it, as the API would.
      else record[columns[i]!] = cell;
    }
    return { record };
  };
}
