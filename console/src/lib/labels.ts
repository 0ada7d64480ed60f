// Chinese labels for the API's codes. Region names are the reference data of GB/T 2260 for
// Chengdu (the same list the gateway keeps in src/regulator/regions.ts).
export const REGIONS: ReadonlyArray<readonly [string, string]> = [
  ["510104", "锦江区"], ["510105", "青羊区"], ["510106", "金牛区"], ["510107", "武侯区"], ["510108", "成华区"],
  ["510112", "龙泉驿区"], ["510113", "青白江区"], ["510114", "新都区"], ["510115", "温江区"], ["510116", "双流区"],
  ["510117", "郫都区"], ["510118", "新津区"], ["510121", "金堂县"], ["510129", "大邑县"], ["510131", "蒲江县"],
  ["510181", "都江堰市"], ["510182", "彭州市"], ["510183", "邛崃市"], ["510184", "崇州市"], ["510185", "简阳市"],
];
const REGION_NAME = new Map<string, string>([["5101", "成都市"], ["510100", "成都市"], ["51", "四川省"], ["", "全国"], ...REGIONS]);

export const regionName = (code: string | null | undefined): string => (code == null ? "—" : REGION_NAME.get(code) ?? code);

/** The districts a scope prefix covers (a district officer: just theirs). */
export const districtsIn = (prefix: string) => REGIONS.filter(([code]) => code.startsWith(prefix) || prefix.startsWith(code));

export const CLASS_LABEL: Record<string, string> = { A: "A 低风险", B: "B 一般风险", C: "C 较高风险", D: "D 高风险", unclassified: "未分类" };
export const CLASS_COLOR: Record<string, string> = { A: "#2e7d32", B: "#1f6fb2", C: "#e08a00", D: "#c62828", unclassified: "#9aa3ad" };

export const SEVERITY_LABEL: Record<string, string> = { low: "低", medium: "中", high: "高", critical: "严重" };
export const WARNING_STATUS_LABEL: Record<string, string> = { open: "未处置", closed: "已关闭", expired: "已过期" };
export const ACTION_LABEL: Record<string, string> = { record: "记录", remind: "提醒", warn: "预警", warn_and_notice: "预警并提示" };
export const CASE_STATUS_LABEL: Record<string, string> = {
  open: "待签收", acknowledged: "已签收", submitted: "已提交整改", accepted: "已通过", rejected: "已驳回", escalated: "已升级",
};
export const SANDBOX_LABEL: Record<string, string> = { inside: "沙盒内", outside: "沙盒外" };
export const CATEGORY_LABEL: Record<string, string> = {
  food: "食品", drugs: "药品", medical_devices: "医疗器械", cosmetics: "化妆品", childrens_goods: "儿童用品", electronics: "电子产品",
  apparel: "服装", household: "家居用品", agricultural: "农产品", services: "服务", other: "其他",
};
export const FENCE_RULE_LABEL: Record<string, string> = {
  "admission.criteria_met": "满足准入条件", "removal.class": "风险类别触及退出", "removal.serious_violation": "严重违法",
  "removal.overdue_rectification": "整改逾期", "removal.warning": "预警触及围栏", "manual.admit": "人工纳入", "manual.remove": "人工移出",
};
export const actorLabel = (actor: string) => (actor === "system" ? "系统" : actor.startsWith("regulator:") ? "监管人员" : actor);
export const ENTITY_TYPE_LABEL: Record<string, string> = { enterprise: "企业", individual: "个体经营者" };
export const OVERRIDE_LABEL: Record<string, string> = {
  serious_violation: "一年内严重违法 → D", licence_revoked: "许可证被吊销 → D", insufficient_data: "数据不足，暂定 B",
};
export const TRIGGER_LABEL: Record<string, string> = { event: "事件触发", run: "全量重评", manual: "人工" };
export const LINK_LABEL: Record<string, string> = { legal_representative: "同一法定代表人", address: "同一地址", phone: "同一电话", investor: "投资人", officer: "高管" };
export const ROLE_LABEL: Record<string, string> = { viewer: "查看员", officer: "执法人员", admin: "管理员" };
export const MATCH_LABEL: Record<string, string> = { uscc: "信用代码", shop: "店铺编号", name: "名称" };

const dateTime = new Intl.DateTimeFormat("zh-CN", { dateStyle: "short", timeStyle: "short", timeZone: "Asia/Shanghai" });
const dateOnly = new Intl.DateTimeFormat("zh-CN", { dateStyle: "medium", timeZone: "Asia/Shanghai" });
export const fmtTime = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : "—");
export const fmtDate = (iso: string | null | undefined) => (iso ? dateOnly.format(new Date(iso)) : "—");
export const fmtPct = (x: number | null | undefined, digits = 1) => (x == null ? "—" : `${(x * 100).toFixed(digits)}%`);
export const fmtNum = (x: number | null | undefined, digits = 2) => (x == null ? "—" : x.toLocaleString("zh-CN", { maximumFractionDigits: digits }));
export const fmtYuan = (cents: number | null | undefined) => (cents == null ? "—" : `${(cents / 100).toLocaleString("zh-CN")} 元`);
