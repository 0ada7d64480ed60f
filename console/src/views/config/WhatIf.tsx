// The dry run's answer (试算结果) beside an editor: what a candidate fence policy or monitoring rule
// would do in the officer's scope — counts by district and platform and the first entities —
// before anything is saved. Reads only; the API writes nothing for a what-if.
import type { Schemas } from "../../lib/api";
import { CLASS_LABEL, FENCE_RULE_LABEL, fmtTime, regionName } from "../../lib/labels";

type Tally = Schemas["WhatIfTally"];

export function TallyView({ title, unit, tally, testId }: { title: string; unit: string; tally: Tally; testId: string }) {
  return (
    <section class="whatif-tally" data-testid={testId} aria-label={title}>
      <h4>{title}：<strong data-testid={`${testId}-count`}>{tally.count}</strong> {unit}{tally.count !== tally.entities ? `（${tally.entities} 户）` : ""}</h4>
      {tally.count > 0 && (
        <div class="grid two">
          <table>
            <caption>按区（市、县）</caption>
            <thead><tr><th scope="col">区域</th><th scope="col">数量</th></tr></thead>
            <tbody>{tally.byDistrict.map((d) => <tr key={d.regionCode}><td>{regionName(d.regionCode)}</td><td>{d.count}</td></tr>)}</tbody>
          </table>
          <table>
            <caption>按平台</caption>
            <thead><tr><th scope="col">平台</th><th scope="col">数量</th></tr></thead>
            <tbody>{tally.byPlatform.map((p) => <tr key={p.platformId}><td>{p.platformName}</td><td>{p.count}</td></tr>)}</tbody>
          </table>
        </div>
      )}
      {tally.samples.length > 0 && (
        <table data-testid={`${testId}-samples`}>
          <caption>样例（前 {tally.samples.length} 户）</caption>
          <thead><tr><th scope="col">经营主体</th><th scope="col">区域</th><th scope="col">类别</th><th scope="col">说明</th></tr></thead>
          <tbody>
            {tally.samples.map((x) => (
              <tr key={x.entityId} data-entity={x.entityId}>
                <td><a href={`#/entity/${x.entityId}`}>{x.name || x.entityId}</a></td>
                <td>{regionName(x.regionCode)}</td>
                <td>{x.riskClass ? (CLASS_LABEL[x.riskClass] ?? x.riskClass) : "未分类"}</td>
                <td class="small">
                  {x.reasonZh ?? (x.rule ? (FENCE_RULE_LABEL[x.rule] ?? x.rule) : "")}
                  {x.warnings !== undefined ? `预警 ${x.warnings} 条，首次 ${fmtTime(x.firstAt)}` : ""}
                  {x.notices !== undefined ? `行政提示 ${x.notices} 份` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function PolicyWhatIfResult({ result }: { result: Schemas["FencePolicyWhatIf"] }) {
  return (
    <div class="card whatif" data-testid="policy-whatif" role="status">
      <h3>试算结果（截至 {fmtTime(result.asOf)}，辖区内 {result.evaluated} 户，未保存）</h3>
      <p class="muted small">
        按现行 v{result.policyVersionInForce} 策略，下一次评估将纳入 {result.byPolicyInForce.entering} 户、移出 {result.byPolicyInForce.leaving} 户；以下为按草稿策略的结果。
      </p>
      <TallyView title="将纳入沙盒" unit="户" tally={result.entering} testId="whatif-entering" />
      <TallyView title="将移出沙盒" unit="户" tally={result.leaving} testId="whatif-leaving" />
    </div>
  );
}

export function RuleWhatIfResult({ result }: { result: Schemas["MonitoringRuleWhatIf"] }) {
  return (
    <div class="card whatif" data-testid="rule-whatif" role="status">
      <h3>试算结果（近 {result.days} 天，辖区内 {result.evaluated} 户，未保存）</h3>
      <p class="muted small">每 {result.stepDays} 天评估一次（共 {result.points.length} 个时点），按去重窗口合并同一主体的预警。</p>
      <TallyView title="将产生预警" unit="条" tally={result.warnings} testId="whatif-warnings" />
      {result.action === "warn_and_notice" && <TallyView title="将发出行政提示" unit="份" tally={result.notices} testId="whatif-notices" />}
    </div>
  );
}
