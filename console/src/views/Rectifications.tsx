// The rectification queue: cases inside the officer's scope by status (submitted ones first by
// default: those wait for a review), keyset pages, CSV export; a case opens beside the list with
// its notice, evidence (images shown inline, other files downloaded — both fetched with the
// session, never by a bare link) and timeline, and officers accept or reject with a comment.
import { useEffect, useState } from "preact/hooks";
import { api, currentSession, problemText, type Schemas, type Session } from "../lib/api";
import { downloadAll, useKeysetList, type PageSource } from "../lib/keyset";
import { CASE_STATUS_LABEL, fmtDate, fmtTime, regionName } from "../lib/labels";
import { go, href } from "../lib/route";
import { LabelSelect, RegionSelect } from "../components/Filters";
import { ReviewForm, type Decision } from "../components/ReviewForm";

type Case = Schemas["RectificationCase"];
type Detail = Schemas["RectificationDetail"];

const STEP_LABEL: Record<string, string> = {
  opened: "立案", delivered: "已送达", read: "已阅读", undeliverable: "无法送达", acknowledged: "已签收", submitted: "提交整改材料",
  accepted: "审核通过", rejected: "审核驳回", reminded: "到期提醒", escalated: "逾期升级",
};

export function Rectifications({ session, query }: { session: Session; query: URLSearchParams }) {
  const status = (query.get("status") ?? "submitted") as Case["status"] | "all";
  const region = query.get("region") ?? "";
  const selected = query.get("case") ?? undefined;
  const filters = { ...(status !== "all" ? { status } : {}), ...(region ? { region } : {}) };
  const source: PageSource<Case> = async (after) => {
    const { data, error, response } = await api.GET("/v1/regulator/rectifications", { params: { query: { ...filters, limit: 50, ...(after ? { cursor: after } : {}) } } });
    return data ? { items: data.cases, nextCursor: data.nextCursor } : { problem: problemText(error, response.status) };
  };
  const { items, setItems, cursor, error, setError, load } = useKeysetList(source, `${status}|${region}`);
  const nav = (over: Record<string, string | undefined>) => go("rectifications", { status, region: region || undefined, case: selected, ...over });
  const exportCsv = async () => {
    const got = await downloadAll(source, "整改案件", ["案件编号", "经营主体", "主体编号", "辖区", "状态", "逾期", "期限", "提交次数", "最近意见"], (c) => [c.caseId, c.entityName, c.entityId, regionName(c.regionCode), CASE_STATUS_LABEL[c.status], c.overdue ? "是" : "否", c.dueAt, c.submissions, c.lastComment ?? ""]);
    if ("problem" in got) setError(got.problem);
  };

  return (
    <section aria-labelledby="rect-title">
      <div class="title-row">
        <h1 id="rect-title">整改审核</h1>
        <button type="button" onClick={exportCsv}>导出 CSV</button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>状态
          <LabelSelect labels={CASE_STATUS_LABEL} allValue="all" value={status} onChange={(v) => nav({ status: v, case: undefined })} testId="case-status" />
        </label>
        <label>辖区
          <RegionSelect session={session} value={region} onChange={(v) => nav({ region: v || undefined, case: undefined })} />
        </label>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      <div class={selected ? "grid split" : ""}>
        <div>
          <table data-testid="cases-table">
            <thead><tr><th scope="col">经营主体</th><th scope="col">辖区</th><th scope="col">状态</th><th scope="col">期限</th><th scope="col">提交</th></tr></thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.caseId} aria-selected={c.caseId === selected}>
                  <td><a href={href("rectifications", { status, region: region || undefined, case: c.caseId })}>{c.entityName ?? c.entityId}</a></td>
                  <td data-region={c.regionCode}>{regionName(c.regionCode)}</td>
                  <td>{CASE_STATUS_LABEL[c.status]}{c.overdue && <span class="sev s-high"> 逾期</span>}</td>
                  <td>{fmtDate(c.dueAt)}</td><td>{c.submissions}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === 0 && !error && <p class="muted">没有符合条件的整改案件。</p>}
          {cursor && <button type="button" onClick={() => load(cursor)}>加载更多</button>}
        </div>
        {selected && <CaseDetail key={selected} caseId={selected} canReview={session.role !== "viewer"} onReviewed={(c) => setItems((prev) => prev.map((x) => (x.caseId === c.caseId ? c : x)))} />}
      </div>
    </section>
  );
}

