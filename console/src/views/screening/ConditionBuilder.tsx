// The condition builder: a top AND/OR group of comparisons and sub-groups (one level deep). Each
// comparison picks a catalogue item, an operator that fits the item's type and a value input that
// fits the operator; the API's refusals are shown under the comparison (or group) they point at.
import type { Catalogue } from "./Catalogue";
import { blankComparison, JOIN_LABEL, levelsOf, OP_LABEL, opsFor, pointerOf, type Comparison, type Group, type Item, type Join } from "./model";

interface Props {
  catalogue: Catalogue;
  group: Group;
  onChange: (g: Group) => void;
  /** The API's pointer of this group ("/conditions", "/population/conditions"). */
  base: string;
  errors: Record<string, string[]>;
  /** A sub-group (no further nesting). */
  nested?: boolean;
  onRemove?: () => void;
}

export function ConditionBuilder({ catalogue, group, onChange, base, errors, nested, onRemove }: Props) {
  const set = (k: number, part: Comparison | Group) => onChange({ ...group, parts: group.parts.map((p, j) => (j === k ? part : p)) });
  const remove = (k: number) => onChange({ ...group, parts: group.parts.filter((_, j) => j !== k) });
  const add = (part: Comparison | Group) => onChange({ ...group, parts: [...group.parts, part] });
  const first = catalogue.items[0];
  return (
    <fieldset class={nested ? "cond-group nested" : "cond-group"} data-testid={nested ? "condition-group" : "condition-root"} data-pointer={base}>
      <legend>
        <label class="inline">
          <span class="sr-only">{nested ? "条件组的组合方式" : "组合方式"}</span>
          <select value={group.join} onChange={(e) => onChange({ ...group, join: e.currentTarget.value as Join })} data-testid="condition-join">
            {(Object.keys(JOIN_LABEL) as Join[]).map((j) => <option key={j} value={j}>{JOIN_LABEL[j]}</option>)}
          </select>
        </label>
        {onRemove && <button type="button" class="link" onClick={onRemove}>删除此组</button>}
      </legend>
      <Problems list={errors[base]} />
      {group.parts.length === 0 && <p class="muted small">尚无条件：请添加。</p>}
      {group.parts.map((p, k) => {
        const at = pointerOf(base, group.join, k);
        return p.kind === "group" ? (
          <ConditionBuilder key={k} catalogue={catalogue} group={p} onChange={(g) => set(k, g)} base={at} errors={errors} nested onRemove={() => remove(k)} />
        ) : (
          <ComparisonRow key={k} catalogue={catalogue} c={p} at={at} errors={errors[at]} onChange={(c) => set(k, c)} onRemove={() => remove(k)} />
        );
      })}
      <div class="actions start">
        <button type="button" class="secondary" onClick={() => add(blankComparison(first))} data-testid="add-condition">添加条件</button>
        {!nested && (
          <button type="button" class="secondary" onClick={() => add({ kind: "group", join: group.join === "all" ? "any" : "all", parts: [blankComparison(first)] })} data-testid="add-group">
            添加条件组
          </button>
        )}
      </div>
    </fieldset>
  );
}

type Invalid = { "aria-invalid"?: "true"; "aria-describedby"?: string };

function Problems({ list, id }: { list: string[] | undefined; id?: string }) {
  if (!list || list.length === 0) return null;
  return <p class="field-error" id={id} data-testid="condition-error">{list.join("；")}</p>;
}

