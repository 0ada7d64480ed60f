// Notice templates (行政提示模板): versioned text with {{placeholders}}, Chinese by default. A
// notice stores the text rendered at issue time and the template version it came from, so a
// later edit never changes a notice already sent. The built-in templates are seeded when their
// key is absent; regulators may save new versions (admin, audited) like any template.
import { sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { rowsOf, type Executor, isoTime as iso } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";

export type TemplateView = components["schemas"]["NoticeTemplate"];
export type TemplateInput = components["schemas"]["NoticeTemplateInput"];

export const PLACEHOLDERS = ["noticeNo", "entityName", "uscc", "title", "facts", "legalBasis", "rectify", "dueDate", "issuedDate"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const DEFAULT_WARNING_TEMPLATE = "warning.default";
export const DEFAULT_MANUAL_TEMPLATE = "manual.default";

const BODY = `{{noticeNo}}

{{entityName}}（统一社会信用代码：{{uscc}}）：

经网络交易监测发现，你（单位）存在以下情况：
{{facts}}

依据{{legalBasis}}，现对你（单位）予以行政提示。请于{{dueDate}}前完成以下整改，并通过本通知所附链接提交整改情况及相关材料：
{{rectify}}

逾期未整改或整改不到位的，市场监督管理部门将依法加强监管，并可能将你（单位）移出信用监管沙盒、调整信用风险分类。

市场监督管理局
{{issuedDate}}`;

const LEGAL_BASIS_GENERAL = "《中华人民共和国电子商务法》《网络交易监督管理办法》及《企业信用风险分类管理办法》等有关规定";

interface BuiltInTemplate extends Omit<TemplateInput, "expectedVersion"> {
  key: string;
}

export const BUILT_IN_TEMPLATES: readonly BuiltInTemplate[] = [
  {
    key: DEFAULT_WARNING_TEMPLATE,
    title: "行政提示书",
    body: BODY,
    legalBasis: LEGAL_BASIS_GENERAL,
    rectify: "1. 对上述问题进行自查并采取整改措施；\n2. 提交整改说明及证明材料（如处理记录、整改前后对比、相关证照）。",
  },
  {
    key: "warning.complaints",
    title: "关于消费投诉集中问题的行政提示书",
    body: BODY,
    legalBasis: "《中华人民共和国消费者权益保护法》第二十四条、《中华人民共和国电子商务法》第五十九条、《网络交易监督管理办法》第二十七条",
    rectify: "1. 逐一核查并妥善处理上述投诉，依法履行退货、更换、修理、退款等义务；\n2. 排查涉诉商品的质量与安全问题，问题商品立即下架；\n3. 提交投诉处理记录及整改说明。",
  },
  {
    key: "warning.licence",
    title: "关于许可证照信息问题的行政提示书",
    body: BODY,
    legalBasis: "《中华人民共和国电子商务法》第十二条、第十五条，《网络交易监督管理办法》第十二条",
    rectify: "1. 核对并更新在平台公示的营业执照及行政许可信息，确保与登记机关信息一致；\n2. 许可证已过期或被吊销的，立即停止相关经营活动并依法办理；\n3. 提交有效证照的照片或扫描件。",
  },
  {
    key: "warning.prohibited_type",
    title: "关于区域禁止经营类别的行政提示书",
    body: BODY,
    legalBasis: "《中华人民共和国电子商务法》第十三条及本市有关网络经营禁限目录的规定",
    rectify: "1. 立即停止在本区域内经营禁止类别的商品或服务并下架相关商品；\n2. 提交下架记录及整改说明。",
  },
  {
    key: DEFAULT_MANUAL_TEMPLATE,
    title: "行政提示书",
    body: BODY,
    legalBasis: LEGAL_BASIS_GENERAL,
    rectify: "请对上述问题进行自查整改，并提交整改说明及证明材料。",
  },
];

/** Refuses unknown placeholders (a typo would print literally on a legal notice). */
export function checkPlaceholders(text: string, pointer: string): Array<{ pointer: string; message: string }> {
  const problems: Array<{ pointer: string; message: string }> = [];
  for (const m of text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
      problems.push({ pointer, message: `unknown placeholder {{${m[1]}}}: use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(" ")}` });
    }
  }
  return problems;
}

/** Fills the placeholders; values are plain text (HTML escaping is the page's business). */
export function renderTemplate(text: string, values: Record<Placeholder, string>): string {
  return text.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (whole, name: string) => (name in values ? values[name as Placeholder] : whole));
}

