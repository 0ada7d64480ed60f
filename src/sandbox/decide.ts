// decideFence: the sandbox fence for one entity, as a pure function of the policy, the facts and
// the time. No I/O; evaluate.ts gathers the facts for thousands of entities and applies the
// decisions set-based.
//
// Order of reasoning:
// 1. Removal triggers (serious violation, removal class, overdue rectification, fence-rule
//    breach by a warning). Inside: the first one moves the entity out — unless an officer decided
//    within the manual hold, which only class D or a serious violation overrides. Outside: any
//    trigger blocks admission (so no policy can admit what it would remove at once).
// 2. Outside and no trigger: admission needs every criterion — an admission class held long
//    enough, enough history, no blocking warning or overdue rectification — and neither the
//    cool-down after a removal nor a manual hold running.
// 3. Otherwise nothing changes: in the band between the two class sets the current state holds
//    (hysteresis).
import type { Severity } from "../db/schema/monitoring.js";
import type { CreditClass } from "../scoring/index.js";
import { severityAtLeast, type FencePolicy } from "./policy.js";

export { DAY_MS } from "../db/time.js";
import { DAY_MS } from "../db/time.js";

export interface Membership {
  status: "inside" | "outside";
  /** When the current status began. */
  since: Date;
  lastRemovedAt: Date | null;
  /** "system" or "regulator:<userId>" (a manual decision). */
  lastActor: string;
}

export interface FenceFacts {
  riskClass: CreditClass | null;
  /** When the current class began (entity.class_since). */
  classSince: Date | null;
  /**
   * Where the entity's business history starts (entity.operating_since: its establishment date,
   * else the earliest shop opening or event held); null: unknown, which is not enough history.
   */
  operatingSince: Date | null;
  /** The highest severity among the entity's open warnings. */
  maxOpenWarningSeverity: Severity | null;
  overdueRectifications: number;
  seriousViolations365d: number;
  /** null: never admitted (outside). */
  membership: Membership | null;
  /** The end of an officer's hold (sandbox_hold): until then the entity stays where it is. */
  holdUntil?: Date | null;
}

export type FenceAction = "admit" | "remove" | "none";

export type RemovalRule = "removal.serious_violation" | "removal.class" | "removal.overdue_rectification" | "removal.warning";
export type BlockRule =
  | "blocked.serious_violation" | "blocked.class" | "blocked.overdue_rectification" | "blocked.warning"
  | "blocked.unclassified" | "blocked.min_days_in_class" | "blocked.min_history" | "blocked.cool_down" | "blocked.manual_hold" | "blocked.hold";
export type FenceRule = RemovalRule | BlockRule | "admission.criteria_met" | "stay.inside" | "hold.manual" | "hold.officer";

export interface FenceDecision {
  action: FenceAction;
  rule: FenceRule;
  reasonZh: string;
  evidence: Record<string, unknown>;
}

export interface RemovalTrigger {
  rule: RemovalRule;
  reasonZh: string;
  /** Class D and serious violations override an officer's hold. */
  overridesManualHold: boolean;
}

const SEVERITY_ZH: Record<Severity, string> = { low: "低", medium: "中", high: "高", critical: "严重" };
const days = (from: Date, to: Date) => (to.getTime() - from.getTime()) / DAY_MS;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Every removal trigger that holds, most serious first. */
export function removalTriggers(policy: FencePolicy, f: FenceFacts): RemovalTrigger[] {
  const out: RemovalTrigger[] = [];
  const r = policy.removal;
  if (r.onSeriousViolation && f.seriousViolations365d > 0) {
    out.push({ rule: "removal.serious_violation", reasonZh: `近一年内有${f.seriousViolations365d}次严重违法行为被确认`, overridesManualHold: true });
  }
  if (f.riskClass !== null && r.classes.includes(f.riskClass)) {
    out.push({ rule: "removal.class", reasonZh: `信用风险分类为${f.riskClass}类`, overridesManualHold: f.riskClass === "D" });
  }
  if (r.onOverdueRectification && f.overdueRectifications > 0) {
    out.push({ rule: "removal.overdue_rectification", reasonZh: `有${f.overdueRectifications}项整改逾期未完成`, overridesManualHold: false });
  }
  if (r.warningSeverity !== null && severityAtLeast(f.maxOpenWarningSeverity, r.warningSeverity)) {
    out.push({ rule: "removal.warning", reasonZh: `有${SEVERITY_ZH[f.maxOpenWarningSeverity!]}等级的未结预警，触及围栏规则`, overridesManualHold: false });
  }
  return out;
}

