// What keeps an entity outside the sandbox, in words a merchant can act on. Pure: the score's
// strongest risk contributions (reasons.ts) sorted into what rectifying changes ("actionable"),
// what fades as the events age out of their window ("time") and what is a fact of the business
// ("fixed"); then the fence's own blockers (decide.ts) with the date each time-bound one ends,
// and from them the earliest date the fence could admit the entity if nothing else changes.
import { DAY_MS } from "../db/time.js";
import { explainScore, type ScoreResult } from "../scoring/index.js";
import { admissionBlockers, removalTriggers, type FenceFacts } from "../sandbox/decide.js";
import type { FencePolicy } from "../sandbox/policy.js";

export type ReasonKind = "actionable" | "time" | "fixed";

export interface RestorationReason {
  indicator: string;
  kind: ReasonKind;
  textZh: string;
  adviceZh: string;
  logLR: number;
}

export interface RestorationBlocker {
  rule: string;
  kind: ReasonKind;
  textZh: string;
  adviceZh: string;
  until: string | null;
}

export interface Explanation {
  sandbox: "inside" | "outside";
  summaryZh: string;
  reasons: RestorationReason[];
  blockers: RestorationBlocker[];
  nextEligibleAt: string | null;
  nextEligibleZh: string;
}

const TOP_REASONS = 5;

const fades = (window: string) => ({ kind: "time" as const, adviceZh: `该记录按${window}统计，随时间推移移出统计期后不再计入；期间请避免新的同类问题。` });
const fixed = (why: string) => ({ kind: "fixed" as const, adviceZh: `${why}，无法通过整改改变。` });
const act = (adviceZh: string) => ({ kind: "actionable" as const, adviceZh });

/** Per indicator: can the merchant change it, and how. Unknown indicators count as fixed. */
const GUIDE: Record<string, { kind: ReasonKind; adviceZh: string }> = {
  complaints_90d: act("及时处理消费者投诉、妥善退换货并留存处理记录；投诉减少后评分随之改善。"),
  complaint_rate_365d: act("改进商品和服务质量、及时处理投诉，投诉率下降后评分随之改善。"),
  reports_365d: act("针对被举报的问题完成整改并留存整改材料。"),
  refund_rate_180d: act("排查退款原因（质量、描述不符、发货延迟等）并改进，退款率下降后评分随之改善。"),
  dispute_rate_180d: act("主动与消费者协商处理退款纠纷，减少需平台介入的纠纷。"),
  licence_status: act("办理许可证续期或补办，并在平台更新许可信息。"),
  licence_revoked: act("依法重新取得许可后，在平台更新许可信息。"),
  "override:licence_revoked": act("依法重新取得许可后，在平台更新许可信息，并申请信用修复。"),
  licence_inconsistencies_365d: act("核对并更正在平台登记的许可信息，使其与登记机关的记录一致。"),
  rectifications_overdue_365d: act("尽快完成逾期的整改并提交整改材料，经审核通过后不再视为逾期未改。"),
  disclosure_completeness: act("在平台补全经营者信息公示（营业执照、许可证、联系方式等）。"),
  rating_avg_180d: act("提升商品和服务质量，评分改善后随之改善。"),
  has_uscc: act("办理营业执照取得统一社会信用代码，并在平台更新主体信息。"),
  violations_365d: fades("近一年"),
  serious_violations_365d: fades("近一年"),
  "override:serious_violation": fades("近一年"),
  violations_3y: fades("近三年"),
  penalties_3y: fades("近三年"),
  takedowns_365d: fades("近一年"),
  litigation_365d: fades("近一年"),
  litigation_defendant_3y: fades("近三年"),
  record_changes_365d: fades("近一年"),
  entity_age_days: { kind: "time", adviceZh: "经营时间增加后自然改善。" },
  "override:insufficient_data": { kind: "time", adviceZh: "经营时间增加、经营数据积累后将按模型正常评分。" },
  category: fixed("经营类别本身的风险"),
  entity_type: fixed("主体类型本身的特点"),
  gmv_365d_cents: fixed("经营规模的影响"),
  orders_365d: fixed("经营规模的影响"),
  platform_count: fixed("经营范围的影响"),
  region_count: fixed("经营范围的影响"),
  related_entities: fixed("关联主体的情况"),
  related_worst_class: fixed("关联主体的信用状况"),
  related_violators_365d: fixed("关联主体的违法情况"),
  same_address_entities: fixed("同一地址经营主体的情况"),
};

export function explainReasons(score: ScoreResult | undefined): RestorationReason[] {
  if (!score) return [];
  return explainScore(score, { top: TOP_REASONS, direction: "risk" }).map((r) => ({
    indicator: r.indicator,
    ...(GUIDE[r.indicator] ?? fixed("该因素")),
    textZh: r.zh,
    logLR: r.logLR,
  }));
}

