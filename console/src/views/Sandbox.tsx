// Sandbox membership (信用沙盒): members inside the officer's scope by status and district,
// keyset pages, CSV export; a member opens beside the list with its history, and officers admit,
// remove or hold it with a reason (an entity never admitted is admitted from its profile).
import { api, problemText, type Schemas, type Session } from "../lib/api";
import { downloadAll, useKeysetList, type PageSource } from "../lib/keyset";
import { actorLabel, CLASS_LABEL, fmtDate, regionName, SANDBOX_LABEL } from "../lib/labels";
import { go, href } from "../lib/route";
import { RegionSelect } from "../components/Filters";
import { useState } from "preact/hooks";
import { SandboxPanel } from "./sandbox/SandboxPanel";

type Member = Schemas["SandboxMember"];

export function Sandbox({ session, query }: { session: Session; query: URLSearchParams }) {
  const status = (query.get("status") ?? "inside") as "inside" | "outside" | "all";
  const region = query.get("region") ?? "";
  const selected = query.get("entity") ?? undefined;
  const [message, setMessage] = useState<string | undefined>();
  const source: PageSource<Member> = async (after) => {
    const { data, error, response } = await api.GET("/v1/regulator/sandbox/members", {
      params: { query: { status, ...(region ? { region } : {}), limit: 100, ...(after ? { cursor: after } : {}) } },
    });
    return data ? { items: data.members, nextCursor: data.nextCursor } : { problem: problemText(error, response.status) };
  };
  const { items, cursor, error, setError, load } = useKeysetList(source, `${status}|${region}`);
  const nav = (over: Record<string, string | undefined>) => go("sandbox", { status, region: region || undefined, entity: selected, ...over });
  const exportCsv = async () => {
    const got = await downloadAll(source, "沙盒名单", ["主体编号", "经营主体", "区划代码", "辖区", "风险类别", "状态", "起始", "最近决定者", "保持至"], (m) => [m.entityId, m.name, m.regionCode, regionName(m.regionCode), m.riskClass ?? "", SANDBOX_LABEL[m.status], m.since, actorLabel(m.lastActor), m.holdUntil ?? ""]);
    if ("problem" in got) return setError(got.problem);
    setMessage(got.done);
  };
  return (
    <section aria-labelledby="sandbox-title">
      <div class="title-row">
        <h1 id="sandbox-title">信用沙盒</h1>
        <button type="button" onClick={exportCsv} data-testid="export-sandbox">导出 CSV</button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>状态
          <select value={status} onChange={(e) => nav({ status: e.currentTarget.value, entity: undefined })} data-testid="sandbox-status-filter">
            <option value="inside">沙盒内</option>
            <option value="outside">已移出</option>
            <option value="all">全部</option>
          </select>
        </label>
        <label>辖区
          <RegionSelect session={session} value={region} onChange={(v) => nav({ region: v || undefined, entity: undefined })} />
        </label>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {message && <p class="info" role="status">{message}</p>}
      <div class={selected ? "grid split" : ""}>
        <div>
          <table data-testid="sandbox-table" class="nowrap-cells">
            <caption class="sr-only">沙盒名单</caption>
            <thead><tr><th scope="col">经营主体</th><th scope="col">辖区</th><th scope="col">类别</th><th scope="col">状态</th><th scope="col">起始</th><th scope="col">决定者</th><th scope="col">保持至</th></tr></thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.entityId} aria-selected={m.entityId === selected} data-entity={m.entityId}>
                  <td><a href={href("sandbox", { status, region: region || undefined, entity: m.entityId })}>{m.name}</a></td>
                  <td data-region={m.regionCode}>{regionName(m.regionCode)}</td>
                  <td><span class={`badge c-${m.riskClass ?? "unclassified"}`} title={CLASS_LABEL[m.riskClass ?? "unclassified"]}>{m.riskClass ?? "—"}</span></td>
                  <td>{SANDBOX_LABEL[m.status]}</td><td>{fmtDate(m.since)}</td><td>{actorLabel(m.lastActor)}</td><td>{m.holdUntil ? fmtDate(m.holdUntil) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === 0 && !error && <p class="muted">没有符合条件的经营主体。</p>}
          {cursor && <button type="button" onClick={() => load(cursor)}>加载更多</button>}
        </div>
        {selected && (
          <div>
            <SandboxPanel key={selected} entityId={selected} canDecide={session.role !== "viewer"} onChanged={() => load()} />
            <p><a href={href(`entity/${selected}`)}>查看经营主体画像</a></p>
          </div>
        )}
      </div>
    </section>
  );
}
