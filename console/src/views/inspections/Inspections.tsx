// 双随机抽查: the draws inside the officer's scope (newest first, keyset pages), a new draw
// (officers and admins), and one draw's record. Viewers see every draw but no control that
// changes anything; the API refuses them anyway.
import type { Session } from "../../lib/api";
import { api, problemText, type Schemas } from "../../lib/api";
import { useKeysetList, type PageSource } from "../../lib/keyset";
import { fmtTime, regionName } from "../../lib/labels";
import { href } from "../../lib/route";
import { DrawDetail } from "./DrawDetail";
import { DrawForm } from "./DrawForm";

type Summary = Schemas["InspectionDrawSummary"];

export function Inspections({ session, id }: { session: Session; id?: string | undefined }) {
  const canAct = session.role !== "viewer";
  if (id === "new") {
    return canAct ? <DrawForm session={session} /> : <p class="error" role="alert" data-testid="draw-forbidden">只有执法人员和管理员可以新建抽查。</p>;
  }
  if (id) return <DrawDetail key={id} drawId={id} canAct={canAct} />;
  return <DrawList canAct={canAct} />;
}

function DrawList({ canAct }: { canAct: boolean }) {
  const source: PageSource<Summary> = async (after) => {
    const { data, error, response } = await api.GET("/v1/regulator/inspections/draws", { params: { query: { limit: 50, ...(after ? { cursor: after } : {}) } } });
    return data ? { items: data.draws, nextCursor: data.nextCursor } : { problem: problemText(error, response.status) };
  };
  const { items, cursor, error, loading, load } = useKeysetList(source, "draws");
  return (
    <section aria-labelledby="draws-title">
      <div class="title-row">
        <h1 id="draws-title">双随机抽查</h1>
        {canAct && <a class="button" href={href("inspections/new")} data-testid="new-draw">新建抽查</a>}
      </div>
      <p class="muted">按风险等级分别确定抽查比例，随机抽取检查对象、随机选派检查人员；每次抽取的种子、输入和总体均留档，可随时复核。</p>
      {error && <p class="error" role="alert">{error}</p>}
      {!loading && !error && items.length === 0 && <p class="muted">辖区内尚无抽查。</p>}
      {items.length > 0 && (
        <table data-testid="draws-table">
          <thead><tr><th scope="col">名称</th><th scope="col">范围</th><th scope="col">总体</th><th scope="col">抽取</th><th scope="col">创建时间</th></tr></thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.drawId} data-draw={d.drawId}>
                <td><a href={href(`inspections/${d.drawId}`)}>{d.name}</a></td>
                <td data-region={d.regionPrefix}>{regionName(d.regionPrefix)}</td>
                <td>{d.populationCount}</td>
                <td>{d.drawn}</td>
                <td>{fmtTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && <button type="button" disabled={loading} onClick={() => load(cursor)}>加载更多</button>}
    </section>
  );
}
