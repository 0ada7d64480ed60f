// The monitoring rules shipped by default, as data. Seeded at start when their key is absent
// (built_in = true); regulators may edit or disable them like any rule. Thresholds are a
// starting point a regulator would recognise, not calibrated figures.
//
// Severity and action follow the sandbox's "inclusive and prudent" line: signals that need
// context (one lawsuit, address clusters, registration churn) are low/medium and warn only;
// harm to consumers in high-hazard categories and trading in a prohibited category are high
// and issue an administrative notice (the notice issue acts on warn_and_notice).
import type { RuleDefinition } from "./rule-language.js";

/** Categories whose harm is highest (CATEGORY_HAZARD >= 0.9): a complaint storm there is severe. */
const HIGH_HAZARD = ["food", "drugs", "medical_devices", "childrens_goods"] as const;

export const BUILT_IN_RULES: readonly RuleDefinition[] = [
  {
    key: "complaints.high_frequency",
    nameZh: "投诉高发",
    description: "10 or more complaints in 30 days, or a complaint rate of 5 or more per 1,000 orders (12 months, decayed) with at least 3 complaints in 30 days.",
    severity: "medium",
    scope: "all",
    action: "warn",
    windowDays: 30,
    condition: {
      any: [
        { metric: { events: { kind: "complaint", days: 30 } }, op: ">=", value: 10 },
        {
          all: [
            { metric: { indicator: "complaint_rate_365d" }, op: ">=", value: 5 },
            { metric: { events: { kind: "complaint", days: 30 } }, op: ">=", value: 3 },
          ],
        },
      ],
    },
  },
  {
    key: "complaints.storm_high_hazard",
    nameZh: "高风险品类集中投诉",
    description: "20 or more complaints in 7 days against a merchant selling food, drugs, medical devices or children's goods: warn and issue an administrative notice.",
    severity: "high",
    scope: "all",
    action: "warn_and_notice",
    noticeTemplate: "warning.complaints",
    windowDays: 30,
    condition: {
      all: [
        { any: HIGH_HAZARD.map((c) => ({ metric: { entity: "category" as const }, op: "==" as const, value: c })) },
        { metric: { events: { kind: "complaint", days: 7 } }, op: ">=", value: 20 },
      ],
    },
  },
  {
    key: "complaints.sudden_growth",
    nameZh: "投诉量异常增长",
    description: "At least 5 complaints in 7 days at 3 times or more the merchant's own daily rate of the 8 weeks before (or with no complaint at all in those 8 weeks).",
    severity: "medium",
    scope: "all",
    action: "warn",
    windowDays: 30,
    condition: {
      all: [
        { metric: { events: { kind: "complaint", days: 7 } }, op: ">=", value: 5 },
        // Growth is null when the baseline is empty, and a comparison with null is false: so
        // "not below 3" holds for an empty baseline as well as for growth of 3 or more.
        { not: { metric: { growth: { kind: "complaint", recentDays: 7, baselineDays: 56 } }, op: "<", value: 3 } },
      ],
    },
  },
  {
    key: "licence.inconsistent_or_expired",
    nameZh: "许可信息与登记不一致或已过期",
    description: "A licence reported in the last 12 months disagrees with the merchant record or the issuing registry, or the licence the category needs has expired or been revoked.",
    severity: "medium",
    scope: "all",
    action: "warn_and_notice",
    noticeTemplate: "warning.licence",
    windowDays: 90,
    condition: {
      any: [
        { metric: { indicator: "licence_inconsistencies_365d" }, op: ">=", value: 1 },
        { metric: { indicator: "licence_status" }, op: "==", value: "expired" },
        { metric: { indicator: "licence_status" }, op: "==", value: "revoked" },
      ],
    },
  },
  {
    key: "region.prohibited_business_type",
    nameZh: "区域禁止经营类别",
    description: "The merchant's category is on the regulator's prohibited list for its region.",
    severity: "high",
    scope: "all",
    action: "warn_and_notice",
    noticeTemplate: "warning.prohibited_type",
    windowDays: 90,
    condition: { metric: { prohibitedType: true }, op: "==", value: true },
  },
  {
    key: "address.abnormal_cluster",
    nameZh: "同一地址经营主体异常聚集",
    description: "Five or more other entities are registered at the same normalised address (possible virtual or borrowed address).",
    severity: "medium",
    scope: "all",
    action: "warn",
    windowDays: 90,
    condition: { metric: { indicator: "same_address_entities" }, op: ">=", value: 5 },
  },
  {
    key: "litigation.defendant",
    nameZh: "涉诉（被告）",
    description: "The merchant was a defendant in a lawsuit reported in the last 12 months.",
    severity: "low",
    scope: "all",
    action: "warn",
    windowDays: 180,
    condition: {
      metric: { events: { kind: "litigation", days: 365, where: { field: "data.role", equals: "defendant" } } },
      op: ">=",
      value: 1,
    },
  },
  {
    key: "registration.abnormal_changes",
    nameZh: "登记信息异常变更",
    description: "Three or more changes of name, address or region on the merchant's shop records in 12 months.",
    severity: "low",
    scope: "all",
    action: "warn",
    windowDays: 90,
    condition: { metric: { indicator: "record_changes_365d" }, op: ">=", value: 3 },
  },
];