function CaseDetail({ caseId, canReview, onReviewed }: { caseId: string; canReview: boolean; onReviewed: (c: Case) => void }) {
  const [d, setD] = useState<Detail | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = async () => {
    const { data, error, response } = await api.GET("/v1/regulator/rectifications/{caseId}", { params: { path: { caseId } } });
    if (data) setD(data);
    else setError(problemText(error, response.status));
  };
  useEffect(() => {
    void load();
  }, [caseId]);
  const review = async (decision: Decision, comment: string) => {
    const { data, error, response } = await api.POST("/v1/regulator/rectifications/{caseId}/review", { params: { path: { caseId } }, body: { decision, comment } });
    if (!data) return problemText(error, response.status);
    onReviewed(data);
    void load();
    return undefined;
  };
  if (error && !d) return <p class="error" role="alert">{error}</p>;
  if (!d) return <p class="muted">加载中…</p>;
  return (
    <section class="card" aria-labelledby="case-title" data-testid="case-detail">
      <h2 id="case-title"><a href={href(`entity/${d.entityId}`)}>{d.entityName}</a> · {CASE_STATUS_LABEL[d.status]}</h2>
      <p class="muted">{d.notice.noticeNo} · {d.notice.title} · 期限 {fmtDate(d.dueAt)}</p>
      <p>{d.notice.facts}</p>
      <h3>整改材料</h3>
      {d.evidence.length === 0 ? <p class="muted">尚未提交。</p> : (
        <ul class="evidence">
          {d.evidence.map((ev) => (
            <li key={ev.evidenceId}>
              <span class="muted">第 {ev.submission} 次 · {fmtTime(ev.submittedAt)}：</span>
              {ev.kind === "text" && <span>{ev.text}</span>}
              {ev.kind === "link" && <a href={ev.url} rel="noopener noreferrer" target="_blank">{ev.url}</a>}
              {ev.kind === "file" && <EvidenceFile caseId={caseId} ev={ev} />}
            </li>
          ))}
        </ul>
      )}
      <h3>过程</h3>
      <ol class="timeline">
        {d.timeline.map((s, k) => (
          <li key={k}>{fmtTime(s.at)} {STEP_LABEL[s.action] ?? s.action}{s.comment ? `：${s.comment}` : ""}</li>
        ))}
      </ol>
      <ReviewForm open={canReview && d.status === "submitted"} commentId="review-comment" review={review} error={error} setError={setError}
        done={{ accept: "已通过。", reject: "已驳回，商户可重新提交。" }} />
    </section>
  );
}

/** Evidence files need the session's token, so they are fetched here and shown from a blob URL. */
function EvidenceFile({ caseId, ev }: { caseId: string; ev: Schemas["EvidenceItem"] }) {
  const [url, setUrl] = useState<string | undefined>();
  const image = /^image\/(jpeg|png|webp)$/.test(ev.contentType ?? "");
  const fetchFile = async (): Promise<string | undefined> => {
    const res = await fetch(`/v1/regulator/rectifications/${caseId}/evidence/${ev.evidenceId}`, { headers: { Authorization: `Bearer ${currentSession()?.token ?? ""}` } });
    return res.ok ? URL.createObjectURL(await res.blob()) : undefined;
  };
  useEffect(() => {
    let made: string | undefined;
    if (image) void fetchFile().then((u) => setUrl((made = u)));
    return () => made && URL.revokeObjectURL(made);
  }, [ev.evidenceId]);
  if (image) return url ? <img class="evidence-img" src={url} alt={ev.fileName ?? "整改材料图片"} /> : <span class="muted">{ev.fileName}</span>;
  return (
    <button type="button" class="link" onClick={async () => {
      const u = await fetchFile();
      if (!u) return;
      const a = document.createElement("a");
      a.href = u;
      a.download = ev.fileName ?? "evidence";
      a.click();
      setTimeout(() => URL.revokeObjectURL(u), 10_000);
    }}>
      下载 {ev.fileName}（{Math.ceil((ev.sizeBytes ?? 0) / 1024)} KB）
    </button>
  );
}
