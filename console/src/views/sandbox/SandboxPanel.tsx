// One entity's place relative to the sandbox (GET /v1/regulator/sandbox/{entityId}): status,
// the running hold, the history of admissions and removals, and — for officers — manual
// admission, removal, hold until a date and release, each with a written reason (audited).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../../lib/api";
import { actorLabel, fmtDate, fmtTime, FENCE_RULE_LABEL, SANDBOX_LABEL } from "../../lib/labels";
import { useApi } from "../../lib/useApi";

type SandboxEntity = Schemas["SandboxEntity"];
type Decision = "admit" | "remove" | "hold" | "release";

const DECISION_LABEL: Record<Decision, string> = { admit: "纳入沙盒", remove: "移出沙盒", hold: "保持现状", release: "解除保持" };

export function SandboxPanel({ entityId, canDecide, onChanged }: { entityId: string; canDecide: boolean; onChanged?: (s: SandboxEntity) => void }) {
  const loaded = useApi(() => api.GET("/v1/regulator/sandbox/{entityId}", { params: { path: { entityId } } }), [entityId]);
  // A decision answers with the entity as it now is: shown at once, no second read.
  const [latest, setLatest] = useState<SandboxEntity | undefined>();
  const data = latest ?? loaded.data;
  const error = loaded.error;
  const [deciding, setDeciding] = useState<Decision | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p class="muted">加载中…</p>;
  const inside = data.status === "inside";
  return (
    <section class="card" aria-labelledby={`sandbox-${entityId}`} data-testid="sandbox-panel">
      <h2 id={`sandbox-${entityId}`}>信用沙盒 · {data.name}</h2>
      <p>
        当前：<strong data-testid="sandbox-status">{SANDBOX_LABEL[data.status]}</strong>
        {data.membership && <span class="muted">（自 {fmtTime(data.membership.since)}，策略版本 {data.membership.policyVersion}）</span>}
      </p>
      {data.hold && (
        <p class="hold" data-testid="sandbox-hold">
          保持现状至 <strong>{fmtDate(data.hold.until)}</strong>：{data.hold.reason}
          <span class="muted">（{actorLabel(data.hold.heldBy)}，{fmtTime(data.hold.heldAt)}；其间不自动调整，D 类或严重违法除外）</span>
        </p>
      )}
      {canDecide && (
        <div class="actions start">
          {inside ? <button type="button" class="danger" onClick={() => setDeciding("remove")}>移出沙盒</button> : <button type="button" onClick={() => setDeciding("admit")}>纳入沙盒</button>}
          <button type="button" class="secondary" onClick={() => setDeciding("hold")}>{data.hold ? "调整保持期限" : "保持现状"}</button>
          {data.hold && <button type="button" class="secondary" onClick={() => setDeciding("release")}>解除保持</button>}
        </div>
      )}
      {message && <p class="info" role="status">{message}</p>}
      {data.history.length > 0 ? (
        <table>
          <thead><tr><th scope="col">时间</th><th scope="col">变化</th><th scope="col">规则</th><th scope="col">理由</th><th scope="col">决定者</th></tr></thead>
          <tbody>
            {data.history.map((h) => (
              <tr key={h.id}>
                <td>{fmtTime(h.at)}</td><td>{h.action === "admitted" ? "纳入" : "移出"}</td><td>{FENCE_RULE_LABEL[h.rule] ?? h.rule}</td><td>{h.reason}</td>
                <td>{actorLabel(h.actor)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p class="muted">从未纳入沙盒。</p>}
      {deciding && (
        <DecisionDialog
          entity={data}
          decision={deciding}
          onDone={(after) => {
            setDeciding(undefined);
            if (!after) return;
            setLatest(after);
            setMessage(`已${DECISION_LABEL[deciding]}。`);
            onChanged?.(after);
          }}
        />
      )}
    </section>
  );
}

/** A Beijing calendar date `days` from today, as a date input spells it. */
const beijingDay = (days: number) => new Date(Date.now() + days * 86_400_000).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });

const PATH = {
  admit: "/v1/regulator/sandbox/{entityId}/admit",
  remove: "/v1/regulator/sandbox/{entityId}/remove",
  release: "/v1/regulator/sandbox/{entityId}/release",
} as const;

function DecisionDialog({ entity, decision, onDone }: { entity: SandboxEntity; decision: Decision; onDone: (after?: SandboxEntity) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const params = { path: { entityId: entity.entityId } };
    // A date picked in Beijing time: the hold lasts to the end of that day there.
    const r = decision === "hold"
      ? await api.POST("/v1/regulator/sandbox/{entityId}/hold", { params, body: { reason: reason.trim(), until: new Date(`${until}T23:59:59+08:00`).toISOString() } })
      : await api.POST(PATH[decision], { params, body: { reason: reason.trim() } });
    setBusy(false);
    if (r.data) return onDone(r.data);
    const p = r.error as { errors?: Array<{ pointer: string; message: string }> } | undefined;
    setError([problemText(r.error, r.response.status), ...(p?.errors ?? []).map((x) => `${x.pointer} ${x.message}`)].join(" "));
  };
  const title = `${DECISION_LABEL[decision]}：${entity.name}`;
  return (
    <dialog ref={ref} aria-labelledby="decision-title" onCancel={() => onDone()}>
      <form onSubmit={submit}>
        <h2 id="decision-title">{title}</h2>
        {decision === "hold" && (
          <>
            <p class="muted small">保持期内围栏不自动纳入或移出该主体（D 类或严重违法仍会移出）。</p>
            <label for="hold-until">保持至（日期，最长一年）</label>
            <input id="hold-until" type="date" required min={beijingDay(0)} max={beijingDay(364)} value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
          </>
        )}
        <label for="decision-reason">理由（必填，将记入审计日志）</label>
        <textarea id="decision-reason" required maxLength={1000} rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => onDone()}>取消</button>
          <button type="submit" disabled={busy || reason.trim() === "" || (decision === "hold" && until === "")}>确认{DECISION_LABEL[decision]}</button>
        </div>
      </form>
    </dialog>
  );
}
