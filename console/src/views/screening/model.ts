// The condition builder's model: a top group (AND/OR) of comparisons and sub-groups (one level),
// each comparison holding what the officer typed. `toApi` turns it into the API's condition tree
// and `pointerOf` names each comparison by the JSON pointer the API uses for it, so a refusal's
// `errors[].pointer` lands at the comparison it is about. A value that does not parse is sent
// as typed: the API's own check then says what is wrong with it, at that comparison.
import { problemText, type Schemas } from "../../lib/api";
import { pointerLabel, type FieldProblem } from "../../lib/fieldErrors";
import { CATEGORY_LABEL, CLASS_LABEL, ENTITY_TYPE_LABEL, regionName, REGIONS } from "../../lib/labels";

export type Item = Schemas["ScreeningItem"];
export type Join = "all" | "any";

export interface Comparison {
  kind: "cmp";
  item: string;
  op: string;
  /** One text per input: a single value, [low, high], or N days. */
  text: [string, string];
  /** The chosen levels of an in / not_in over an enum. */
  picked: string[];
}
export interface Group {
  kind: "group";
  join: Join;
  parts: Array<Comparison | Group>;
}

export const OPS: Record<Item["type"], readonly string[]> = {
  number: ["eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "is_null", "not_null"],
  enum: ["eq", "ne", "in", "not_in", "changed_within_days", "is_null", "not_null"],
  bool: ["eq", "is_null", "not_null"],
  date: ["before", "after", "between", "changed_within_days", "is_null", "not_null"],
};

export const OP_LABEL: Record<string, string> = {
  eq: "等于", ne: "不等于", gt: "大于", gte: "大于等于", lt: "小于", lte: "小于等于", between: "介于",
  in: "属于其一", not_in: "不属于", is_null: "为空", not_null: "不为空", changed_within_days: "近 N 天内变化",
  before: "早于", after: "晚于",
};
export const JOIN_LABEL: Record<Join, string> = { all: "满足全部（且）", any: "满足任一（或）" };

/** The operators that apply to an item (changed_within_days only where the item tracks changes, or a date). */
export const opsFor = (item: Item | undefined): string[] =>
  item ? OPS[item.type].filter((op) => op !== "changed_within_days" || item.type === "date" || item.changeTracked) : [];

const LICENCE_LABEL: Record<string, string> = { valid: "有效", expiring: "即将到期", expired: "已过期", missing: "缺失", revoked: "被吊销", not_required: "无需许可" };
export const SANDBOX_STATUS_LABEL: Record<string, string> = { inside: "沙盒内", outside: "已移出", never: "从未纳入" };
const LEVEL_LABELS: Record<string, Record<string, string>> = {
  entity_type: ENTITY_TYPE_LABEL, category: CATEGORY_LABEL, licence_status: LICENCE_LABEL, risk_class: CLASS_LABEL,
  related_worst_class: { none: "无关联主体", ...CLASS_LABEL }, sandbox_status: SANDBOX_STATUS_LABEL,
};

/** An enum item's levels with Chinese labels (district: the officer's districts). */
export function levelsOf(item: Item): Array<[string, string]> {
  if (item.key === "district") return REGIONS.map(([code, name]) => [code, name]);
  return (item.levels ?? []).map((l) => [l, LEVEL_LABELS[item.key]?.[l] ?? l]);
}

/** A tag value as the result table shows it. */
export function showValue(item: Item | undefined, v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? "是" : "否";
  if (item?.key === "district" && typeof v === "string") return regionName(v);
  if (item?.type === "enum" && typeof v === "string") return LEVEL_LABELS[item.key]?.[v] ?? v;
  if (item?.type === "date" && typeof v === "string") return v.slice(0, 10);
  if (typeof v === "number") return v.toLocaleString("zh-CN", { maximumFractionDigits: 4 });
  return String(v);
}

export const blankComparison = (item?: Item): Comparison => ({ kind: "cmp", item: item?.key ?? "", op: opsFor(item)[0] ?? "", text: ["", ""], picked: [] });

/** One typed value in the item's type; what does not parse is sent as typed. */
function parse(item: Item, text: string): unknown {
  const t = text.trim();
  if (item.type === "number") return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t === "" ? null : t;
  if (item.type === "bool") return t === "true" ? true : t === "false" ? false : t;
  return t;
}

export function comparisonToApi(c: Comparison, items: Map<string, Item>): Schemas["ScreeningCondition"] {
  const item = items.get(c.item);
  if (!item) return { item: c.item, op: c.op };
  switch (c.op) {
    case "is_null":
    case "not_null":
      return { item: c.item, op: c.op };
    case "changed_within_days": {
      const t = c.text[0].trim();
      return { item: c.item, op: c.op, value: /^\d+$/.test(t) ? Number(t) : t };
    }
    case "between":
      return { item: c.item, op: c.op, value: [parse(item, c.text[0]), parse(item, c.text[1])] };
    case "in":
    case "not_in":
      return { item: c.item, op: c.op, value: item.type === "enum" ? c.picked : c.text[0].split(/[,，\s]+/).filter(Boolean).map((x) => parse(item, x)) };
    default:
      return { item: c.item, op: c.op, value: parse(item, c.text[0]) };
  }
}

export function toApi(g: Group, items: Map<string, Item>): Schemas["ScreeningCondition"] {
  const parts = g.parts.map((p) => (p.kind === "group" ? toApi(p, items) : comparisonToApi(p, items)));
  return g.join === "all" ? { all: parts } : { any: parts };
}

/** The builder's state from a saved condition tree (a bare comparison becomes a one-part AND group). */
export function fromApi(c: Schemas["ScreeningCondition"]): Group {
  const list = c.all ?? c.any;
  if (!list) return { kind: "group", join: "all", parts: [comparisonFromApi(c)] };
  return { kind: "group", join: c.all ? "all" : "any", parts: list.map((x) => (x.all || x.any ? fromApi(x) : comparisonFromApi(x))) };
}

function comparisonFromApi(c: Schemas["ScreeningCondition"]): Comparison {
  const v = c.value as unknown;
  const s = (x: unknown) => (x === null || x === undefined ? "" : String(x));
  if (Array.isArray(v) && c.op === "between") return { kind: "cmp", item: c.item ?? "", op: c.op, text: [s(v[0]), s(v[1])], picked: [] };
  if (Array.isArray(v)) return { kind: "cmp", item: c.item ?? "", op: c.op ?? "", text: [v.map(s).join(", "), ""], picked: v.map(s) };
  return { kind: "cmp", item: c.item ?? "", op: c.op ?? "", text: [s(v), ""], picked: [] };
}

/** The API's pointer of a part: `${base}/all/1`, `${base}/any/0/all/2`. */
export const pointerOf = (base: string, join: Join, k: number) => `${base}/${join}/${k}`;

/** Every comparison's pointer under `base` (the fields a refusal's errors are placed at). */
export function comparisonPointers(g: Group, base: string): string[] {
  return g.parts.flatMap((p, k) => (p.kind === "group" ? [pointerOf(base, g.join, k), ...comparisonPointers(p, pointerOf(base, g.join, k))] : [pointerOf(base, g.join, k)]));
}

/** The part of a comparison an error names, in Chinese. */
export const PART_LABEL: Record<string, string> = { "/item": "数据项", "/op": "运算符", "/value": "取值" };

/** The API's English refusals of a comparison, in Chinese where the wording is known. */
export function zhMessage(message: string): string {
  const known: Array<[RegExp, string]> = [
    [/^must be a number$/, "须为数字"],
    [/^must be true or false$/, "须为“是”或“否”"],
    [/^must be a date/, "须为日期（年-月-日）"],
    [/^must be a 6-digit region code$/, "须为 6 位区划代码"],
    [/^must be one of/, "须为给定的选项之一"],
    [/^must be \[low, high\]$/, "须填写下限和上限"],
    [/^must be a non-empty list/, "至少选择或填写一项（最多 200 项）"],
    [/^must be whole days/, "须为整天数（0–36500）"],
    [/^takes no value$/, "不需要取值"],
    [/^unknown item/, "未知的数据项"],
    [/^operator .* does not apply/, "该运算符不适用于此数据项"],
    [/^must be a non-empty array$/, "条件组不能为空"],
    // The spec's schema checks (Ajv's wording) and the draw's semantic checks.
    [/^must NOT have fewer than 1 characters$/, "不能为空"],
    [/^must NOT have fewer than (\d+) characters$/, "至少 $1 个字符"],
    [/^must NOT have more than (\d+) characters$/, "最多 $1 个字符"],
    [/^must be (number|integer)$/, "须为数字"],
    [/^must be string$/, "须为文字"],
    [/^must match pattern .*$/, "格式不正确"],
    [/^must be equal to one of the allowed values$/, "须为给定的选项之一"],
    [/^duplicate inspector id (.*)$/, "检查人员编号重复：$1"],
    [/^give either screeningId or conditions$/, "请选择一个已保存的筛查，或填写条件"],
  ];
  const hit = known.find(([re]) => re.test(message));
  return hit ? message.replace(hit[0], hit[1]) : message;
}

/** A one-line Chinese summary of a condition tree (the saved list shows it); sub-groups in brackets. */
export function summary(c: Schemas["ScreeningCondition"], items: Map<string, Item>, top = true): string {
  const list = c.all ?? c.any;
  if (list) {
    const text = list.map((x) => summary(x, items, false)).join(c.all ? " 且 " : " 或 ");
    return top || list.length === 1 ? text : `（${text}）`;
  }
  const item = items.get(c.item ?? "");
  const v = c.value as unknown;
  const val = v === undefined ? "" : Array.isArray(v) ? ` ${v.map((x) => showValue(item, x)).join(c.op === "between" ? "–" : "、")}` : c.op === "changed_within_days" ? ` ${String(v)} 天` : ` ${showValue(item, v)}`;
  return `${item?.labelZh ?? c.item} ${OP_LABEL[c.op ?? ""] ?? c.op}${val}`;
}

/**
 * A refusal's errors placed at the field (a comparison's or group's pointer, or a form field) whose
 * pointer is the longest prefix of theirs, worded in Chinese; the rest under `other`, labelled by
 * pointerLabel. `text` is the line over the form (formProblem's rule).
 */
export function placeProblem(problem: unknown, status: number, fields: readonly string[], labels: Record<string, string>, failure: string): FieldProblem & { text: string } {
  const errors = (problem as { errors?: Array<{ pointer: string; message: string }> } | undefined)?.errors ?? [];
  const ordered = [...fields].sort((a, b) => b.length - a.length);
  const out: FieldProblem = { byField: {}, other: [] };
  for (const e of errors) {
    const field = ordered.find((f) => e.pointer === f || e.pointer.startsWith(`${f}/`));
    if (field === undefined) {
      out.other.push(`${pointerLabel(labels, e.pointer)}：${zhMessage(e.message)}`);
      continue;
    }
    const rest = e.pointer.slice(field.length);
    const part = PART_LABEL[rest] ?? (rest ? pointerLabel(labels, rest) : "");
    (out.byField[field] ??= []).push(part ? `${part}：${zhMessage(e.message)}` : zhMessage(e.message));
  }
  return { ...out, text: Object.keys(out.byField).length > 0 ? failure : problemText(problem, status) };
}
