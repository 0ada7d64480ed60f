// The screening catalogue (风险筛查数据项): every data item a regulator can filter on, in three
// families (object / performance / classification tags) over the six layers the city files its
// data in. Each item says where its value comes from: a column of entity, of entity_tag (the
// indicators the latest classification computed, src/db/schema/screening.ts), of
// sandbox_membership, or a cheap indexed per-entity subquery (warnings, rectification cases,
// inspection results). The expressions are fixed code, never built from input: only the values
// a condition compares with are bound parameters (compile.ts).
import { sql, type SQL } from "drizzle-orm";
import { CATEGORIES, CATEGORY_HAZARD, LICENCE_REQUIRED_CATEGORIES } from "../scoring/index.js";

export type ItemFamily = "object" | "performance" | "classification";
export type ItemLayer = "registration" | "licensing" | "disclosure" | "supervision" | "enforcement" | "credit";
export type ItemType = "number" | "enum" | "bool" | "date";

export interface ScreeningItem {
  key: string;
  labelZh: string;
  family: ItemFamily;
  layer: ItemLayer;
  type: ItemType;
  /** The closed set of values of an enum item (district: any 6-digit region code instead). */
  levels?: readonly string[];
  /** Where the value comes from, as documentation (table.column or the subquery's gist). */
  source: string;
  description: string;
  /** The value, over `e` entity, `t` entity_tag, `sm` sandbox_membership; `now` the screening's instant. */
  expr: (now: SQL) => SQL;
  /** For enum items: when the value last changed (enables changed_within_days). */
  changedAt?: SQL;
}

export const LAYER_LABELS: Record<ItemLayer, string> = {
  registration: "登记注册",
  licensing: "审批许可",
  disclosure: "公示信息",
  supervision: "行业及监管标签",
  enforcement: "执法检查",
  credit: "信用评价",
};
export const FAMILY_LABELS: Record<ItemFamily, string> = { object: "对象标签", performance: "表现标签", classification: "分类标签" };

const col = (c: string) => () => sql.raw(c);
const tag = (c: string) => col(`t.${c}`);
const HIGH_HAZARD = CATEGORIES.filter((c) => CATEGORY_HAZARD[c] >= 0.75);
const quoted = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(", ");
const DAY_INTERVAL = (days: number) => (now: SQL) => sql`${now} - interval '${sql.raw(String(days))} days'`;
const within3y = DAY_INTERVAL(1095);

const i = (item: ScreeningItem) => item;