/** The admission criteria an outside entity fails (empty: all met), in a fixed order. */
export function admissionBlockers(policy: FencePolicy, f: FenceFacts, now: Date): Array<{ rule: BlockRule; reasonZh: string }> {
  const a = policy.admission;
  const out: Array<{ rule: BlockRule; reasonZh: string }> = [];
  if (f.riskClass === null) out.push({ rule: "blocked.unclassified", reasonZh: "尚未完成信用风险分类" });
  else if (!a.classes.includes(f.riskClass)) out.push({ rule: "blocked.class", reasonZh: `信用风险分类为${f.riskClass}类，不在准入类别（${a.classes.join("、")}）内` });
  else if (days(f.classSince ?? now, now) < a.minDaysInClass) {
    out.push({ rule: "blocked.min_days_in_class", reasonZh: `保持${f.riskClass}类未满${a.minDaysInClass}天` });
  }
  if (f.operatingSince === null) out.push({ rule: "blocked.min_history", reasonZh: "经营时长未知（无成立日期或经营记录）" });
  else if (days(f.operatingSince, now) < a.minHistoryDays) out.push({ rule: "blocked.min_history", reasonZh: `经营时长未满${a.minHistoryDays}天` });
  if (a.blockingWarningSeverity !== null && severityAtLeast(f.maxOpenWarningSeverity, a.blockingWarningSeverity)) {
    out.push({ rule: "blocked.warning", reasonZh: `有${SEVERITY_ZH[f.maxOpenWarningSeverity!]}等级的未结预警` });
  }
  if (a.requireNoOverdueRectification && f.overdueRectifications > 0) out.push({ rule: "blocked.overdue_rectification", reasonZh: "有逾期未完成的整改" });
  const m = f.membership;
  if (m?.lastRemovedAt && days(m.lastRemovedAt, now) < policy.coolDownDays) {
    out.push({ rule: "blocked.cool_down", reasonZh: `移出沙盒后${policy.coolDownDays}天冷静期未满` });
  }
  if (m && manualHoldRunning(policy, m, now)) out.push({ rule: "blocked.manual_hold", reasonZh: `监管人员人工决定后${policy.manualHoldDays}天内不自动调整` });
  if (holdRunning(f, now)) out.push({ rule: "blocked.hold", reasonZh: `监管人员决定保持现状至${f.holdUntil!.toISOString().slice(0, 10)}` });
  return out;
}

/** An officer's hold that has not ended yet. */
export const holdRunning = (f: Pick<FenceFacts, "holdUntil">, now: Date): boolean => f.holdUntil != null && f.holdUntil.getTime() > now.getTime();

export function manualHoldRunning(policy: FencePolicy, m: Membership, now: Date): boolean {
  return m.lastActor.startsWith("regulator:") && days(m.since, now) < policy.manualHoldDays;
}

/** The facts as recorded with a decision (JSON; dates as ISO strings, durations in days). */
export function factsEvidence(f: FenceFacts, now: Date): Record<string, unknown> {
  return {
    riskClass: f.riskClass,
    classSince: f.classSince?.toISOString() ?? null,
    daysInClass: f.classSince ? round2(days(f.classSince, now)) : null,
    historyDays: f.operatingSince ? round2(days(f.operatingSince, now)) : null,
    maxOpenWarningSeverity: f.maxOpenWarningSeverity,
    overdueRectifications: f.overdueRectifications,
    seriousViolations365d: f.seriousViolations365d,
    membership: f.membership?.status ?? "none",
    lastRemovedAt: f.membership?.lastRemovedAt?.toISOString() ?? null,
    lastActor: f.membership?.lastActor ?? null,
    ...(f.holdUntil ? { holdUntil: f.holdUntil.toISOString() } : {}),
  };
}

export function decideFence(policy: FencePolicy, f: FenceFacts, now: Date): FenceDecision {
  const evidence = factsEvidence(f, now);
  const triggers = removalTriggers(policy, f);
  const inside = f.membership?.status === "inside";
  if (inside) {
    if (triggers.length === 0) return { action: "none", rule: "stay.inside", reasonZh: "未触及退出条件，保持在沙盒内", evidence };
    const officerHold = holdRunning(f, now);
    const held = officerHold || manualHoldRunning(policy, f.membership!, now);
    const trigger = held ? triggers.find((t) => t.overridesManualHold) : triggers[0];
    const all = triggers.map((t) => t.rule);
    if (!trigger) {
      return officerHold
        ? { action: "none", rule: "hold.officer", reasonZh: `监管人员决定保持现状至${f.holdUntil!.toISOString().slice(0, 10)}，不自动移出`, evidence: { ...evidence, triggers: all } }
        : { action: "none", rule: "hold.manual", reasonZh: `监管人员人工决定后${policy.manualHoldDays}天内不自动移出`, evidence: { ...evidence, triggers: all } };
    }
    return { action: "remove", rule: trigger.rule, reasonZh: `${trigger.reasonZh}，移出沙盒`, evidence: { ...evidence, triggers: all } };
  }
  if (triggers.length > 0) {
    const t = triggers[0]!;
    return { action: "none", rule: t.rule.replace("removal.", "blocked.") as BlockRule, reasonZh: `${t.reasonZh}，不予准入`, evidence: { ...evidence, triggers: triggers.map((x) => x.rule) } };
  }
  const blockers = admissionBlockers(policy, f, now);
  if (blockers.length > 0) {
    return { action: "none", rule: blockers[0]!.rule, reasonZh: `${blockers.map((b) => b.reasonZh).join("；")}，暂不准入`, evidence: { ...evidence, blockers: blockers.map((b) => b.rule) } };
  }
  const a = policy.admission;
  return {
    action: "admit",
    rule: "admission.criteria_met",
    reasonZh: `信用风险分类为${f.riskClass}类已满${a.minDaysInClass}天，经营时长满${a.minHistoryDays}天，无阻止准入的预警或逾期整改，纳入沙盒`,
    evidence,
  };
}