function ComparisonRow({ catalogue, c, at, errors, onChange, onRemove }: {
  catalogue: Catalogue; c: Comparison; at: string; errors: string[] | undefined; onChange: (c: Comparison) => void; onRemove: () => void;
}) {
  const item = catalogue.byKey.get(c.item);
  const ops = opsFor(item);
  const bad = errors !== undefined && errors.length > 0;
  const errId = `err${at.replace(/\//g, "-")}`;
  const invalid: Invalid = bad ? { "aria-invalid": "true", "aria-describedby": errId } : {};
  const pickItem = (key: string) => {
    const next = catalogue.byKey.get(key);
    const keepOp = opsFor(next).includes(c.op) ? c.op : opsFor(next)[0] ?? "";
    onChange({ ...blankComparison(next), op: keepOp });
  };
  return (
    <div class={`cond${bad ? " invalid" : ""}`} data-testid="condition" data-pointer={at}>
      <label class="inline">
        <span class="sr-only">数据项</span>
        <select value={c.item} onChange={(e) => pickItem(e.currentTarget.value)} data-testid="condition-item" {...invalid}>
          {catalogue.layers.map((l) => (
            <optgroup key={l.key} label={l.labelZh}>
              {catalogue.items.filter((i) => i.layer === l.key).map((i) => <option key={i.key} value={i.key}>{i.labelZh}</option>)}
            </optgroup>
          ))}
        </select>
      </label>
      <label class="inline">
        <span class="sr-only">运算符</span>
        <select value={c.op} onChange={(e) => onChange({ ...c, op: e.currentTarget.value, text: ["", ""], picked: [] })} data-testid="condition-op" {...invalid}>
          {ops.map((op) => <option key={op} value={op}>{OP_LABEL[op]}</option>)}
        </select>
      </label>
      {item && <ValueInput item={item} c={c} onChange={onChange} invalid={invalid} />}
      <button type="button" class="link" onClick={onRemove} aria-label={`删除条件：${item?.labelZh ?? c.item}`}>删除</button>
      {item && <span class="muted small cond-hint">{item.description}</span>}
      <Problems list={errors} id={errId} />
    </div>
  );
}

function ValueInput({ item, c, onChange, invalid }: { item: Item; c: Comparison; onChange: (c: Comparison) => void; invalid: Invalid }) {
  const text = (k: 0 | 1, v: string) => onChange({ ...c, text: k === 0 ? [v, c.text[1]] : [c.text[0], v] });
  const one = (k: 0 | 1, label: string) => {
    const common = { value: c.text[k], "aria-label": label, "data-testid": `condition-value${k === 1 ? "-2" : ""}`, ...invalid };
    if (item.type === "bool") {
      return (
        <select {...common} onChange={(e) => text(k, e.currentTarget.value)}>
          <option value="">请选择</option><option value="true">是</option><option value="false">否</option>
        </select>
      );
    }
    if (item.type === "enum") {
      return (
        <select {...common} onChange={(e) => text(k, e.currentTarget.value)}>
          <option value="">请选择</option>
          {levelsOf(item).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      );
    }
    if (item.type === "date") return <input type="date" {...common} onInput={(e) => text(k, e.currentTarget.value)} />;
    return <input type="text" inputMode="decimal" size={10} {...common} onInput={(e) => text(k, e.currentTarget.value)} />;
  };
  switch (c.op) {
    case "is_null":
    case "not_null":
      return null;
    case "changed_within_days":
      return (
        <span class="cond-value">
          近 <input type="text" inputMode="numeric" size={5} value={c.text[0]} aria-label="天数" data-testid="condition-value" {...invalid} onInput={(e) => text(0, e.currentTarget.value)} /> 天
        </span>
      );
    case "between":
      return <span class="cond-value">{one(0, "下限")} 至 {one(1, "上限")}</span>;
    case "in":
    case "not_in":
      if (item.type !== "enum") {
        return <input type="text" size={18} value={c.text[0]} placeholder="多个值以逗号分隔" aria-label="取值（多个）" data-testid="condition-value" {...invalid} onInput={(e) => text(0, e.currentTarget.value)} />;
      }
      return (
        <span class="cond-value checks" role="group" aria-label="取值（可多选）" data-testid="condition-levels">
          {levelsOf(item).map(([v, l]) => (
            <label key={v} class="inline">
              <input type="checkbox" value={v} checked={c.picked.includes(v)}
                onChange={(e) => onChange({ ...c, picked: e.currentTarget.checked ? [...c.picked, v] : c.picked.filter((x) => x !== v) })} />
              {l}
            </label>
          ))}
        </span>
      );
    default:
      return one(0, "取值");
  }
}
