// The API's validation problems (problem+json `errors: [{pointer, message}]`, from the spec's
// schema and from the semantic checks alike) placed at the form field they point into: the field
// whose pointer is the longest prefix of the error's pointer. What matches no field is shown at
// the top of the form.
import { problemText } from "./api";

export interface FieldProblem {
  byField: Record<string, string[]>;
  other: string[];
}

export function placeErrors(problem: unknown, base: string, fields: readonly string[]): FieldProblem {
  const errors = ((problem as { errors?: Array<{ pointer: string; message: string }> } | undefined)?.errors ?? []);
  const out: FieldProblem = { byField: {}, other: [] };
  const ordered = [...fields].sort((x, y) => y.length - x.length);
  for (const e of errors) {
    const rel = e.pointer.startsWith(base) ? e.pointer.slice(base.length) : undefined;
    const field = rel === undefined ? undefined : ordered.find((f) => rel === f || rel.startsWith(`${f}/`));
    if (field === undefined) {
      out.other.push(`${e.pointer} ${e.message}`);
      continue;
    }
    const rest = rel!.slice(field.length);
    (out.byField[field] ??= []).push(rest ? `${where(rest)}：${e.message}` : e.message);
  }
  return out;
}

/** "/1" -> 第 2 项 (a list item); deeper pointers stay as they are (inside a condition tree). */
const where = (rest: string) => (/^\/\d+$/.test(rest) ? `第 ${Number(rest.slice(1)) + 1} 项` : rest);

/** A failed save or what-if: its errors at their fields, and the line over the form (`failure` when some landed at a field). */
export function formProblem(problem: unknown, status: number, fields: readonly string[], failure: string): FieldProblem & { text: string } {
  const placed = placeErrors(problem, "", fields);
  return { ...placed, text: Object.keys(placed.byField).length > 0 ? failure : problemText(problem, status) };
}

/** The label of the longest labelled pointer that is `pointer` or a prefix of it, followed by the rest ("/1" and so on). */
export function pointerLabel(labels: Record<string, string>, pointer: string): string {
  const key = Object.keys(labels).sort((a, b) => b.length - a.length).find((k) => pointer === k || pointer.startsWith(`${k}/`));
  return key ? `${labels[key]}${pointer.slice(key.length)}` : pointer;
}