export const SCREENING_ITEMS: readonly ScreeningItem[] = [
  // 登记注册 registration
  i({ key: "entity_type", labelZh: "主体类型", family: "object", layer: "registration", type: "enum", levels: ["enterprise", "individual"],
    source: "entity.entity_type", description: "企业或个体经营者", expr: col("e.entity_type") }),
  i({ key: "category", labelZh: "经营类别", family: "object", layer: "registration", type: "enum", levels: CATEGORIES,
    source: "entity.category", description: "主体登记的经营类别（多个店铺时取危害权重最高者）", expr: col("e.category") }),
  i({ key: "district", labelZh: "所在区县", family: "object", layer: "registration", type: "enum",
    source: "entity.region_code", description: "登记地行政区划代码（6 位，GB/T 2260）", expr: col("e.region_code") }),
  i({ key: "established_on", labelZh: "成立日期", family: "object", layer: "registration", type: "date",
    source: "entity.established_on", description: "登记的成立日期；未登记为空", expr: () => sql`(e.established_on::timestamp at time zone 'UTC')` }),
  i({ key: "entity_age_days", labelZh: "经营时长（天）", family: "object", layer: "registration", type: "number",
    source: "entity_tag.entity_age_days", description: "自成立日期（或最早开店、最早事件）起的天数，取最近一次分类时的值", expr: tag("entity_age_days") }),
  i({ key: "registered_capital_yuan", labelZh: "注册资本（元）", family: "object", layer: "registration", type: "number",
    source: "entity.registered_capital_cents / 100", description: "登记的注册资本", expr: () => sql`(e.registered_capital_cents / 100.0)::float8` }),
  i({ key: "has_uscc", labelZh: "具有统一社会信用代码", family: "object", layer: "registration", type: "bool",
    source: "entity.uscc is not null", description: "以统一社会信用代码登记（个体以身份证号摘要登记者为否）", expr: () => sql`(e.uscc is not null)` }),
  i({ key: "record_changes_365d", labelZh: "近一年登记信息变更次数", family: "performance", layer: "registration", type: "number",
    source: "entity_tag.record_changes_365d", description: "近 365 天店铺名称、地址或区划的变更次数", expr: tag("record_changes_365d") }),
  i({ key: "first_seen_at", labelZh: "首次报送时间", family: "object", layer: "registration", type: "date",
    source: "entity.created_at", description: "平台首次报送该主体的时间", expr: col("e.created_at") }),
  i({ key: "platform_count", labelZh: "经营平台数", family: "object", layer: "registration", type: "number",
    source: "entity_tag.platform_count", description: "主体开店的平台数", expr: tag("platform_count") }),
  i({ key: "region_count", labelZh: "经营区域数", family: "object", layer: "registration", type: "number",
    source: "entity_tag.region_count", description: "店铺所在的不同区县数", expr: tag("region_count") }),
  // 审批许可 licensing
  i({ key: "licence_status", labelZh: "许可证状态", family: "performance", layer: "licensing", type: "enum",
    levels: ["valid", "expiring", "expired", "missing", "revoked", "not_required"],
    source: "entity_tag.licence_status", description: "有效、即将到期（90 天内）、已过期、缺失、被吊销或无需许可", expr: tag("licence_status") }),
  i({ key: "licence_revoked", labelZh: "许可证被吊销", family: "performance", layer: "licensing", type: "bool",
    source: "entity_tag.licence_revoked", description: "任一许可证最近一次许可事件为吊销", expr: tag("licence_revoked") }),
  i({ key: "licence_inconsistencies_365d", labelZh: "近一年许可信息不一致次数", family: "performance", layer: "licensing", type: "number",
    source: "entity_tag.licence_inconsistencies_365d", description: "许可事件与店铺登记的许可证号不符或与登记库不符的次数", expr: tag("licence_inconsistencies_365d") }),
  i({ key: "licence_required", labelZh: "需要许可的类别", family: "object", layer: "licensing", type: "bool",
    source: "entity.category in the licence-required list", description: "食品、药品、医疗器械、化妆品等须持证经营的类别",
    expr: () => sql.raw(`(e.category in (${quoted([...LICENCE_REQUIRED_CATEGORIES])}))`) }),
  // 公示信息 public disclosures
  i({ key: "disclosure_completeness", labelZh: "信息公示完整度", family: "performance", layer: "disclosure", type: "number",
    source: "entity_tag.disclosure_completeness", description: "店铺公示信息的完整比例（0–1）", expr: tag("disclosure_completeness") }),
  i({ key: "gmv_365d_yuan", labelZh: "近一年交易额（元）", family: "object", layer: "disclosure", type: "number",
    source: "entity_tag.gmv_365d_cents / 100", description: "平台报送的近一年成交额；无销售汇总为空", expr: () => sql`(t.gmv_365d_cents / 100.0)` }),
  i({ key: "orders_365d", labelZh: "近一年订单量", family: "object", layer: "disclosure", type: "number",
    source: "entity_tag.orders_365d", description: "平台报送的近一年订单数", expr: tag("orders_365d") }),
  i({ key: "refund_rate_180d", labelZh: "退款率", family: "performance", layer: "disclosure", type: "number",
    source: "entity_tag.refund_rate_180d", description: "近 180 天退款数 / 订单数", expr: tag("refund_rate_180d") }),
  i({ key: "dispute_rate_180d", labelZh: "退款纠纷率（每千单）", family: "performance", layer: "disclosure", type: "number",
    source: "entity_tag.dispute_rate_180d", description: "近 180 天退款纠纷（衰减计数）每千单", expr: tag("dispute_rate_180d") }),
  i({ key: "rating_avg_180d", labelZh: "平均评分", family: "performance", layer: "disclosure", type: "number",
    source: "entity_tag.rating_avg_180d", description: "近 180 天评分均值（1–5）", expr: tag("rating_avg_180d") }),
  i({ key: "complaint_rate_365d", labelZh: "投诉率（每千单）", family: "performance", layer: "disclosure", type: "number",
    source: "entity_tag.complaint_rate_365d", description: "近一年投诉（衰减计数）每千单", expr: tag("complaint_rate_365d") }),
  // 行业及监管标签 industry and supervision tags
  i({ key: "high_hazard_category", labelZh: "高风险行业", family: "object", layer: "supervision", type: "bool",
    source: "entity.category with hazard weight >= 0.75", description: `危害权重较高的类别（${HIGH_HAZARD.join("、")}）`,
    expr: () => sql.raw(`(e.category in (${quoted(HIGH_HAZARD)}))`) }),
  i({ key: "prohibited_in_region", labelZh: "属本区禁止经营类别", family: "performance", layer: "supervision", type: "bool",
    source: "exists prohibited_business_type (category, region prefix)", description: "经营类别在所在区域被列为禁止经营",
    expr: () => sql`exists (select 1 from prohibited_business_type p where p.category = e.category and starts_with(e.region_code, p.region_prefix))` }),
  i({ key: "complaints_90d", labelZh: "近期投诉", family: "performance", layer: "supervision", type: "number",
    source: "entity_tag.complaints_90d", description: "近 90 天投诉（半衰期 30 天的衰减计数）", expr: tag("complaints_90d") }),
  i({ key: "reports_365d", labelZh: "近一年举报", family: "performance", layer: "supervision", type: "number",
    source: "entity_tag.reports_365d", description: "近一年向监管部门的举报（衰减计数）", expr: tag("reports_365d") }),
  i({ key: "open_warnings", labelZh: "未关闭预警数", family: "classification", layer: "supervision", type: "number",
    source: "count(warning) where status = 'open' (index warning_entity)", description: "当前未关闭的预警线索数",
    expr: () => sql`(select count(*) from warning w where w.entity_id = e.id and w.status = 'open')::float8` }),
  i({ key: "last_warning_at", labelZh: "最近预警时间", family: "classification", layer: "supervision", type: "date",
    source: "max(warning.first_hit_at) (index warning_entity)", description: "最近一条预警线索首次命中的时间",
    expr: () => sql`(select max(w.first_hit_at) from warning w where w.entity_id = e.id)` }),
  i({ key: "related_entities", labelZh: "关联主体数", family: "object", layer: "supervision", type: "number",
    source: "entity_tag.related_entities", description: "共享法定代表人、股东、地址或电话的其他主体数", expr: tag("related_entities") }),
  i({ key: "related_worst_class", labelZh: "关联主体最差等级", family: "classification", layer: "supervision", type: "enum",
    levels: ["none", "A", "B", "C", "D"], source: "entity_tag.related_worst_class", description: "关联主体中最差的风险等级", expr: tag("related_worst_class") }),
  i({ key: "related_violators_365d", labelZh: "关联主体违法数", family: "performance", layer: "supervision", type: "number",
    source: "entity_tag.related_violators_365d", description: "近一年有确认违法的关联主体数", expr: tag("related_violators_365d") }),
  i({ key: "same_address_entities", labelZh: "同址经营主体数", family: "object", layer: "supervision", type: "number",
    source: "entity_tag.same_address_entities", description: "登记地址相同的其他主体数", expr: tag("same_address_entities") }),
  // 执法检查 enforcement
  i({ key: "violations_365d", labelZh: "近一年确认违法", family: "performance", layer: "enforcement", type: "number",
    source: "entity_tag.violations_365d", description: "近一年确认违法（半衰期 180 天的衰减计数）", expr: tag("violations_365d") }),
  i({ key: "violations_3y", labelZh: "近三年确认违法次数", family: "performance", layer: "enforcement", type: "number",
    source: "entity_tag.violations_3y", description: "近三年确认违法次数", expr: tag("violations_3y") }),
  i({ key: "serious_violations_365d", labelZh: "近一年严重违法次数", family: "performance", layer: "enforcement", type: "number",
    source: "entity_tag.serious_violations_365d", description: "近一年严重违法次数（大于 0 即列为 D 类）", expr: tag("serious_violations_365d") }),
  i({ key: "penalties_3y", labelZh: "行政处罚", family: "performance", layer: "enforcement", type: "number",
    source: "entity_tag.penalties_3y", description: "近三年行政处罚（半衰期 365 天的衰减计数）", expr: tag("penalties_3y") }),
  i({ key: "takedowns_365d", labelZh: "平台下架处置", family: "performance", layer: "enforcement", type: "number",
    source: "entity_tag.takedowns_365d", description: "近一年平台下架处置（衰减计数）", expr: tag("takedowns_365d") }),
  i({ key: "litigation_365d", labelZh: "近一年涉诉", family: "performance", layer: "enforcement", type: "number",
    source: "entity_tag.litigation_365d", description: "近一年涉诉案件（衰减计数）", expr: tag("litigation_365d") }),
  i({ key: "litigation_defendant_3y", labelZh: "近三年作为被告", family: "performance", layer: "enforcement", type: "number",
    source: "entity_tag.litigation_defendant_3y", description: "近三年作为被告的案件数", expr: tag("litigation_defendant_3y") }),
  i({ key: "rectifications_overdue_365d", labelZh: "整改逾期次数", family: "performance", layer: "enforcement", type: "number",
    source: "entity_tag.rectifications_overdue_365d", description: "近一年逾期未整改被升级的案件数；从未立案为空", expr: tag("rectifications_overdue_365d") }),
  i({ key: "open_rectifications", labelZh: "进行中的整改", family: "performance", layer: "enforcement", type: "number",
    source: "count(rectification_case) not accepted (index rectification_case_entity)", description: "尚未整改完毕（未通过审核）的整改案件数",
    expr: () => sql`(select count(*) from rectification_case r where r.entity_id = e.id and r.status <> 'accepted')::float8` }),
  i({ key: "inspection_violations_3y", labelZh: "近三年抽查发现违法", family: "performance", layer: "enforcement", type: "number",
    source: "count(inspection_result) finding = 'violation' (index inspection_result_entity_time)", description: "双随机抽查结果为违法的次数（近三年）",
    expr: (now) => sql`(select count(*) from inspection_result x where x.entity_id = e.id and x.finding = 'violation' and x.inspected_at >= ${within3y(now)})::float8` }),
  i({ key: "last_inspected_at", labelZh: "最近抽查时间", family: "performance", layer: "enforcement", type: "date",
    source: "max(inspection_result.inspected_at) (index inspection_result_entity_time)", description: "最近一次双随机抽查的时间",
    expr: () => sql`(select max(x.inspected_at) from inspection_result x where x.entity_id = e.id)` }),
  // 信用评价 credit score
  i({ key: "risk_class", labelZh: "风险等级", family: "classification", layer: "credit", type: "enum", levels: ["A", "B", "C", "D"],
    source: "entity.risk_class (changed: entity.class_since)", description: "当前信用风险分类（A 低、B 一般、C 较高、D 高）",
    expr: col("e.risk_class"), changedAt: sql`e.class_since` }),
  i({ key: "probability", labelZh: "违法概率", family: "classification", layer: "credit", type: "number",
    source: "entity.probability", description: "模型估计的违法发生概率（0–1）", expr: col("e.probability") }),
  i({ key: "loss", labelZh: "损失量", family: "classification", layer: "credit", type: "number",
    source: "entity.loss", description: "违法发生时的损失量（0–1，按类别危害、规模与影响范围）", expr: col("e.loss") }),
  i({ key: "expected_loss", labelZh: "预期损失", family: "classification", layer: "credit", type: "number",
    source: "entity.probability * entity.loss", description: "违法概率 × 损失量", expr: () => sql`(e.probability * e.loss)` }),
  i({ key: "class_since", labelZh: "等级变化时间", family: "classification", layer: "credit", type: "date",
    source: "entity.class_since", description: "当前等级开始的时间（用于“近 N 天等级变化”）", expr: col("e.class_since") }),
  i({ key: "class_overridden", labelZh: "规则强制定级", family: "classification", layer: "credit", type: "bool",
    source: "entity.class_override is not null", description: "当前等级由规则强制设定（如严重违法列为 D、数据不足列为 B）",
    expr: () => sql`(e.class_override is not null)` }),
  i({ key: "classified_at", labelZh: "最近分类时间", family: "classification", layer: "credit", type: "date",
    source: "entity.classified_at", description: "最近一次分类的时间", expr: col("e.classified_at") }),
  i({ key: "sandbox_status", labelZh: "沙盒状态", family: "classification", layer: "credit", type: "enum", levels: ["inside", "outside", "never"],
    source: "sandbox_membership.status (changed: sandbox_membership.since)", description: "在沙盒内、已移出或从未入盒",
    expr: () => sql`coalesce(sm.status, 'never')`, changedAt: sql`sm.since` }),
  i({ key: "sandbox_since", labelZh: "沙盒状态变化时间", family: "classification", layer: "credit", type: "date",
    source: "sandbox_membership.since", description: "当前沙盒状态开始的时间", expr: col("sm.since") }),
  i({ key: "sandbox_removed_at", labelZh: "最近移出沙盒时间", family: "classification", layer: "credit", type: "date",
    source: "sandbox_membership.last_removed_at", description: "最近一次被移出沙盒的时间", expr: col("sm.last_removed_at") }),
];

const BY_KEY = new Map(SCREENING_ITEMS.map((x) => [x.key, x]));
export const itemByKey = (key: string): ScreeningItem | undefined => BY_KEY.get(key);

/** The joins every screening reads from: entity `e`, its tags `t` and sandbox membership `sm`. */
export const SCREENING_FROM = sql`entity e left join entity_tag t on t.entity_id = e.id left join sandbox_membership sm on sm.entity_id = e.id`;
