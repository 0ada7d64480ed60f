// Monitoring rules: the list, and for the chosen rule an editor (admins with a city-wide scope)
// that saves a new version with the version it was edited from. The condition is edited as JSON
// (the rule language of the spec); every validation error the API reports — the schema's and the
// semantic checks' (unknown indicator, window out of range, operator that does not fit) — is
// shown at its field.
import { useEffect, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../../lib/api";
import { formProblem, pointerLabel, type FieldProblem } from "../../lib/fieldErrors";
import { ACTION_LABEL, SEVERITY_LABEL } from "../../lib/labels";
import { go, href } from "../../lib/route";
import { useApi } from "../../lib/useApi";
import { Field } from "./Field";
import { VersionHistory } from "./VersionHistory";
import { RuleWhatIfResult } from "./WhatIf";

type Rule = Schemas["MonitoringRule"];
type Definition = Schemas["MonitoringRuleDefinition"];

const SCOPE_LABEL: Record<string, string> = { all: "全部经营主体", inside: "沙盒内", outside: "沙盒外" };
export const RULE_LABEL: Record<string, string> = {
  "/definition/key": "规则标识",
  "/definition/nameZh": "规则名称",
  "/definition/description": "说明",
  "/definition/severity": "严重程度",
  "/definition/scope": "适用范围",
  "/definition/action": "处置",
  "/definition/windowDays": "去重窗口（天）",
  "/definition/noticeDueDays": "整改期限（天）",
  "/definition/noticeTemplate": "提示模板",
  "/definition/condition": "触发条件（JSON）",
  "/enabled": "启用",
  "/reason": "修改理由",
};
const FIELDS = Object.keys(RULE_LABEL);
const ruleLabel = (pointer: string) => pointerLabel(RULE_LABEL, pointer);

export function Rules({ canEdit, selected }: { canEdit: boolean; selected: string | undefined }) {
  const { data, error, reload } = useApi(() => api.GET("/v1/regulator/rules"), []);
  const rules = data?.rules ?? [];
  return (
    <div class={selected ? "grid split" : ""}>
      <div>
        {error && <p class="error" role="alert">{error}</p>}
        <table data-testid="rules-table">
          <caption class="sr-only">监测规则</caption>
          <thead><tr><th scope="col">规则</th><th scope="col">严重程度</th><th scope="col">处置</th><th scope="col">状态</th><th scope="col">版本</th></tr></thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.ruleId} aria-selected={r.ruleId === selected} data-rule={r.key}>
                <td><a href={href("config", { tab: "rules", rule: r.ruleId })}>{r.definition.nameZh}</a><div class="muted small">{r.key}</div></td>
                <td><span class={`sev s-${r.definition.severity}`}>{SEVERITY_LABEL[r.definition.severity]}</span></td>
                <td>{ACTION_LABEL[r.definition.action] ?? r.definition.action}</td>
                <td>{r.enabled ? "启用" : "停用"}</td>
                <td data-testid="rule-version">v{r.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {selected && <RuleDetail key={selected} ruleId={selected} canEdit={canEdit} onSaved={reload} />}
    </div>
  );
}

function RuleDetail({ ruleId, canEdit, onSaved }: { ruleId: string; canEdit: boolean; onSaved: () => void }) {
  const [rule, setRule] = useState<Rule | undefined>();
  const [draft, setDraft] = useState<Record<string, unknown>>({});
  const [enabled, setEnabled] = useState(true);
  const [condition, setCondition] = useState("");
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<FieldProblem & { text?: string }>({ byField: {}, other: [] });
  const [message, setMessage] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [whatIf, setWhatIf] = useState<Schemas["MonitoringRuleWhatIf"] | undefined>();
  const [whatIfDays, setWhatIfDays] = useState<30 | 90>(30);

  const show = (r: Rule) => {
    setRule(r);
    setDraft({ ...r.definition });
    setEnabled(r.enabled);
    setCondition(JSON.stringify(r.definition.condition, null, 2));
  };
  useEffect(() => {
    void api.GET("/v1/regulator/rules/{ruleId}", { params: { path: { ruleId } } }).then(({ data, error, response }) =>
      data ? show(data) : setProblem({ byField: {}, other: [], text: problemText(error, response.status) }),
    );
  }, [ruleId]);
  if (!rule) return problem.text ? <p class="error" role="alert">{problem.text}</p> : <p class="muted">加载中…</p>;

  const errs = (pointer: string) => problem.byField[pointer];
  const setField = (k: keyof Definition, v: unknown) => setDraft((d) => ({ ...d, [k]: v }));
  const text = (k: keyof Definition, opts: { multiline?: boolean; optional?: boolean } = {}) => (
    <Field id={`rule-${k}`} label={RULE_LABEL[`/definition/${k}`]!} errors={errs(`/definition/${k}`)}>
      {(control) =>
        opts.multiline ? (
          <textarea rows={2} value={String(draft[k] ?? "")} disabled={!canEdit} onInput={(e) => setField(k, e.currentTarget.value === "" && opts.optional ? undefined : e.currentTarget.value)} {...control} />
        ) : (
          <input type="text" value={String(draft[k] ?? "")} disabled={!canEdit} onInput={(e) => setField(k, e.currentTarget.value === "" && opts.optional ? undefined : e.currentTarget.value)} {...control} />
        )
      }
    </Field>
  );
  const number = (k: keyof Definition, optional = false) => (
    <Field id={`rule-${k}`} label={RULE_LABEL[`/definition/${k}`]!} errors={errs(`/definition/${k}`)}>
      {(control) => (
        <input
          type="number"
          value={draft[k] == null ? "" : String(draft[k])}
          disabled={!canEdit}
          onInput={(e) => {
            const v = e.currentTarget.value.trim();
            setField(k, v === "" ? (optional ? undefined : null) : Number(v));
          }}
          {...control}
        />
      )}
    </Field>
  );
  const choice = (k: keyof Definition, labels: Record<string, string>) => (
    <Field id={`rule-${k}`} label={RULE_LABEL[`/definition/${k}`]!} errors={errs(`/definition/${k}`)}>
      {(control) => (
        <select value={String(draft[k] ?? "")} disabled={!canEdit} onChange={(e) => setField(k, e.currentTarget.value)} {...control}>
          {Object.entries(labels).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      )}
    </Field>
  );

  const parsedCondition = (failure: string): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(condition) };
    } catch (err) {
      setProblem({ byField: { "/definition/condition": [`不是有效的 JSON：${(err as Error).message}`] }, other: [], text: failure });
      return { ok: false };
    }
  };

  // The draft replayed over the last 30 or 90 days in the officer's scope, before saving: nothing is written.
  const tryDraft = async () => {
    setMessage(undefined);
    setWhatIf(undefined);
    const c = parsedCondition("试算失败：请修改标出的项目。");
    if (!c.ok) return;
    setBusy(true);
    const { data, error, response } = await api.POST("/v1/regulator/rules/what-if", {
      body: { definition: { ...(draft as Definition), condition: c.value as Definition["condition"] }, days: whatIfDays },
    });
    setBusy(false);
    if (!data) {
      return setProblem(formProblem(error, response.status, FIELDS, "试算失败：请修改标出的项目。"));
    }
    setProblem({ byField: {}, other: [] });
    setWhatIf(data);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setMessage(undefined);
    const c = parsedCondition("保存失败：请修改标出的项目。");
    if (!c.ok) return;
    const parsed = c.value;
    setBusy(true);
    const { data, error, response } = await api.PUT("/v1/regulator/rules/{ruleId}", {
      params: { path: { ruleId } },
      body: { definition: { ...(draft as Definition), condition: parsed as Definition["condition"] }, enabled, expectedVersion: rule.version, ...(reason.trim() ? { reason: reason.trim() } : {}) },
    });
    setBusy(false);
    if (!data) {
      return setProblem(formProblem(error, response.status, FIELDS, "保存失败：请修改标出的项目。"));
    }
    setProblem({ byField: {}, other: [] });
    setReason("");
    show(data);
    setMessage(`已保存为 v${data.version}，自下一次评估起生效。`);
    onSaved();
  };

  const versions = (rule.versions ?? []).map((v) => ({ version: v.version, savedBy: v.savedBy, savedAt: v.savedAt, value: { enabled: v.enabled, definition: v.definition } }));
  return (
    <div>
      <form class="card editor" onSubmit={save} noValidate data-testid="rule-editor" aria-labelledby="rule-title">
        <h2 id="rule-title">{rule.definition.nameZh} · v{rule.version}</h2>
        <p class="muted small">{rule.key}{rule.builtIn ? " · 内置规则" : ""}</p>
        {text("nameZh")}
        {text("description", { multiline: true, optional: true })}
        <div class="grid two">
          {choice("severity", SEVERITY_LABEL)}
          {choice("scope", SCOPE_LABEL)}
          {choice("action", { record: ACTION_LABEL.record!, warn: ACTION_LABEL.warn!, warn_and_notice: ACTION_LABEL.warn_and_notice! })}
          {number("windowDays")}
          {number("noticeDueDays", true)}
          {text("noticeTemplate", { optional: true })}
        </div>
        <Field id="rule-enabled" label="启用" errors={errs("/enabled")}>
          {(control) => <input type="checkbox" checked={enabled} disabled={!canEdit} onChange={(e) => setEnabled(e.currentTarget.checked)} {...control} />}
        </Field>
        <Field id="rule-condition" label={RULE_LABEL["/definition/condition"]!} errors={errs("/definition/condition")} hint="{all:[…]}、{any:[…]}、{not:…} 与比较 {metric, op, value}">
          {(control) => <textarea class="code" rows={10} spellcheck={false} value={condition} disabled={!canEdit} onInput={(e) => setCondition(e.currentTarget.value)} {...control} />}
        </Field>
        {canEdit && (
          <>
            <Field id="rule-reason" label="修改理由（记入审计日志）" errors={errs("/reason")}>
              {(control) => <input type="text" maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} {...control} />}
            </Field>
            {problem.text && <p class="error" role="alert">{problem.text}{problem.other.length > 0 ? ` ${problem.other.join("；")}` : ""}</p>}
            {message && <p class="info" role="status">{message}</p>}
            <div class="actions">
              <button type="button" class="secondary" onClick={() => go("config", { tab: "rules" })}>关闭</button>
              <label class="inline">
                试算范围
                <select value={String(whatIfDays)} onChange={(e) => setWhatIfDays(e.currentTarget.value === "90" ? 90 : 30)} data-testid="rule-whatif-days">
                  <option value="30">近 30 天</option>
                  <option value="90">近 90 天</option>
                </select>
              </label>
              <button type="button" class="secondary" disabled={busy} onClick={tryDraft} data-testid="rule-whatif-button">试算（what-if）</button>
              <button type="submit" disabled={busy}>保存新版本</button>
            </div>
          </>
        )}
        {whatIf && <RuleWhatIfResult result={whatIf} />}
      </form>
      <VersionHistory versions={versions} label={ruleLabel} />
    </div>
  );
}
