// The drawn entities (the work plan): each with its class, district, the inspectors assigned and
// the result recorded, or for officers a form to record it (once per entity and draw).
import { useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../../lib/api";
import { downloadAll } from "../../lib/keyset";
import { regionName } from "../../lib/labels";
import { href } from "../../lib/route";

type Draw = Schemas["InspectionDraw"];
type Result = Schemas["InspectionResult"];
type Finding = Result["finding"];

export const FINDING_LABEL: Record<Finding, string> = { none: "未发现问题", minor: "轻微问题", violation: "发现违法" };
const PAGE = 100;

export function Assignments({ draw, pool, canAct, onRecorded }: { draw: Draw; pool: Array<{ id: string; name: string }>; canAct: boolean; onRecorded: () => void }) {
  const [shown, setShown] = useState(PAGE);
  const names = new Map(pool.map((p) => [p.id, p.name]));
  const results = new Map((draw.results ?? []).map((r) => [r.entityId, r]));
  const done = draw.assignments.filter((a) => results.has(a.entityId)).length;
  const [note, setNote] = useState<string | undefined>();
  // The work plan as CSV: the record is already on screen, so it is one page.
  const exportPlan = async () => {
    const got = await downloadAll(async () => ({ items: draw.assignments, nextCursor: null }), `抽查名单-${draw.name}`,
      ["主体ID", "名称", "风险等级", "区划代码", "辖区", "检查人员", "跨区选派", "人员不足", "检查结果", "说明"],
      (a) => {
        const r = results.get(a.entityId);
        return [a.entityId, draw.entityNames?.[a.entityId] ?? "", a.riskClass, a.regionCode, regionName(a.regionCode), a.inspectors.map((id) => names.get(id) ?? id).join("、"),
          a.outsideDistrict ? "是" : "否", a.understaffed ? "是" : "否", r ? FINDING_LABEL[r.finding] : "", r?.note ?? ""];
      });
    setNote("problem" in got ? got.problem : got.done);
  };
  return (
    <section class="card" aria-labelledby="assignments-title">
      <div class="title-row">
        <h2 id="assignments-title">抽中的经营主体（{draw.assignments.length}）· 已记录结果 {done}</h2>
        <button type="button" class="secondary" onClick={exportPlan} data-testid="export-plan">导出名单 CSV</button>
      </div>
      {note && <p class="info" role="status">{note}</p>}
      {draw.assignments.length === 0 ? <p class="muted">本次没有抽中任何主体。</p> : (
        <table data-testid="assignments-table">
          <thead><tr><th scope="col">经营主体</th><th scope="col">风险等级</th><th scope="col">辖区</th><th scope="col">检查人员</th><th scope="col">检查结果</th></tr></thead>
          <tbody>
            {draw.assignments.slice(0, shown).map((a) => (
              <tr key={a.entityId} data-entity={a.entityId}>
                <td><a href={href(`entity/${a.entityId}`)}>{draw.entityNames?.[a.entityId] ?? a.entityId}</a></td>
                <td><span class={`badge c-${a.riskClass}`}>{a.riskClass === "unclassified" ? "—" : a.riskClass}</span></td>
                <td data-region={a.regionCode}>{regionName(a.regionCode)}</td>
                <td data-testid="assigned-inspectors">
                  {a.inspectors.map((id) => names.get(id) ?? id).join("、") || "—"}
                  {a.outsideDistrict && <div class="muted small">跨区选派</div>}
                  {a.understaffed && <div class="muted small">人员不足</div>}
                </td>
                <td>
                  <ResultCell drawId={draw.drawId} entityId={a.entityId} recorded={results.get(a.entityId)} canAct={canAct} onRecorded={onRecorded} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown < draw.assignments.length && <button type="button" class="secondary" onClick={() => setShown(shown + PAGE)}>显示更多</button>}
    </section>
  );
}

function ResultCell({ drawId, entityId, recorded, canAct, onRecorded }: { drawId: string; entityId: string; recorded: Result | undefined; canAct: boolean; onRecorded: () => void }) {
  const [finding, setFinding] = useState<Finding | "">("");
  const [note, setNote] = useState("");
  const [mine, setMine] = useState<Result | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const r = recorded ?? mine;
  if (r) {
    return (
      <span data-testid="result" data-finding={r.finding}>
        <span class={`finding f-${r.finding}`}>{FINDING_LABEL[r.finding]}</span>
        {r.note && <span class="muted small">：{r.note}</span>}
      </span>
    );
  }
  if (!canAct) return <span class="muted">未记录</span>;
  const record = async (e: Event) => {
    e.preventDefault();
    if (!finding) return;
    setBusy(true);
    setError(undefined);
    const { data, error, response } = await api.POST("/v1/regulator/inspections/draws/{drawId}/results", {
      params: { path: { drawId } },
      body: { entityId, finding, ...(note.trim() ? { note: note.trim() } : {}) },
    });
    setBusy(false);
    if (!data) return setError(response.status === 409 ? "该主体本次抽查的结果已记录。" : problemText(error, response.status));
    setMine(data);
    onRecorded();
  };
  return (
    <form class="record" onSubmit={record} data-testid="record-form">
      <select value={finding} onChange={(e) => setFinding(e.currentTarget.value as Finding | "")} aria-label="检查结果" data-testid="record-finding">
        <option value="">请选择</option>
        {(Object.keys(FINDING_LABEL) as Finding[]).map((f) => <option key={f} value={f}>{FINDING_LABEL[f]}</option>)}
      </select>
      <input type="text" maxLength={2000} size={14} value={note} placeholder="说明（可选）" aria-label="说明" onInput={(e) => setNote(e.currentTarget.value)} />
      <button type="submit" class="small-btn" disabled={busy || !finding} data-testid="record-submit">记录</button>
      {error && <p class="field-error" role="alert">{error}</p>}
    </form>
  );
}
