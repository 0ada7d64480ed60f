// The screening catalogue (GET /v1/regulator/screening/items): loaded once per view, and shown
// as a reference grouped by family and layer with each item's type, meaning and source.
import { api, type Schemas } from "../../lib/api";
import { useApi } from "../../lib/useApi";
import type { Item } from "./model";

export interface Catalogue {
  items: Item[];
  layers: Schemas["ScreeningCatalogue"]["layers"];
  families: Schemas["ScreeningCatalogue"]["families"];
  byKey: Map<string, Item>;
}

export function useCatalogue() {
  const got = useApi(() => api.GET("/v1/regulator/screening/items"), []);
  const catalogue: Catalogue | undefined = got.data && { ...got.data, byKey: new Map(got.data.items.map((i) => [i.key, i])) };
  return { catalogue, error: got.error };
}

const TYPE_LABEL: Record<Item["type"], string> = { number: "数值", enum: "枚举", bool: "是/否", date: "日期" };

export function CatalogueReference({ catalogue }: { catalogue: Catalogue }) {
  return (
    <details class="card catalogue" data-testid="screening-catalogue">
      <summary>
        数据项目录（{catalogue.items.length} 项：{catalogue.families.length} 类标签 × {catalogue.layers.length} 个层级）
      </summary>
      {catalogue.families.map((f) => (
        <section key={f.key} aria-label={f.labelZh}>
          <h3>{f.labelZh}</h3>
          {catalogue.layers.map((l) => {
            const here = catalogue.items.filter((i) => i.family === f.key && i.layer === l.key);
            if (here.length === 0) return null;
            return (
              <table key={l.key} class="compact" data-family={f.key} data-layer={l.key}>
                <caption>{l.labelZh}（{here.length}）</caption>
                <thead><tr><th scope="col">数据项</th><th scope="col">类型</th><th scope="col">含义</th><th scope="col">来源</th></tr></thead>
                <tbody>
                  {here.map((i) => (
                    <tr key={i.key} data-item={i.key}>
                      <td>{i.labelZh}</td>
                      <td>{TYPE_LABEL[i.type]}{i.changeTracked ? "（记录变化时间）" : ""}</td>
                      <td>{i.description}</td>
                      <td><code>{i.source}</code></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          })}
        </section>
      ))}
    </details>
  );
}
