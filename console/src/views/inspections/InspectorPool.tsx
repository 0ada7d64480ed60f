// The inspector pool of a new draw: each inspector's id and name, the districts they cover (those
// are assigned first to entities there) and the entities they must never be assigned (回避:
// entity ids, one per line or separated by commas).
import type { Session } from "../../lib/api";
import { districtsIn } from "../../lib/labels";

export interface PoolRow {
  id: string;
  name: string;
  districts: string[];
  conflicts: string;
}

export const blankInspector = (): PoolRow => ({ id: "", name: "", districts: [], conflicts: "" });

export const poolToApi = (pool: PoolRow[]) =>
  pool.map((p) => ({
    id: p.id.trim(),
    name: p.name.trim(),
    districts: p.districts,
    conflicts: p.conflicts.split(/[\s,，]+/).filter(Boolean),
  }));

/** The pointers of the pool's fields (the API's errors are placed at them). */
export const poolFields = (n: number) =>
  Array.from({ length: n }, (_, k) => ["", "/id", "/name", "/districts", "/conflicts"].map((f) => `/inspectors/${k}${f}`)).flat().concat("/inspectors");

export function InspectorPool({ session, pool, onChange, errors }: { session: Session; pool: PoolRow[]; onChange: (p: PoolRow[]) => void; errors: Record<string, string[]> }) {
  const set = (k: number, row: Partial<PoolRow>) => onChange(pool.map((p, j) => (j === k ? { ...p, ...row } : p)));
  const districts = districtsIn(session.regionPrefix);
  const err = (f: string) => errors[f] && <p class="field-error">{errors[f]!.join("；")}</p>;
  const bad = (f: string) => (errors[f] ? { "aria-invalid": "true" as const } : {});
  return (
    <fieldset data-testid="inspector-pool">
      <legend>检查人员库</legend>
      {err("/inspectors")}
      <table class="pool">
        <thead><tr><th scope="col">编号</th><th scope="col">姓名</th><th scope="col">负责区县</th><th scope="col">回避主体（主体ID）</th><th scope="col"><span class="sr-only">操作</span></th></tr></thead>
        <tbody>
          {pool.map((p, k) => (
            <tr key={k} data-inspector={k}>
              <td>
                <input type="text" size={8} maxLength={64} value={p.id} aria-label={`第 ${k + 1} 名检查人员的编号`} onInput={(e) => set(k, { id: e.currentTarget.value })} data-testid="inspector-id" {...bad(`/inspectors/${k}/id`)} />
                {err(`/inspectors/${k}/id`)}{err(`/inspectors/${k}`)}
              </td>
              <td>
                <input type="text" size={8} maxLength={100} value={p.name} aria-label={`第 ${k + 1} 名检查人员的姓名`} onInput={(e) => set(k, { name: e.currentTarget.value })} data-testid="inspector-name" {...bad(`/inspectors/${k}/name`)} />
                {err(`/inspectors/${k}/name`)}
              </td>
              <td>
                <div class="checks wrap" role="group" aria-label={`第 ${k + 1} 名检查人员负责的区县`}>
                  {districts.map(([code, name]) => (
                    <label key={code} class="inline">
                      <input type="checkbox" value={code} checked={p.districts.includes(code)}
                        onChange={(e) => set(k, { districts: e.currentTarget.checked ? [...p.districts, code] : p.districts.filter((d) => d !== code) })} />
                      {name}
                    </label>
                  ))}
                </div>
                {err(`/inspectors/${k}/districts`)}
              </td>
              <td>
                <textarea rows={2} cols={38} value={p.conflicts} aria-label={`第 ${k + 1} 名检查人员的回避主体`} onInput={(e) => set(k, { conflicts: e.currentTarget.value })} data-testid="inspector-conflicts" {...bad(`/inspectors/${k}/conflicts`)} />
                {err(`/inspectors/${k}/conflicts`)}
              </td>
              <td>{pool.length > 1 && <button type="button" class="link" onClick={() => onChange(pool.filter((_, j) => j !== k))}>删除</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" class="secondary" onClick={() => onChange([...pool, blankInspector()])} data-testid="add-inspector">添加检查人员</button>
    </fieldset>
  );
}