/** 2026年11月26日 in China Standard Time (UTC+8, no daylight saving). */
export function chineseDate(d: Date): string {
  const cst = new Date(d.getTime() + 8 * 3_600_000);
  return `${cst.getUTCFullYear()}年${cst.getUTCMonth() + 1}月${cst.getUTCDate()}日`;
}

interface TemplateRow extends Record<string, unknown> {
  key: string;
  version: number;
  title: string;
  body: string;
  legal_basis: string;
  rectify: string;
  saved_by: string;
  saved_at: Date | string;
}

const toView = (r: TemplateRow): TemplateView => ({
  key: r.key,
  version: Number(r.version),
  title: r.title,
  body: r.body,
  legalBasis: r.legal_basis,
  rectify: r.rectify,
  savedBy: r.saved_by,
  savedAt: iso(r.saved_at),
});

/** The version in force of one template, or null. */
export async function currentTemplate(on: Executor, key: string): Promise<TemplateView | null> {
  const rows = rowsOf<TemplateRow>(await on.execute(sql`select * from notice_template where key = ${key} order by version desc limit 1`));
  return rows[0] ? toView(rows[0]) : null;
}

/** The version in force of every template, by key. */
export async function currentTemplates(on: Executor): Promise<TemplateView[]> {
  const rows = rowsOf<TemplateRow>(
    await on.execute(sql`select distinct on (key) * from notice_template order by key, version desc`),
  );
  return rows.map(toView);
}

/**
 * Saves a new version (the caller checks who may and audits). expectedVersion, when given,
 * must be the version in force (0 for a new key): a concurrent edit is 409, not lost.
 */
export async function saveTemplateVersion(tx: Executor, clock: Clock, key: string, input: TemplateInput, savedBy: string): Promise<TemplateView> {
  const problems = [...checkPlaceholders(input.title, "/title"), ...checkPlaceholders(input.body, "/body")];
  if (problems.length > 0) throw new AppError("VALIDATION_FAILED", "the template has unknown placeholders", { errors: problems });
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('notice_template:' || ${key}))`);
  const current = await currentTemplate(tx, key);
  const version = current?.version ?? 0;
  if (input.expectedVersion !== undefined && input.expectedVersion !== version) {
    throw new AppError("CONFLICT", `template ${key} is at version ${version}, not ${input.expectedVersion}`);
  }
  const rows = rowsOf<TemplateRow>(
    await tx.execute(sql`
      insert into notice_template (key, version, title, body, legal_basis, rectify, saved_by, saved_at)
      values (${key}, ${version + 1}, ${input.title}, ${input.body}, ${input.legalBasis}, ${input.rectify}, ${savedBy}, ${clock.now().toISOString()}::timestamptz)
      returning *`),
  );
  return toView(rows[0]!);
}

/** Seeds the built-in templates whose key is absent (a regulator's edits are never overwritten). */
export async function seedBuiltInTemplates(tx: Executor, clock: Clock): Promise<void> {
  const at = clock.now().toISOString();
  const rows = BUILT_IN_TEMPLATES.map((t) => ({ key: t.key, title: t.title, body: t.body, legal_basis: t.legalBasis, rectify: t.rectify }));
  await tx.execute(sql`
    insert into notice_template (key, version, title, body, legal_basis, rectify, saved_by, saved_at)
    select x.key, 1, x.title, x.body, x.legal_basis, x.rectify, 'system:built-in', ${at}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(key text, title text, body text, legal_basis text, rectify text)
    on conflict (key, version) do nothing`);
}
