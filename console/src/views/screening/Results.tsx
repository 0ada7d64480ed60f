// One screening's matching entities in keyset pages ("加载更多"), each linking to its profile,
// with the values of the items the conditions read. Mounted per run (its key changes), so the
// first page loads when the officer runs a screening, not while the conditions are edited.
import { useState } from "preact/hooks";
import type { Schemas } from "../../lib/api";
import { useKeysetList, type PageOf } from "../../lib/keyset";
import { CATEGORY_LABEL, ENTITY_TYPE_LABEL, regionName } from "../../lib/labels";
import { href } from "../../lib/route";
import type { Catalogue } from "./Catalogue";
import { SANDBOX_STATUS_LABEL, showValue } from "./model";

type Row = Schemas["ScreeningRow"];
export type ScreeningSource = (after?: string) => Promise<(Schemas["ScreeningPage"] & { count?: number }) | { problem: string }>;

/** Items the fixed columns already show. */
const SHOWN = new Set(["category", "district", "entity_type", "risk_class", "sandbox_status"]);

export function ScreeningResults({ source, catalogue, runKey, title }: { source: ScreeningSource; catalogue: Catalogue; runKey: string; title: string }) {
  const [columns, setColumns] = useState<string[]>([]);
  const [count, setCount] = useState<number | undefined>();
  const pages = async (after?: string): Promise<PageOf<Row>> => {
    const page = await source(after);
    if ("problem" in page) return page;
    if (!after) {
      setColumns(page.columns.filter((k) => !SHOWN.has(k)));
      if (page.count !== undefined) setCount(page.count);
    }
    return { items: page.rows, nextCursor: page.nextCursor };
  };
  const { items, cursor, error, loading, load } = useKeysetList(pages, runKey);
  return (
    <section class="card" aria-labelledby="results-title" data-testid="screening-results">
      <h2 id="results-title">{title}</h2>
      {count !== undefined && <p data-testid="rerun-count">符合条件：<strong>{count}</strong> 个经营主体</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {!loading && !error && items.length === 0 && <p class="muted">辖区内没有符合条件的经营主体。</p>}
      {items.length > 0 && (
        <div class="scroll-x">
          <table data-testid="results-table">
            <thead>
              <tr>
                <th scope="col">名称</th><th scope="col">统一社会信用代码</th><th scope="col">辖区</th><th scope="col">类别</th>
                <th scope="col">主体类型</th><th scope="col">风险等级</th><th scope="col">沙盒</th>
                {columns.map((k) => <th key={k} scope="col">{catalogue.byKey.get(k)?.labelZh ?? k}</th>)}
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.entityId} data-entity={r.entityId}>
                  <td><a href={href(`entity/${r.entityId}`)}>{r.name}</a></td>
                  <td>{r.uscc ?? "—"}</td>
                  <td data-region={r.regionCode}>{regionName(r.regionCode)}</td>
                  <td>{CATEGORY_LABEL[r.category] ?? r.category}</td>
                  <td>{ENTITY_TYPE_LABEL[r.entityType] ?? r.entityType}</td>
                  <td><span class={`badge c-${r.riskClass ?? "unclassified"}`}>{r.riskClass ?? "—"}</span></td>
                  <td>{SANDBOX_STATUS_LABEL[r.sandboxStatus] ?? r.sandboxStatus}</td>
                  {columns.map((k) => <td key={k} data-tag={k}>{showValue(catalogue.byKey.get(k), r.tags[k])}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {items.length > 0 && <p class="muted small">已显示 {items.length} 条{cursor ? "，还有更多" : "，已全部显示"}。</p>}
      {cursor && <button type="button" disabled={loading} onClick={() => load(cursor)} data-testid="results-more">加载更多</button>}
    </section>
  );
}
