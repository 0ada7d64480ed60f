// Administrative notices (行政提示): the notices inside the officer's scope by delivery status,
// source and district, keyset pages, CSV export; a notice opens beside the list with its text,
// its delivery per platform and a link to its rectification case. Manual notices are issued
// from the warning library (one notice per warning) — see IssueNoticeDialog.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, problemText, type Schemas, type Session } from "../lib/api";
import { downloadAll, useKeysetList, type PageSource } from "../lib/keyset";
import { CASE_STATUS_LABEL, fmtDate, fmtTime, regionName } from "../lib/labels";
import { go, href } from "../lib/route";
import { LabelSelect, RegionSelect } from "../components/Filters";
import { useApi } from "../lib/useApi";

type Notice = Schemas["Notice"];
type Warning = Schemas["Warning"];

export const DELIVERY_LABEL: Record<string, string> = { pending: "待送达", delivered: "已送达", read: "已阅读", undeliverable: "无法送达" };
const SOURCE_LABEL: Record<string, string> = { warning: "预警触发", manual: "人工" };

export function Notices({ session, query }: { session: Session; query: URLSearchParams }) {
  const delivery = query.get("delivery") ?? "";
  const source = query.get("source") ?? "";
  const region = query.get("region") ?? "";
  const selected = query.get("notice") ?? undefined;
  const [message, setMessage] = useState<string | undefined>();
  const filters = {
    ...(delivery ? { delivery: delivery as Notice["deliveryStatus"] } : {}),
    ...(source ? { source: source as Notice["source"] } : {}),
    ...(region ? { region } : {}),
  };
  const pageSource: PageSource<Notice> = async (after) => {
    const { data, error, response } = await api.GET("/v1/regulator/notices", { params: { query: { ...filters, limit: 50, ...(after ? { cursor: after } : {}) } } });
    return data ? { items: data.notices, nextCursor: data.nextCursor } : { problem: problemText(error, response.status) };
  };
  const { items, cursor, error, setError, load } = useKeysetList(pageSource, JSON.stringify(filters));
  const nav = (over: Record<string, string | undefined>) => go("notices", { ...filters, notice: selected, ...over });
  const exportCsv = async () => {
    const got = await downloadAll(pageSource, "行政提示", ["文号", "经营主体", "主体编号", "区划代码", "辖区", "来源", "标题", "发出时间", "整改期限", "送达状态", "整改状态"], (n) => [n.noticeNo, n.entityName, n.entityId, n.regionCode, regionName(n.regionCode), SOURCE_LABEL[n.source], n.title, n.issuedAt, n.dueAt, DELIVERY_LABEL[n.deliveryStatus], CASE_STATUS_LABEL[n.caseStatus]]);
    if ("problem" in got) return setError(got.problem);
    setMessage(got.done);
  };
  return (
    <section aria-labelledby="notices-title">
      <div class="title-row">
        <h1 id="notices-title">行政提示</h1>
        <button type="button" onClick={exportCsv} data-testid="export-notices">导出 CSV</button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>送达
          <LabelSelect labels={DELIVERY_LABEL} value={delivery} onChange={(v) => nav({ delivery: v || undefined, notice: undefined })} />
        </label>
        <label>来源
          <LabelSelect labels={SOURCE_LABEL} value={source} onChange={(v) => nav({ source: v || undefined, notice: undefined })} testId="notice-source" />
        </label>
        <label>辖区
          <RegionSelect session={session} value={region} onChange={(v) => nav({ region: v || undefined, notice: undefined })} />
        </label>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {message && <p class="info" role="status">{message}</p>}
      <div class={selected ? "grid split" : ""}>
        <div>
          <table data-testid="notices-table">
            <caption class="sr-only">行政提示</caption>
            <thead><tr><th scope="col">文号</th><th scope="col">经营主体</th><th scope="col">辖区</th><th scope="col">来源</th><th scope="col">发出</th><th scope="col">送达</th><th scope="col">整改</th></tr></thead>
            <tbody>
              {items.map((n) => (
                <tr key={n.noticeId} aria-selected={n.noticeId === selected} data-notice={n.noticeId}>
                  <td><a href={href("notices", { ...filters, notice: n.noticeId })}>{n.noticeNo}</a></td>
                  <td>{n.entityName}</td><td data-region={n.regionCode}>{regionName(n.regionCode)}</td><td>{SOURCE_LABEL[n.source]}</td>
                  <td>{fmtDate(n.issuedAt)}</td><td>{DELIVERY_LABEL[n.deliveryStatus]}</td><td>{CASE_STATUS_LABEL[n.caseStatus]}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === 0 && !error && <p class="muted">没有符合条件的行政提示。</p>}
          {cursor && <button type="button" onClick={() => load(cursor)}>加载更多</button>}
        </div>
        {selected && <NoticeDetail key={selected} noticeId={selected} />}
      </div>
    </section>
  );
}

function NoticeDetail({ noticeId }: { noticeId: string }) {
  const { data: n, error } = useApi(() => api.GET("/v1/regulator/notices/{noticeId}", { params: { path: { noticeId } } }), [noticeId]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!n) return <p class="muted">加载中…</p>;
  return (
    <section class="card" aria-labelledby="notice-title" data-testid="notice-detail">
      <h2 id="notice-title">{n.title}</h2>
      <p class="muted">{n.noticeNo} · <a href={href(`entity/${n.entityId}`)}>{n.entityName}</a> · {SOURCE_LABEL[n.source]} · 发出 {fmtTime(n.issuedAt)} · 期限 {fmtDate(n.dueAt)}</p>
      <pre class="notice-body">{n.body}</pre>
      <h3>送达</h3>
      {n.deliveries.length === 0 ? <p class="muted">无可送达的平台。</p> : (
        <table class="compact">
          <thead><tr><th scope="col">平台</th><th scope="col">状态</th><th scope="col">发送次数</th><th scope="col">送达</th><th scope="col">阅读</th></tr></thead>
          <tbody>
            {n.deliveries.map((d) => (
              <tr key={d.platformId}><td>{d.platformName ?? d.platformId}</td><td>{DELIVERY_LABEL[d.status]}</td><td>{d.attempts}</td><td>{fmtTime(d.deliveredAt)}</td><td>{fmtTime(d.readAt)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <p><a href={href("rectifications", { status: "all", case: n.caseId })}>整改案件：{CASE_STATUS_LABEL[n.caseStatus]}</a></p>
    </section>
  );
}

/** A manual notice about one warning (the API allows one notice per warning: a second is a 409). */
export function IssueNoticeDialog({ warning, onDone }: { warning: Warning; onDone: (issued?: Notice) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [facts, setFacts] = useState(`经监测，该经营主体触发“${warning.ruleNameZh ?? warning.ruleKey}”预警（命中 ${warning.hitCount} 次，最近一次 ${fmtTime(warning.lastHitAt)}）。`);
  const [rectify, setRectify] = useState("");
  const [due, setDue] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const { data, error, response } = await api.POST("/v1/regulator/notices", {
      body: {
        entityId: warning.entityId,
        warningId: warning.warningId,
        facts: facts.trim(),
        ...(rectify.trim() ? { rectify: rectify.trim() } : {}),
        ...(due ? { dueAt: new Date(`${due}T23:59:59+08:00`).toISOString() } : {}),
      },
    });
    setBusy(false);
    if (data) return onDone(data);
    const p = error as { errors?: Array<{ pointer: string; message: string }> } | undefined;
    setError([problemText(error, response.status), ...(p?.errors ?? []).map((x) => `${x.pointer} ${x.message}`)].join(" "));
  };
  return (
    <dialog ref={ref} aria-labelledby="issue-title" onCancel={() => onDone()}>
      <form onSubmit={submit}>
        <h2 id="issue-title">发出行政提示</h2>
        <p>{warning.entityName} · {warning.ruleNameZh ?? warning.ruleKey}</p>
        <label for="notice-facts">查明的事实（必填）</label>
        <textarea id="notice-facts" required maxLength={10000} rows={4} value={facts} onInput={(e) => setFacts(e.currentTarget.value)} />
        <label for="notice-rectify">整改要求（留空则用模板的）</label>
        <textarea id="notice-rectify" maxLength={10000} rows={2} value={rectify} onInput={(e) => setRectify(e.currentTarget.value)} />
        <label for="notice-due">整改期限（留空则按默认期限）</label>
        <input id="notice-due" type="date" value={due} onInput={(e) => setDue(e.currentTarget.value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => onDone()}>取消</button>
          <button type="submit" disabled={busy || facts.trim() === ""}>确认发出</button>
        </div>
      </form>
    </dialog>
  );
}
