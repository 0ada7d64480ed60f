// The warning library (预警线索库): filters by status, severity and district, keyset pages
// ("加载更多"), CSV export of everything the filters select, and close-with-reason for officers.
import { useEffect, useRef, useState } from "preact/hooks";
import { downloadAll, useKeysetList, type PageSource } from "../lib/keyset";
import { api, problemText, type Schemas, type Session } from "../lib/api";
import { ACTION_LABEL, fmtTime, regionName, SANDBOX_LABEL, SEVERITY_LABEL, WARNING_STATUS_LABEL } from "../lib/labels";
import { go, href } from "../lib/route";
import { LabelSelect, RegionSelect } from "../components/Filters";
import { IssueNoticeDialog } from "./Notices";

type Warning = Schemas["Warning"];
type Filters = { status?: Warning["status"]; severity?: Warning["severity"]; region?: string };

const PAGE = 50;

export function Warnings({ session, query }: { session: Session; query: URLSearchParams }) {
  const filters: Filters = {
    ...(query.get("status") ? { status: query.get("status") as Warning["status"] } : {}),
    ...(query.get("severity") ? { severity: query.get("severity") as Warning["severity"] } : {}),
    ...(query.get("region") ? { region: query.get("region")! } : {}),
  };
  const key = JSON.stringify(filters);
  const [closing, setClosing] = useState<Warning | undefined>();
  const [noticing, setNoticing] = useState<Warning | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const source: PageSource<Warning> = async (after) => {
    const { data, error, response } = await api.GET("/v1/regulator/warnings", { params: { query: { ...filters, limit: PAGE, ...(after ? { cursor: after } : {}) } } });
    return data ? { items: data.warnings, nextCursor: data.nextCursor } : { problem: problemText(error, response.status) };
  };
  const { items, setItems, cursor, error, setError, loading, load } = useKeysetList(source, key);

  const setFilter = (k: keyof Filters, v: string) => go("warnings", { ...filters, [k]: v || undefined });
  const exportCsv = async () => {
    const got = await downloadAll(source, "预警线索", ["线索编号", "经营主体", "主体编号", "区划代码", "辖区", "规则", "严重程度", "状态", "处置", "命中次数", "首次命中", "最近命中", "关闭理由"], (w) => [w.warningId, w.entityName, w.entityId, w.regionCode, regionName(w.regionCode), w.ruleNameZh ?? w.ruleKey, SEVERITY_LABEL[w.severity], WARNING_STATUS_LABEL[w.status], ACTION_LABEL[w.action], w.hitCount, w.firstHitAt, w.lastHitAt, w.closeReason ?? ""]);
    if ("problem" in got) return setError(got.problem);
    setMessage(got.done);
  };

  const canClose = session.role !== "viewer";
  return (
    <section aria-labelledby="warnings-title">
      <div class="title-row">
        <h1 id="warnings-title">预警线索库</h1>
        <button type="button" onClick={exportCsv} data-testid="export-warnings">导出 CSV</button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>状态
          <LabelSelect labels={WARNING_STATUS_LABEL} value={filters.status ?? ""} onChange={(v) => setFilter("status", v)} testId="filter-status" />
        </label>
        <label>严重程度
          <LabelSelect labels={SEVERITY_LABEL} value={filters.severity ?? ""} onChange={(v) => setFilter("severity", v)} />
        </label>
        <label>辖区
          <RegionSelect session={session} value={filters.region ?? ""} onChange={(v) => setFilter("region", v)} />
        </label>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {message && <p class="info" role="status">{message}</p>}
      <table data-testid="warnings-table">
        <caption class="sr-only">预警线索</caption>
        <thead><tr><th scope="col">经营主体</th><th scope="col">辖区</th><th scope="col">规则</th><th scope="col">严重程度</th><th scope="col">状态</th><th scope="col">沙盒</th><th scope="col">命中</th><th scope="col">最近命中</th><th scope="col"><span class="sr-only">操作</span></th></tr></thead>
        <tbody>
          {items.map((w) => (
            <tr key={w.warningId} data-warning={w.warningId}>
              <td><a href={href(`entity/${w.entityId}`)}>{w.entityName}</a></td><td data-region={w.regionCode}>{regionName(w.regionCode)}</td>
              <td>{w.ruleNameZh ?? w.ruleKey}</td><td><span class={`sev s-${w.severity}`}>{SEVERITY_LABEL[w.severity]}</span></td>
              <td>{WARNING_STATUS_LABEL[w.status]}{w.closeReason ? <span class="muted">：{w.closeReason}</span> : null}</td>
              <td>{SANDBOX_LABEL[w.sandboxStatus]}</td><td>{w.hitCount}</td><td>{fmtTime(w.lastHitAt)}</td>
              <td class="row-actions">
                {canClose && w.status === "open" && <button type="button" class="small-btn" aria-label={`关闭：${w.entityName} · ${w.ruleNameZh ?? w.ruleKey}`} onClick={() => setClosing(w)}>关闭</button>}
                {canClose && w.status === "open" && w.action !== "warn_and_notice" && <button type="button" class="small-btn secondary" aria-label={`发出提示：${w.entityName} · ${w.ruleNameZh ?? w.ruleKey}`} onClick={() => setNoticing(w)}>发出提示</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && items.length === 0 && !error && <p class="muted">没有符合条件的预警线索。</p>}
      {cursor && <button type="button" disabled={loading} onClick={() => load(cursor)}>加载更多</button>}
      {noticing && (
        <IssueNoticeDialog
          warning={noticing}
          onDone={(issued) => {
            setNoticing(undefined);
            if (issued) go("notices", { notice: issued.noticeId });
          }}
        />
      )}
      {closing && (
        <CloseDialog
          warning={closing}
          onDone={(closed) => {
            setClosing(undefined);
            if (closed) {
              setItems((prev) => prev.map((w) => (w.warningId === closed.warningId ? closed : w)));
              setMessage(`已关闭：${closed.entityName} · ${closed.ruleNameZh ?? closed.ruleKey}`);
            }
          }}
        />
      )}
    </section>
  );
}

function CloseDialog({ warning, onDone }: { warning: Warning; onDone: (closed?: Warning) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const { data, error, response } = await api.POST("/v1/regulator/warnings/{warningId}/close", {
      params: { path: { warningId: warning.warningId } },
      body: { reason: reason.trim() },
    });
    setBusy(false);
    if (data) return onDone(data);
    setError(problemText(error, response.status));
  };
  return (
    <dialog ref={ref} aria-labelledby="close-title" onCancel={() => onDone()}>
      <form onSubmit={submit}>
        <h2 id="close-title">关闭预警线索</h2>
        <p>{warning.entityName} · {warning.ruleNameZh ?? warning.ruleKey}</p>
        <label for="close-reason">关闭理由（必填，将记入审计日志）</label>
        <textarea id="close-reason" required minLength={1} maxLength={1000} rows={4} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => onDone()}>取消</button>
          <button type="submit" disabled={busy || reason.trim() === ""}>确认关闭</button>
        </div>
      </form>
    </dialog>
  );
}
