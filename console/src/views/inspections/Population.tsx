// The published population (公示的抽取总体): the snapshot the draw was made from, in its stable
// order (class, entity id), in keyset pages. With the seed and inputs above, anyone can re-run
// the draw outside the gateway (see the API's description of getInspectionDrawPopulation).
import { api, problemText } from "../../lib/api";
import { useKeysetList, type PageSource } from "../../lib/keyset";
import { CLASS_LABEL, regionName } from "../../lib/labels";
import { href } from "../../lib/route";

type Member = { riskClass: string; entityId: string; regionCode: string };

export function Population({ drawId }: { drawId: string }) {
  const source: PageSource<Member> = async (after) => {
    const { data, error, response } = await api.GET("/v1/regulator/inspections/draws/{drawId}/population", {
      params: { path: { drawId }, query: { limit: 100, ...(after ? { cursor: after } : {}) } },
    });
    return data ? { items: data.members, nextCursor: data.nextCursor } : { problem: problemText(error, response.status) };
  };
  const { items, cursor, error, loading, load } = useKeysetList(source, drawId);
  return (
    <section class="card" aria-labelledby="population-title">
      <h2 id="population-title">公示的抽取总体</h2>
      <p class="muted small">抽取时的总体快照，按（风险等级，主体ID）排序；其摘要即上方的“总体摘要”。</p>
      {error && <p class="error" role="alert">{error}</p>}
      {!loading && !error && items.length === 0 && <p class="muted">总体为空。</p>}
      {items.length > 0 && (
        <table class="compact" data-testid="population-table">
          <thead><tr><th scope="col">序号</th><th scope="col">风险等级</th><th scope="col">主体ID</th><th scope="col">辖区</th></tr></thead>
          <tbody>
            {items.map((m, k) => (
              <tr key={m.entityId} data-entity={m.entityId}>
                <td>{k + 1}</td>
                <td>{CLASS_LABEL[m.riskClass] ?? m.riskClass}</td>
                <td><a href={href(`entity/${m.entityId}`)}><code>{m.entityId}</code></a></td>
                <td data-region={m.regionCode}>{regionName(m.regionCode)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && <button type="button" class="secondary" disabled={loading} onClick={() => load(cursor)} data-testid="population-more">加载更多</button>}
    </section>
  );
}
