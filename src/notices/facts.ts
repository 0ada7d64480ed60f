// The facts of a notice issued from a warning, in Chinese, from the warning's evidence: every
// figure that fired the rule, and the newest events behind them. Plain text; the notice keeps it.
import { indicatorById } from "../scoring/indicators.js";
import type { Metric } from "../monitoring/rule-language.js";

const KIND_ZH: Record<string, string> = {
  complaint: "消费投诉",
  report: "举报",
  refund_dispute: "退款纠纷",
  sales_summary: "销售汇总",
  rating: "评价",
  licence: "许可证照报送",
  violation_confirmed: "经查实的违法行为",
  penalty: "行政处罚",
  litigation: "涉诉记录",
  takedown: "商品下架",
};
const ATTRIBUTE_ZH: Record<string, string> = { category: "经营类别", entityType: "主体类型", regionCode: "所在区域", riskClass: "信用风险分类" };

export interface WarningFacts {
  ruleNameZh: string | null;
  ruleKey: string;
  firstHitAt: Date;
  lastHitAt: Date;
  hitCount: number;
  evidence: Record<string, unknown>;
}

const kindZh = (kind: unknown) => KIND_ZH[String(kind)] ?? String(kind);
const day = (iso: string) => iso.slice(0, 10);

function figureText(metric: Metric, value: unknown): string | null {
  if ("events" in metric) return `近${metric.events.days}日${kindZh(metric.events.kind)}${String(value)}次`;
  if ("growth" in metric) {
    const g = metric.growth;
    return value === null
      ? `近${g.recentDays}日出现${kindZh(g.kind)}，此前${g.baselineDays}日无此类记录`
      : `近${g.recentDays}日${kindZh(g.kind)}为此前${g.baselineDays}日日均水平的${Number(value).toFixed(1)}倍`;
  }
  if ("indicator" in metric) {
    const name = indicatorById(metric.indicator)?.nameZh ?? metric.indicator;
    return `${name}：${typeof value === "number" ? Number(value.toFixed(3)) : String(value)}`;
  }
  if ("entity" in metric) return `${ATTRIBUTE_ZH[metric.entity] ?? metric.entity}：${String(value)}`;
  if ("prohibitedType" in metric) return value === true ? "经营类别属于所在区域禁止网络经营的类别" : null;
  return null;
}

export function factsFromWarning(w: WarningFacts): string {
  const lines: string[] = [];
  const rule = w.ruleNameZh ?? w.ruleKey;
  lines.push(`经监测，你（单位）触发「${rule}」预警（首次 ${day(w.firstHitAt.toISOString())}，最近 ${day(w.lastHitAt.toISOString())}，共 ${w.hitCount} 次）。`);
  const figures = Array.isArray(w.evidence.figures) ? (w.evidence.figures as Array<{ metric: Metric; value: unknown; events?: Array<{ platformEventId: string; kind: string; occurredAt: string }> }>) : [];
  let n = 1;
  for (const f of figures) {
    const text = f.metric ? figureText(f.metric, f.value) : null;
    if (!text) continue;
    lines.push(`${n++}. ${text}；`);
    const events = (f.events ?? []).slice(0, 5);
    if (events.length > 0) {
      lines.push(`   其中：${events.map((e) => `${day(e.occurredAt)} ${kindZh(e.kind)}（编号 ${e.platformEventId}）`).join("、")}${(f.events?.length ?? 0) > 5 ? " 等" : ""}。`);
    }
  }
  return lines.join("\n");
}
