// Reason codes a regulator can read: the largest contributions turned into sentences in
// Chinese and English. The numbers come straight from the score, so the text never claims
// more than the model did ("raises the odds ×2.3" is exp(logLR)).
import { indicatorById } from "./indicators.js";
import { BOUND_INDICATOR, CALIBRATION_INDICATOR } from "./score.js";
import type { Override, ScoreResult } from "./types.js";

export interface Reason {
  indicator: string;
  state: string;
  logLR: number;
  zh: string;
  en: string;
}

const STATE_ZH: Record<string, string> = {
  missing: "缺失",
  other: "其他",
  "any value": "任意值",
  valid: "有效",
  expiring: "即将到期",
  expired: "已过期",
  revoked: "已吊销",
  not_required: "无需许可",
  none: "无",
  enterprise: "企业",
  individual: "个体",
};

const OVERRIDE_TEXT: Record<Override, { zh: string; en: string }> = {
  serious_violation: {
    zh: "近一年存在严重违法行为，按规则直接列为D类（高风险）",
    en: "A serious violation in the last 12 months: class D by rule",
  },
  licence_revoked: { zh: "许可证已被吊销，按规则直接列为D类（高风险）", en: "A licence was revoked: class D by rule" },
  insufficient_data: {
    zh: "经营时间短或数据不足，暂列B类（一般风险）",
    en: "Too little history or data to judge: class B (general) until more is known",
  },
};

function factor(logLR: number): string {
  return Number(Math.exp(logLR).toPrecision(2)).toString();
}

export interface ExplainOptions {
  /** how many contributions to explain */
  top?: number;
  /** "risk": only contributions that raise the odds; "both": the largest by magnitude */
  direction?: "risk" | "both";
  /** ignore terms smaller than this in |logLR| */
  minAbsLogLR?: number;
}

export function explainScore(result: ScoreResult, opts: ExplainOptions = {}): Reason[] {
  const top = opts.top ?? 3;
  const min = opts.minAbsLogLR ?? 0.05;
  const reasons: Reason[] = [];
  if (result.override !== undefined) {
    const t = OVERRIDE_TEXT[result.override];
    reasons.push({ indicator: `override:${result.override}`, state: result.class, logLR: 0, ...t });
  }
  const candidates = result.contributions
    // model-wide terms (clip, calibration intercept) say nothing about this entity
    .filter((c) => c.indicator !== BOUND_INDICATOR && c.indicator !== CALIBRATION_INDICATOR && Math.abs(c.logLR) >= min)
    .filter((c) => opts.direction === "both" || c.logLR > 0)
    .sort((a, b) => Math.abs(b.logLR) - Math.abs(a.logLR) || (a.indicator < b.indicator ? -1 : 1))
    .slice(0, top);
  for (const c of candidates) {
    const def = indicatorById(c.indicator);
    const nameZh = def?.nameZh ?? c.indicator;
    const nameEn = def?.nameEn ?? c.indicator;
    const unit = def && def.unit !== "category" && def.unit !== "flag" && c.state !== "missing" ? ` ${def.unit}` : "";
    const stateZh = STATE_ZH[c.state] ?? c.state;
    const up = c.logLR > 0;
    reasons.push({
      indicator: c.indicator,
      state: c.state,
      logLR: c.logLR,
      zh: `${nameZh}：${stateZh}${unit}（违法几率${up ? "提高" : "降低"}为${factor(c.logLR)}倍）`,
      en: `${nameEn}: ${c.state}${unit} (${up ? "raises" : "lowers"} the odds of a violation ×${factor(c.logLR)})`,
    });
  }
  return reasons;
}
