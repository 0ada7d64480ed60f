// The fence policy editor (admins with a city-wide scope): the policy in force as a form, saved
// as a new version with a reason and the version it was edited from (a concurrent save is a 409,
// not a silent overwrite). Every validation error the API reports is shown at its field.
import { useEffect, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../../lib/api";
import { formProblem, pointerLabel, type FieldProblem } from "../../lib/fieldErrors";
import { SEVERITY_LABEL } from "../../lib/labels";
import { Field } from "./Field";
import { VersionHistory, type SavedVersion } from "./VersionHistory";
import { PolicyWhatIfResult } from "./WhatIf";

type Policy = Schemas["FencePolicy"];
type Version = Schemas["FencePolicyVersion"];

export const POLICY_LABEL: Record<string, string> = {
  "/admission/classes": "准入类别",
  "/admission/minDaysInClass": "准入：保持类别最少天数",
  "/admission/minHistoryDays": "准入：最少经营天数",
  "/admission/blockingWarningSeverity": "准入：阻止准入的预警等级（及以上）",
  "/admission/requireNoOverdueRectification": "准入：须无逾期整改",
  "/removal/classes": "移出类别",
  "/removal/onSeriousViolation": "移出：近一年严重违法",
  "/removal/onOverdueRectification": "移出：整改逾期",
  "/removal/warningSeverity": "移出：触及围栏的预警等级（及以上）",
  "/coolDownDays": "移出后冷静期（天）",
  "/manualHoldDays": "人工决定后保持期（天）",
};
const FIELDS = [...Object.keys(POLICY_LABEL).map((k) => `/policy${k}`), "/reason", "/expectedVersion"];
const fieldId = (pointer: string) => `f${pointer.replace(/\//g, "-")}`;
export const policyLabel = (pointer: string) => pointerLabel(POLICY_LABEL, pointer);

const PAGE = 50;

export function PolicyEditor({ canEdit }: { canEdit: boolean }) {
  const [current, setCurrent] = useState<Version | undefined>();
  const [draft, setDraft] = useState<Policy | undefined>();
  const [versions, setVersions] = useState<SavedVersion[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<FieldProblem & { text?: string }>({ byField: {}, other: [] });
  const [message, setMessage] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [whatIf, setWhatIf] = useState<Schemas["FencePolicyWhatIf"] | undefined>();

  const load = async () => {
    const [cur, hist] = await Promise.all([
      api.GET("/v1/regulator/sandbox/policy"),
      api.GET("/v1/regulator/sandbox/policy/versions", { params: { query: { limit: PAGE } } }),
    ]);
    if (!cur.data) return setProblem({ byField: {}, other: [], text: problemText(cur.error, cur.response.status) });
    setCurrent(cur.data);
    setDraft(structuredClone(cur.data.policy));
    if (hist.data) {
      setVersions(hist.data.versions.map((v) => ({ ...v, value: v.policy })));
      setOlder(hist.data.nextCursor);
    }
  };
  const loadOlder = async () => {
    if (!older) return;
    const { data } = await api.GET("/v1/regulator/sandbox/policy/versions", { params: { query: { limit: PAGE, cursor: older } } });
    if (!data) return;
    setVersions((prev) => [...prev, ...data.versions.map((v) => ({ ...v, value: v.policy }))]);
    setOlder(data.nextCursor);
  };
  useEffect(() => {
    void load();
  }, []);
  if (!draft || !current) return problem.text ? <p class="error" role="alert">{problem.text}</p> : <p class="muted">加载中…</p>;

  const set = <K extends "admission" | "removal">(part: K, key: keyof Policy[K], value: unknown) =>
    setDraft({ ...draft, [part]: { ...draft[part], [key]: value } });
  const num = (v: string) => (v.trim() === "" ? null : Number(v));
  const errs = (pointer: string) => problem.byField[`/policy${pointer}`];
  const classes = (part: "admission" | "removal", pointer: string) => (
    <Field id={fieldId(pointer)} label={POLICY_LABEL[pointer]!} errors={errs(pointer)} group>
      {(control) => (
        <div class="checks" role="group" aria-labelledby={`${control.id}-label`} {...control}>
          {(["A", "B", "C", "D"] as const).map((c) => (
            <label key={c} class="inline">
              <input
                type="checkbox"
                checked={draft[part].classes.includes(c)}
                disabled={!canEdit}
                onChange={(e) => set(part, "classes", e.currentTarget.checked ? [...draft[part].classes, c].sort() : draft[part].classes.filter((x) => x !== c))}
              />
              {c}
            </label>
          ))}
        </div>
      )}
    </Field>
  );
  const days = (pointer: string, value: number, onChange: (v: number | null) => void) => (
    <Field id={fieldId(pointer)} label={POLICY_LABEL[pointer]!} errors={errs(pointer)}>
      {(control) => <input type="number" step="any" value={String(value ?? "")} disabled={!canEdit} onInput={(e) => onChange(num(e.currentTarget.value))} {...control} />}
    </Field>
  );
  const severity = (pointer: string, value: Policy["admission"]["blockingWarningSeverity"], onChange: (v: string | null) => void) => (
    <Field id={fieldId(pointer)} label={POLICY_LABEL[pointer]!} errors={errs(pointer)}>
      {(control) => (
        <select value={value ?? ""} disabled={!canEdit} onChange={(e) => onChange(e.currentTarget.value || null)} {...control}>
          <option value="">不适用</option>
          {Object.entries(SEVERITY_LABEL).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
        </select>
      )}
    </Field>
  );
  const flag = (pointer: string, value: boolean, onChange: (v: boolean) => void) => (
    <Field id={fieldId(pointer)} label={POLICY_LABEL[pointer]!} errors={errs(pointer)}>
      {(control) => <input type="checkbox" checked={value} disabled={!canEdit} onChange={(e) => onChange(e.currentTarget.checked)} {...control} />}
    </Field>
  );

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage(undefined);
    const { data, error, response } = await api.PUT("/v1/regulator/sandbox/policy", { body: { policy: draft, reason: reason.trim(), expectedVersion: current.version } });
    setBusy(false);
    if (!data) {
      return setProblem(formProblem(error, response.status, FIELDS, "保存失败：请修改标出的项目。"));
    }
    setProblem({ byField: {}, other: [] });
    setReason("");
    setMessage(`已保存为 v${data.version}，自下一次评估起生效。`);
    await load();
  };

  // The draft over the officer's scope, before saving: nothing is written.
  const tryDraft = async () => {
    setBusy(true);
    setMessage(undefined);
    setWhatIf(undefined);
    const { data, error, response } = await api.POST("/v1/regulator/sandbox/policy/what-if", { body: { policy: draft } });
    setBusy(false);
    if (!data) {
      return setProblem(formProblem(error, response.status, FIELDS, "试算失败：请修改标出的项目。"));
    }
    setProblem({ byField: {}, other: [] });
    setWhatIf(data);
  };

  const a = draft.admission;
  const r = draft.removal;
  return (
    <div class="grid split">
      <form class="card editor" onSubmit={save} noValidate data-testid="policy-editor" aria-labelledby="policy-title">
        <h2 id="policy-title">沙盒围栏策略 · 现行 v{current.version}</h2>
        <fieldset>
          <legend>准入</legend>
          {classes("admission", "/admission/classes")}
          {days("/admission/minDaysInClass", a.minDaysInClass, (v) => set("admission", "minDaysInClass", v))}
          {days("/admission/minHistoryDays", a.minHistoryDays, (v) => set("admission", "minHistoryDays", v))}
          {severity("/admission/blockingWarningSeverity", a.blockingWarningSeverity, (v) => set("admission", "blockingWarningSeverity", v))}
          {flag("/admission/requireNoOverdueRectification", a.requireNoOverdueRectification, (v) => set("admission", "requireNoOverdueRectification", v))}
        </fieldset>
        <fieldset>
          <legend>移出</legend>
          {classes("removal", "/removal/classes")}
          {flag("/removal/onSeriousViolation", r.onSeriousViolation, (v) => set("removal", "onSeriousViolation", v))}
          {flag("/removal/onOverdueRectification", r.onOverdueRectification, (v) => set("removal", "onOverdueRectification", v))}
          {severity("/removal/warningSeverity", r.warningSeverity, (v) => set("removal", "warningSeverity", v))}
        </fieldset>
        <fieldset>
          <legend>时限</legend>
          {days("/coolDownDays", draft.coolDownDays, (v) => setDraft({ ...draft, coolDownDays: v as number }))}
          {days("/manualHoldDays", draft.manualHoldDays, (v) => setDraft({ ...draft, manualHoldDays: v as number }))}
        </fieldset>
        {canEdit && (
          <>
            <Field id="policy-reason" label="修改理由（必填，记入审计日志）" errors={problem.byField["/reason"]}>
              {(control) => <textarea rows={2} maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} {...control} />}
            </Field>
            {problem.text && <p class="error" role="alert">{problem.text}{problem.other.length > 0 ? ` ${problem.other.join("；")}` : ""}</p>}
            {message && <p class="info" role="status">{message}</p>}
            <div class="actions">
              <button type="button" class="secondary" onClick={() => (setDraft(structuredClone(current.policy)), setProblem({ byField: {}, other: [] }))}>还原</button>
              <button type="button" class="secondary" disabled={busy} onClick={tryDraft} data-testid="policy-whatif-button">试算（what-if）</button>
              <button type="submit" disabled={busy}>保存新版本</button>
            </div>
          </>
        )}
        {whatIf && <PolicyWhatIfResult result={whatIf} />}
      </form>
      <div>
        <VersionHistory versions={versions} label={(p) => policyLabel(p)} />
        {older && <button type="button" class="secondary" onClick={loadOlder}>更早的版本</button>}
      </div>
    </div>
  );
}
