// Screening conditions: AND/OR groups of comparisons over the catalogue, checked against it
// (every refusal names its JSON pointer) and compiled to one parameterised SQL predicate. Item
// expressions are fixed code from catalogue.ts; every value a regulator typed is a bound
// parameter with an explicit cast, never spliced into the text.
//
//   Condition = { all: Condition[] } | { any: Condition[] } | { item, op, value? }
//   number: eq ne gt gte lt lte between [lo, hi] in [..] is_null not_null
//   enum:   eq ne in not_in is_null not_null, changed_within_days N (items with a change time)
//   bool:   eq is_null not_null
//   date:   before after between [from, to] changed_within_days N is_null not_null
// A missing value (null) never matches a comparison: ask is_null for it.
import { sql, type SQL } from "drizzle-orm";
import { AppError } from "../http/errors.js";
import { DAY_MS } from "../db/time.js";
import { itemByKey, type ItemType, type ScreeningItem } from "./catalogue.js";

export type Predicate = { item: string; op: string; value?: unknown };
export type Condition = { all: Condition[] } | { any: Condition[] } | Predicate;

const OPS: Record<ItemType, readonly string[]> = {
  number: ["eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "is_null", "not_null"],
  enum: ["eq", "ne", "in", "not_in", "is_null", "not_null", "changed_within_days"],
  bool: ["eq", "is_null", "not_null"],
  date: ["before", "after", "between", "changed_within_days", "is_null", "not_null"],
};

export const MAX_DEPTH = 5;
export const MAX_PREDICATES = 50;
const MAX_IN = 200;
const DISTRICT = /^[1-9][0-9]{5}$/;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

export interface ConditionError {
  pointer: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every problem of a condition tree, each with its pointer under `base` (e.g. "/conditions"). */
export function checkConditions(cond: unknown, base = "/conditions"): ConditionError[] {
  const errors: ConditionError[] = [];
  let predicates = 0;
  const walk = (c: unknown, at: string, depth: number) => {
    if (!isObject(c)) return void errors.push({ pointer: at, message: "must be an object: {all}, {any} or {item, op, value}" });
    const group = "all" in c ? "all" : "any" in c ? "any" : null;
    if (group) {
      const extra = Object.keys(c).filter((k) => k !== group);
      if (extra.length) errors.push({ pointer: `${at}/${extra[0]}`, message: "a group has only all or any" });
      const list = c[group];
      if (!Array.isArray(list) || list.length === 0) return void errors.push({ pointer: `${at}/${group}`, message: "must be a non-empty array" });
      if (depth >= MAX_DEPTH) return void errors.push({ pointer: `${at}/${group}`, message: `groups nest at most ${MAX_DEPTH} deep` });
      list.forEach((x, k) => walk(x, `${at}/${group}/${k}`, depth + 1));
      return;
    }
    predicates++;
    checkPredicate(c, at, errors);
  };
  walk(cond, base, 0);
  if (predicates > MAX_PREDICATES) errors.push({ pointer: base, message: `at most ${MAX_PREDICATES} comparisons` });
  return errors;
}

function checkPredicate(c: Record<string, unknown>, at: string, errors: ConditionError[]): void {
  const extra = Object.keys(c).filter((k) => k !== "item" && k !== "op" && k !== "value");
  if (extra.length) errors.push({ pointer: `${at}/${extra[0]}`, message: "unknown member; a comparison has item, op and value" });
  const item = typeof c.item === "string" ? itemByKey(c.item) : undefined;
  if (!item) return void errors.push({ pointer: `${at}/item`, message: `unknown item ${JSON.stringify(c.item)}; see GET /v1/regulator/screening/items` });
  const op = c.op;
  if (typeof op !== "string" || !OPS[item.type].includes(op) || (op === "changed_within_days" && item.type === "enum" && !item.changedAt)) {
    return void errors.push({ pointer: `${at}/op`, message: `operator ${JSON.stringify(op)} does not apply to ${item.key} (${item.type})` });
  }
  const bad = valueProblem(item, op, c.value);
  if (bad) errors.push({ pointer: `${at}/value`, message: bad });
}

/** Why the value does not fit the item and operator, or null. */
function valueProblem(item: ScreeningItem, op: string, v: unknown): string | null {
  if (op === "is_null" || op === "not_null") return v === undefined ? null : "takes no value";
  if (op === "changed_within_days") return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 36_500 ? null : "must be whole days (0..36500)";
  const one = (x: unknown): string | null => {
    switch (item.type) {
      case "number":
        return typeof x === "number" && Number.isFinite(x) ? null : "must be a number";
      case "bool":
        return typeof x === "boolean" ? null : "must be true or false";
      case "date":
        return typeof x === "string" && DATE.test(x) && !Number.isNaN(Date.parse(x)) ? null : "must be a date (YYYY-MM-DD) or RFC 3339 date-time";
      case "enum":
        if (typeof x !== "string") return "must be a string";
        if (item.levels) return item.levels.includes(x) ? null : `must be one of ${item.levels.join(", ")}`;
        return DISTRICT.test(x) ? null : "must be a 6-digit region code";
    }
  };
  if (op === "between") {
    if (!Array.isArray(v) || v.length !== 2) return "must be [low, high]";
    return one(v[0]) ?? one(v[1]);
  }
  if (op === "in" || op === "not_in") {
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_IN) return `must be a non-empty list of at most ${MAX_IN}`;
    for (const x of v) {
      const p = one(x);
      if (p) return p;
    }
    return null;
  }
  return one(v);
}

/** The checked condition, or a 400 VALIDATION_FAILED listing every problem with its pointer. */
export function validConditions(cond: unknown, base = "/conditions"): Condition {
  const errors = checkConditions(cond, base);
  if (errors.length > 0) {
    throw new AppError("VALIDATION_FAILED", `the screening conditions are invalid: ${errors.map((e) => `${e.pointer} ${e.message}`).join("; ")}`, { errors });
  }
  return cond as Condition;
}

const cast: Record<ItemType, string> = { number: "float8", enum: "text", bool: "boolean", date: "timestamptz" };
const bound = (type: ItemType, v: unknown): SQL => sql`${type === "date" ? new Date(Date.parse(v as string)).toISOString() : v}::${sql.raw(cast[type])}`;

/** The predicate as SQL over `e`, `t`, `sm` (catalogue.ts SCREENING_FROM); `now` for relative days. */
export function compileConditions(cond: Condition, now: Date): SQL {
  const nowSql = sql`${now.toISOString()}::timestamptz`;
  const walk = (c: Condition): SQL => {
    if ("all" in c) return sql`(${sql.join(c.all.map(walk), sql` and `)})`;
    if ("any" in c) return sql`(${sql.join(c.any.map(walk), sql` or `)})`;
    const item = itemByKey(c.item)!;
    const x = item.expr(nowSql);
    const v = c.value;
    switch (c.op) {
      case "eq": return sql`(${x} = ${bound(item.type, v)})`;
      case "ne": return sql`(${x} <> ${bound(item.type, v)})`;
      case "gt": return sql`(${x} > ${bound(item.type, v)})`;
      case "gte": return sql`(${x} >= ${bound(item.type, v)})`;
      case "lt": case "before": return sql`(${x} < ${bound(item.type, v)})`;
      case "lte": return sql`(${x} <= ${bound(item.type, v)})`;
      case "after": return sql`(${x} > ${bound(item.type, v)})`;
      case "between": {
        const [lo, hi] = v as [unknown, unknown];
        return sql`(${x} between ${bound(item.type, lo)} and ${bound(item.type, hi)})`;
      }
      case "in": case "not_in": {
        const list = sql.join((v as unknown[]).map((y) => bound(item.type, y)), sql`, `);
        return c.op === "in" ? sql`(${x} in (${list}))` : sql`(${x} not in (${list}))`;
      }
      case "is_null": return sql`(${x} is null)`;
      case "not_null": return sql`(${x} is not null)`;
      case "changed_within_days": {
        const since = new Date(now.getTime() - (v as number) * DAY_MS).toISOString();
        return sql`(${item.changedAt ?? x} >= ${since}::timestamptz)`;
      }
      default: throw new AppError("VALIDATION_FAILED", `unknown operator ${c.op}`);
    }
  };
  return walk(cond);
}

/** The catalogue items a condition reads, in first-use order (the columns a result shows). */
export function itemsOf(cond: Condition): string[] {
  const out: string[] = [];
  const walk = (c: Condition) => {
    if ("all" in c) c.all.forEach(walk);
    else if ("any" in c) c.any.forEach(walk);
    else if (!out.includes(c.item)) out.push(c.item);
  };
  walk(cond);
  return out;
}
