// The officer's own saved screenings (newest first, keyset pages): re-run one against current
// data, load its conditions into the builder, or export every match as CSV. The export is the
// gateway's streamed CSV, fetched with the in-memory session token (no cookie carries it).
import { useState } from "preact/hooks";
import { api, currentSession, problemText, type Schemas } from "../../lib/api";
import { useKeysetList, type PageSource } from "../../lib/keyset";
import { fmtTime, regionName } from "../../lib/labels";
import type { Catalogue } from "./Catalogue";
import { summary } from "./model";

type Saved = Schemas["SavedScreening"];

export function SavedList({ catalogue, reloadKey, selected, onRerun, onLoad }: {
  catalogue: Catalogue; reloadKey: string; selected?: string | undefined; onRerun: (s: Saved) => void; onLoad: (s: Saved) => void;
}) {
  const [note, setNote] = useState<string | undefined>();
  const source: PageSource<Saved> = async (after) => {
    const { data, error, response } = await api.GET("/v1/regulator/screenings/saved", { params: { query: { limit: 20, ...(after ? { cursor: after } : {}) } } });
    return data ? { items: data.screenings, nextCursor: data.nextCursor } : { problem: problemText(error, response.status) };
  };
  const { items, cursor, error, setError, load } = useKeysetList(source, reloadKey);
  const exportCsv = async (s: Saved) => {
    setNote(undefined);
    const res = await fetch(`/v1/regulator/screenings/saved/${s.screeningId}/export.csv`, { headers: { Authorization: `Bearer ${currentSession()?.token ?? ""}` } });
    if (!res.ok) return setError(problemText(await res.json().catch(() => undefined), res.status));
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = `风险筛查-${s.name}-${new Date().toISOString().slice(0, 10)}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setNote(`已导出“${s.name}”。`);
  };
  return (
    <section class="card" aria-labelledby="saved-title" data-testid="saved-screenings">
      <h2 id="saved-title">我保存的筛查</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {note && <p class="info" role="status">{note}</p>}
      {items.length === 0 && !error && <p class="muted">尚未保存筛查。</p>}
      {items.length > 0 && (
        <table>
          <thead><tr><th scope="col">名称</th><th scope="col">条件</th><th scope="col">范围</th><th scope="col">上次结果</th><th scope="col">保存于</th><th scope="col">操作</th></tr></thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.screeningId} data-screening={s.screeningId} aria-selected={s.screeningId === selected}>
                <td>{s.name}{s.description && <div class="muted small">{s.description}</div>}</td>
                <td class="small">{summary(s.conditions, catalogue.byKey)}</td>
                <td>{regionName(s.regionPrefix)}</td>
                <td>{s.lastCount === null ? "—" : `${s.lastCount} 个（${fmtTime(s.lastRunAt)}）`}</td>
                <td>{fmtTime(s.createdAt)}</td>
                <td class="row-actions">
                  <button type="button" class="small-btn" onClick={() => onRerun(s)} data-testid="saved-rerun">重新运行</button>
                  <button type="button" class="small-btn secondary" onClick={() => exportCsv(s)} data-testid="saved-export">导出 CSV</button>
                  <button type="button" class="small-btn secondary" onClick={() => onLoad(s)}>载入条件</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && <button type="button" onClick={() => load(cursor)}>加载更多</button>}
    </section>
  );
}
