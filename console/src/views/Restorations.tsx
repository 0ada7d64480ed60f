// The credit restoration queue (信用修复审核): applications inside the officer's scope by status
// (open ones by default: those wait for a review), keyset pages; an application opens beside the
// list with the merchant's evidence (files fetched with the session, never by a bare link), the
// entity's current explanation (reasons, fence blockers, next eligible date), and officers accept
// (the entity is re-scored at once) or reject with a comment.
import { useEffect, useState } from "preact/hooks";
import { api, currentSession, problemText, type Schemas, type Session } from "../lib/api";
import { useKeysetList, type PageSource } from "../lib/keyset";
import { fmtDate, fmtTime, regionName } from "../lib/labels";
import { go, href } from "../lib/route";
import { LabelSelect, RegionSelect } from "../components/Filters";
import { ReviewForm, type Decision } from "../components/ReviewForm";

type Application = Schemas["RestorationApplication"];
type Detail = Schemas["RestorationApplicationDetail"];

const STATUS_LABEL: Record<Application["status"], string> = { open: "待审核", accepted: "已通过", rejected: "已驳回" };
const KIND_LABEL: Record<Schemas["RestorationReason"]["kind"], string> = { actionable: "可整改", time: "随时间改善", fixed: "不可改变" };

export function Restorations({ session, query }: { session: Session; query: URLSearchParams }) {
  const status = (query.get("status") ?? "open") as Application["status"] | "all";
  const region = query.get("region") ?? "";
  const selected = query.get("application") ?? undefined;
  const filters = { ...(status !== "all" ? { status } : {}), ...(region ? { region } : {}) };
  const source: PageSource<Application> = async (after) => {
    const { data, error, response } = await api.GET("/v1/regulator/restoration/applications", { params: { query: { ...filters, limit: 50, ...(after ? { cursor: after } : {}) } } });
    return data ? { items: data.applications, nextCursor: data.nextCursor } : { problem: problemText(error, response.status) };
  };
  const { items, setItems, cursor, error, load } = useKeysetList(source, `${status}|${region}`);
  const nav = (over: Record<string, string | undefined>) => go("restorations", { status, region: region || undefined, application: selected, ...over });
  return (
    <section aria-labelledby="restoration-title">
      <div class="title-row"><h1 id="restoration-title">信用修复审核</h1></div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>状态
          <LabelSelect labels={STATUS_LABEL} allValue="all" value={status} onChange={(v) => nav({ status: v, application: undefined })} testId="restoration-status" />
        </label>
        <label>辖区
          <RegionSelect session={session} value={region} onChange={(v) => nav({ region: v || undefined, application: undefined })} />
        </label>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      <div class={selected ? "grid split" : ""}>
        <div>
          <table data-testid="restorations-table">
            <thead><tr><th scope="col">经营主体</th><th scope="col">辖区</th><th scope="col">状态</th><th scope="col">申请时间</th><th scope="col">申请时分类</th></tr></thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.applicationId} aria-selected={a.applicationId === selected}>
                  <td><a href={href("restorations", { status, region: region || undefined, application: a.applicationId })}>{a.entityName}</a></td>
                  <td data-region={a.regionCode}>{regionName(a.regionCode)}</td>
                  <td>{STATUS_LABEL[a.status]}</td><td>{fmtDate(a.appliedAt)}</td><td>{a.classAtApplication ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === 0 && !error && <p class="muted">没有符合条件的信用修复申请。</p>}
          {cursor && <button type="button" onClick={() => load(cursor)}>加载更多</button>}
        </div>
        {selected && (
          <ApplicationDetail key={selected} applicationId={selected} canReview={session.role !== "viewer"}
            onReviewed={(a) => setItems((prev) => prev.map((x) => (x.applicationId === a.applicationId ? a : x)))} />
        )}
      </div>
    </section>
  );
}

function ApplicationDetail({ applicationId, canReview, onReviewed }: { applicationId: string; canReview: boolean; onReviewed: (a: Application) => void }) {
  const [d, setD] = useState<Detail | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = async () => {
    const { data, error, response } = await api.GET("/v1/regulator/restoration/applications/{applicationId}", { params: { path: { applicationId } } });
    if (data) setD(data);
    else setError(problemText(error, response.status));
  };
  useEffect(() => {
    void load();
  }, [applicationId]);
  const review = async (decision: Decision, comment: string) => {
    const { data, error, response } = await api.POST("/v1/regulator/restoration/applications/{applicationId}/review", { params: { path: { applicationId } }, body: { decision, comment } });
    if (!data) return problemText(error, response.status);
    onReviewed(data);
    void load();
    return undefined;
  };
  const download = async (fileId: string, name: string) => {
    const res = await fetch(`/v1/regulator/restoration/applications/${applicationId}/files/${fileId}`, { headers: { Authorization: `Bearer ${currentSession()?.token ?? ""}` } });
    if (!res.ok) return setError(`下载失败（${res.status}）`);
    const u = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = u;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(u), 10_000);
  };
  if (error && !d) return <p class="error" role="alert">{error}</p>;
  if (!d) return <p class="muted">加载中…</p>;
  const r = d.restoration;
  return (
    <section class="card" aria-labelledby="application-title" data-testid="restoration-detail">
      <h2 id="application-title"><a href={href(`entity/${d.entityId}`)}>{d.entityName}</a> · {STATUS_LABEL[d.status]}</h2>
      <p class="muted">申请于 {fmtTime(d.appliedAt)} · 申请时分类 {d.classAtApplication ?? "—"} · 当前分类 {r.riskClass ?? "—"}</p>
      <h3>申请材料</h3>
      {d.text && <p>{d.text}</p>}
      <ul class="evidence">
        {d.links.map((l) => <li key={l}><a href={l} rel="noopener noreferrer" target="_blank">{l}</a></li>)}
        {d.files.map((f) => (
          <li key={f.fileId}><button type="button" class="link" onClick={() => download(f.fileId, f.fileName)}>下载 {f.fileName}（{Math.ceil(f.sizeBytes / 1024)} KB）</button></li>
        ))}
      </ul>
      <h3>当前情况</h3>
      <p>{r.summaryZh}</p>
      <ul>{r.reasons.map((x) => <li key={x.indicator}>[{KIND_LABEL[x.kind]}] {x.textZh}</li>)}</ul>
      <p class="muted">{r.nextEligibleZh}</p>
      {d.reviewComment && <p>审核意见：{d.reviewComment}</p>}
      <ReviewForm open={canReview && d.status === "open"} commentId="restoration-comment" review={review} error={error} setError={setError}
        done={{ accept: "已通过，已重新评分。", reject: "已驳回，商户可重新申请。" }} />
    </section>
  );
}