const at = (from: Date | null | undefined, days: number): string | null => (from ? new Date(from.getTime() + days * DAY_MS).toISOString() : null);
const day = (iso: string) => iso.slice(0, 10);

/** The fence's reasons for keeping an outside entity out, each with what ends it. */
function blockersOf(policy: FencePolicy, f: FenceFacts, now: Date): RestorationBlocker[] {
  // A class or warning can both trigger removal and fail admission: it is one blocker, in the
  // admission criterion's words (they name what is required).
  const admission = admissionBlockers(policy, f, now);
  const triggers = removalTriggers(policy, f)
    .map((t) => ({ rule: t.rule.replace("removal.", "blocked."), reasonZh: t.reasonZh }))
    .filter((t) => !admission.some((a) => a.rule === t.rule));
  const admitClasses = policy.admission.classes.join("、");
  return [...triggers, ...admission].map(({ rule, reasonZh }): RestorationBlocker => {
    const b = (kind: ReasonKind, adviceZh: string, until: string | null = null) => ({ rule, kind, textZh: reasonZh, adviceZh, until });
    switch (rule) {
      case "blocked.class":
        return b("actionable", `针对上述可整改的原因完成整改后，可申请信用修复；审核通过后将立即重新评分。分类达到${admitClasses}类并保持${policy.admission.minDaysInClass}天后方可纳入沙盒。`);
      case "blocked.warning":
        return b("actionable", "按行政提示要求完成整改并提交材料，整改审核通过后相关预警即关闭。");
      case "blocked.overdue_rectification":
        return b("actionable", "尽快完成逾期的整改并提交材料，审核通过后不再阻止准入。");
      case "blocked.serious_violation":
        return b("time", "严重违法行为自确认之日起满一年后不再计入。");
      case "blocked.unclassified":
        return b("time", "完成信用风险分类后再行判断。");
      case "blocked.min_days_in_class":
        return b("time", `保持当前分类满${policy.admission.minDaysInClass}天即可。`, at(f.classSince, policy.admission.minDaysInClass));
      case "blocked.min_history":
        return b("time", `经营满${policy.admission.minHistoryDays}天即可。`, at(f.operatingSince, policy.admission.minHistoryDays));
      case "blocked.cool_down":
        return b("time", `移出沙盒满${policy.coolDownDays}天后冷静期结束。`, at(f.membership?.lastRemovedAt, policy.coolDownDays));
      case "blocked.manual_hold":
        return b("time", `监管人员决定满${policy.manualHoldDays}天后恢复自动判断。`, at(f.membership?.since, policy.manualHoldDays));
      case "blocked.hold":
        return b("time", "监管人员设定的保持期结束后恢复自动判断。", f.holdUntil ? f.holdUntil.toISOString() : null);
      default:
        return b("fixed", "");
    }
  });
}

export function explainFence(policy: FencePolicy, facts: FenceFacts, score: ScoreResult | undefined, now: Date): Explanation {
  const reasons = explainReasons(score);
  if (facts.membership?.status === "inside") {
    return { sandbox: "inside", summaryZh: "已纳入信用沙盒。", reasons, blockers: [], nextEligibleAt: null, nextEligibleZh: "已在沙盒内。" };
  }
  const blockers = blockersOf(policy, facts, now);
  if (blockers.length === 0) {
    return {
      sandbox: "outside",
      summaryZh: "目前已满足纳入信用沙盒的全部条件，将在下次评估时纳入。",
      reasons,
      blockers,
      nextEligibleAt: now.toISOString(),
      nextEligibleZh: "下次评估时即可纳入沙盒。",
    };
  }
  const summaryZh = `目前未纳入信用沙盒：${blockers.map((b) => b.textZh).join("；")}。`;
  const waiting = blockers.every((b) => b.kind === "time" && b.until !== null);
  if (waiting) {
    const until = blockers.map((b) => b.until!).sort().at(-1)!;
    return { sandbox: "outside", summaryZh, reasons, blockers, nextEligibleAt: until, nextEligibleZh: `如无新的问题，最早可于${day(until)}纳入沙盒。` };
  }
  const actionable = blockers.some((b) => b.kind === "actionable");
  return {
    sandbox: "outside",
    summaryZh,
    reasons,
    blockers,
    nextEligibleAt: null,
    nextEligibleZh: actionable
      ? `需先完成整改、分类达到${policy.admission.classes.join("、")}类后，方可计算纳入沙盒的日期（分类达标后还需保持${policy.admission.minDaysInClass}天）。`
      : "需待上述情况发生变化后，方可计算纳入沙盒的日期。",
  };
}
