// Search results (GET /v1/regulator/entities?q=): by name fragment, USCC or shop id, inside the
// officer's scope only. A single exact hit opens the profile at once.
import { useEffect, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../lib/api";
import { CATEGORY_LABEL, MATCH_LABEL, regionName } from "../lib/labels";
import { go, href } from "../lib/route";

type Match = Schemas["EntitySearchPage"]["entities"][number];

export function SearchResults({ q }: { q: string }) {
  const [items, setItems] = useState<Match[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);

  const load = async (after?: string) => {
    setLoading(true);
    const { data, error, response } = await api.GET("/v1/regulator/entities", { params: { query: { q, limit: 20, ...(after ? { cursor: after } : {}) } } });
    setLoading(false);
    if (!data) return setError(problemText(error, response.status));
    if (!after && data.entities.length === 1 && data.entities[0]!.matchedBy !== "name") return go(`entity/${data.entities[0]!.entityId}`);
    setItems((prev) => (after ? [...prev, ...data.entities] : data.entities));
    setCursor(data.nextCursor);
  };
  useEffect(() => {
    if (q) void load();
  }, [q]);

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">查找：“{q}”</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {!loading && items.length === 0 && !error && <p class="muted">辖区内没有匹配的经营主体。</p>}
      {items.length > 0 && (
        <table data-testid="search-results">
          <thead><tr><th scope="col">名称</th><th scope="col">统一社会信用代码</th><th scope="col">辖区</th><th scope="col">类别</th><th scope="col">风险分类</th><th scope="col">匹配</th></tr></thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.entityId}>
                <td><a href={href(`entity/${m.entityId}`)}>{m.name}</a></td><td>{m.uscc ?? "—"}</td><td data-region={m.regionCode}>{regionName(m.regionCode)}</td>
                <td>{CATEGORY_LABEL[m.category] ?? m.category}</td><td><span class={`badge c-${m.riskClass ?? "unclassified"}`}>{m.riskClass ?? "—"}</span></td>
                <td>{MATCH_LABEL[m.matchedBy]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" disabled={loading} onClick={() => load(cursor)}>
          加载更多
        </button>
      )}
    </section>
  );
}
