// A diff between two saved versions of a configuration (fence policy, monitoring rule): both are
// flattened to their leaves (JSON pointer -> value) and every leaf that differs is one row. Rules
// are small trees (<= 64 conditions), so this stays a few hundred rows at most.
export interface DiffRow {
  pointer: string;
  before: string | undefined;
  after: string | undefined;
}

function leaves(value: unknown, pointer: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === "object" && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, out);
  } else {
    out.set(pointer || "/", JSON.stringify(value));
  }
  return out;
}

export function diffValues(before: unknown, after: unknown): DiffRow[] {
  const a = leaves(before, "", new Map());
  const b = leaves(after, "", new Map());
  const rows: DiffRow[] = [];
  for (const pointer of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(pointer) !== b.get(pointer)) rows.push({ pointer, before: a.get(pointer), after: b.get(pointer) });
  }
  return rows;
}
