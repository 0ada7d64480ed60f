// The merchant link's HTML page (GET /m, the token in the fragment #t=...): one page a merchant
// can read on a phone, in Chinese. The page itself is the same for every notice — the server
// never sees the token; its script (GET /m/assets/notice.js, page-script.ts) reads the token
// from the fragment and loads the notice's content (GET /v1/merchant/notice/html, rendered here:
// the notice, the rectification status, the timeline and the evidence, with an acknowledge
// button and an evidence form). Everything that comes from the database is escaped; the CSP
// allows the gateway's own script file only (no inline script) and the page's style by nonce;
// no referrer is ever sent and nothing is cached.
import type { components } from "../generated/openapi.js";
import type { RectificationStatus } from "../db/schema/notices.js";
import { canApply } from "./cases.js";

type MerchantNotice = components["schemas"]["MerchantNotice"];
type Step = components["schemas"]["RectificationStep"];
type EvidenceItem = components["schemas"]["EvidenceItem"];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}

/** Escaped text with its line breaks kept. */
const multiline = (s: string) => escapeHtml(s).replace(/\r?\n/g, "<br>");

/** A time as shown to the merchant: China Standard Time (UTC+8), e.g. 2026年6月15日 16:00. */
export function chineseTime(isoTime: string): string {
  const t = new Date(new Date(isoTime).getTime() + 8 * 3_600_000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}`;
}

export const STATUS_TEXT: Record<RectificationStatus, string> = {
  open: "待确认收悉",
  acknowledged: "已确认收悉，待提交整改材料",
  submitted: "整改材料已提交，等待审核",
  accepted: "整改已通过审核",
  rejected: "整改未通过审核，请补充后重新提交",
  escalated: "逾期未完成整改，已移交处理",
};

const ACTION_TEXT: Record<Step["action"], string> = {
  opened: "发出行政提示",
  delivered: "平台已送达",
  read: "商户已阅读",
  undeliverable: "平台未能送达",
  acknowledged: "确认收悉",
  submitted: "提交整改材料",
  accepted: "审核通过",
  rejected: "审核未通过",
  reminded: "整改期限提醒",
  escalated: "逾期移交处理",
};

const ACTOR_TEXT: Record<string, string> = { merchant: "商户", platform: "平台", regulator: "监管部门", system: "系统" };

/** The page's security headers (also on the old-link page). */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'; script-src 'self'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
  };
}

const STYLE = `
body{margin:0;font:16px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#222;background:#f4f5f7}
main{max-width:720px;margin:0 auto;padding:12px}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0}
h1{font-size:20px;margin:4px 0}h2{font-size:17px;margin:4px 0 8px}
.no{color:#666;font-size:14px}.meta{color:#444;font-size:14px}
.status{display:inline-block;padding:2px 8px;border-radius:4px;background:#e8f0fe;color:#1a4fb5;font-weight:600}
.status.bad{background:#fdecea;color:#b3261e}.status.good{background:#e6f4ea;color:#1e7b34}
.overdue{color:#b3261e;font-weight:600}.text{word-break:break-word}
ol,ul{padding-left:20px;margin:4px 0}li{margin:4px 0}
textarea,input[type=file]{width:100%;box-sizing:border-box;margin:4px 0 10px;font:inherit}
textarea{min-height:90px;padding:6px}
button{font:inherit;padding:8px 16px;border:0;border-radius:6px;background:#1a4fb5;color:#fff}
button[disabled]{opacity:.5}button.link{background:none;color:#1a4fb5;padding:0 4px;text-decoration:underline}
.msg{margin-top:6px}.msg.err{color:#b3261e}.msg.ok{color:#1e7b34}.hint{color:#666;font-size:13px}
`;

/** Headers of the notice's HTML content (fetched by the page's script, never a page itself). */
export const contentHeaders: Record<string, string> = {
  "Content-Type": "text/html; charset=utf-8",
  "Content-Security-Policy": "default-src 'none'; sandbox",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
};

/** The script's own headers: the same file for every notice, so it may be cached briefly. */
export const scriptHeaders: Record<string, string> = {
  "Content-Type": "text/javascript; charset=utf-8",
  "Cache-Control": "public, max-age=300",
  "X-Content-Type-Options": "nosniff",
};

function htmlDocument(title: string, nonce: string, main: string, withScript: boolean): string {
  // The script's address is relative to the page (/m), so a gateway behind a path prefix works.
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex,nofollow"><link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main id="notice">${main}</main>${withScript ? `<script src="m/assets/notice.js" defer></script>` : ""}</body></html>`;
}

/** The merchant page: the same for every notice; its script loads the notice the fragment's token opens. */
export function renderMerchantPage(nonce: string): string {
  return htmlDocument(
    "行政提示",
    nonce,
    `<section><p>正在打开行政提示……</p><noscript><p>请在浏览器中启用 JavaScript 后查看此行政提示。</p></noscript></section>`,
    true,
  );
}

/** The answer to a link in the old form (the token in the path, status 410): the token is not used. */
export function renderPathLinkPage(nonce: string): string {
  return htmlDocument(
    "链接已停用",
    nonce,
    `<section><h1>链接已停用</h1><p>此种形式的行政提示链接已停止使用。请在您所在的电商平台重新打开该行政提示以获取新的链接，或直接联系发出提示的市场监督管理部门。</p></section>`,
    false,
  );
}

const actorText = (actor: string) => ACTOR_TEXT[actor.split(":")[0] ?? ""] ?? "系统";

function timeline(steps: readonly Step[]): string {
  const items = steps.map(
    (s) =>
      `<li><span class="meta">${escapeHtml(chineseTime(s.at))}</span> ${escapeHtml(ACTION_TEXT[s.action] ?? s.action)}（${escapeHtml(actorText(s.actor))}）` +
      (s.comment ? `<div class="text">${multiline(s.comment)}</div>` : "") +
      `</li>`,
  );
  return `<section><h2>办理记录</h2><ol>${items.join("")}</ol></section>`;
}

function evidenceItem(e: EvidenceItem): string {
  if (e.kind === "text") return `<li class="text">${multiline(e.text ?? "")}</li>`;
  if (e.kind === "link") {
    const url = e.url ?? "";
    // Links were checked to be http(s) on submission; anything else is shown, not linked.
    return /^https?:\/\//i.test(url)
      ? `<li class="text"><a href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank">${escapeHtml(url)}</a></li>`
      : `<li class="text">${escapeHtml(url)}</li>`;
  }
  const kb = Math.max(1, Math.round((e.sizeBytes ?? 0) / 1024));
  return `<li class="text">${escapeHtml(e.fileName ?? "")}（${kb} KB）<button type="button" class="link" data-evidence="${escapeHtml(e.evidenceId)}" data-name="${escapeHtml(e.fileName ?? "")}">下载</button></li>`;
}

function evidence(items: readonly EvidenceItem[]): string {
  if (items.length === 0) return `<section><h2>已提交的整改材料</h2><p class="hint">尚未提交。</p></section>`;
  const bySubmission = new Map<number, EvidenceItem[]>();
  for (const e of items) bySubmission.set(e.submission, [...(bySubmission.get(e.submission) ?? []), e]);
  const groups = [...bySubmission].map(
    ([n, list]) => `<h3 class="meta">第 ${n} 次提交 · ${escapeHtml(chineseTime(list[0]!.submittedAt))}</h3><ul>${list.map(evidenceItem).join("")}</ul>`,
  );
  return `<section><h2>已提交的整改材料</h2>${groups.join("")}</section>`;
}

function actions(view: MerchantNotice): string {
  const status = view.case.status;
  const ack =
    status === "open"
      ? `<section><h2>确认收悉</h2><p>请阅读上述提示内容后确认收悉。</p><button type="button" id="ack">我已阅读并确认收悉</button><div id="ack-msg" class="msg" role="status"></div></section>`
      : "";
  if (!canApply(status, "submitted")) {
    const why = status === "accepted" ? "整改已通过审核，无需再提交材料。" : "整改材料已提交，请等待监管部门审核；审核未通过时可重新提交。";
    return `${ack}<section><h2>提交整改材料</h2><p class="hint">${why}</p></section>`;
  }
  const { maxFiles, maxFileBytes, contentTypes } = view.limits;
  return `${ack}<section><h2>${status === "rejected" ? "重新提交整改材料" : "提交整改材料"}</h2>
<form id="evidence" data-max-files="${maxFiles}" data-max-bytes="${maxFileBytes}" data-types="${escapeHtml(contentTypes.join(","))}">
<label for="text">整改说明</label><textarea id="text" name="text" maxlength="10000" placeholder="请说明已采取的整改措施"></textarea>
<label for="links">相关链接（每行一个，可选）</label><textarea id="links" name="links" placeholder="https://"></textarea>
<label for="files">证明文件（可选）</label><input id="files" name="files" type="file" multiple accept=".jpg,.jpeg,.png,.webp,.pdf,${escapeHtml(contentTypes.join(","))}">
<p class="hint">每次最多 ${maxFiles} 个文件，每个不超过 ${Math.floor(maxFileBytes / 1048576)} MB，仅限 JPG、PNG、WEBP 图片或 PDF。</p>
<button type="submit">提交</button><div id="evidence-msg" class="msg" role="status"></div></form></section>`;
}

/** The notice's content for a valid link (the page's script puts it into the page). */
export function renderNoticeContent(view: MerchantNotice, restoration?: Restoration | null): string {
  const c = view.case;
  const tone = c.status === "accepted" ? " good" : c.status === "rejected" || c.status === "escalated" ? " bad" : "";
  const main = `<section><div class="no">${escapeHtml(view.noticeNo)}</div><h1>${escapeHtml(view.title)}</h1>
<div class="meta">${escapeHtml(view.entityName)}</div>
<div class="meta">发出时间：${escapeHtml(chineseTime(view.issuedAt))}</div>
<div class="meta">整改期限：${escapeHtml(chineseTime(view.dueAt))}${c.overdue ? ` <span class="overdue">已超过整改期限</span>` : ""}</div>
<p>整改状态：<span class="status${tone}">${escapeHtml(STATUS_TEXT[c.status])}</span></p>
${(c.status === "rejected" || c.status === "accepted") && c.lastComment ? `<p>审核意见：</p><div class="text">${multiline(c.lastComment)}</div>` : ""}</section>
<section><h2>提示内容</h2><div class="text">${multiline(view.body)}</div></section>
${actions(view)}
${evidence(view.evidence)}
${timeline(view.timeline)}
${restoration ? restorationSection(restoration, view.limits) : ""}`;
  return main;
}

type Restoration = components["schemas"]["Restoration"];
const KIND_TEXT: Record<Restoration["reasons"][number]["kind"], string> = { actionable: "可整改", time: "随时间改善", fixed: "无法通过整改改变" };

/**
 * The credit restoration section (信用修复): what keeps the entity outside the sandbox, what it
 * can do, when it could next be admitted, and the application form (or the open application).
 */
export function restorationSection(r: Restoration, limits: MerchantNotice["limits"]): string {
  const item = (x: { kind: keyof typeof KIND_TEXT; textZh: string; adviceZh: string }) =>
    `<li><span class="status${x.kind === "actionable" ? "" : " good"}">${KIND_TEXT[x.kind]}</span> ${escapeHtml(x.textZh)}${x.adviceZh ? `<div class="hint">${escapeHtml(x.adviceZh)}</div>` : ""}</li>`;
  const reasons = r.reasons.length ? `<h3 class="meta">信用风险的主要原因</h3><ul>${r.reasons.map(item).join("")}</ul>` : "";
  const blockers = r.blockers.length ? `<h3 class="meta">未纳入沙盒的原因</h3><ul>${r.blockers.map(item).join("")}</ul>` : "";
  const head = `<section><h2>信用修复</h2><p>${escapeHtml(r.summaryZh)}</p>${reasons}${blockers}<p>${escapeHtml(r.nextEligibleZh)}</p></section>`;
  if (r.sandbox === "inside") return head;
  const open = r.openApplication;
  if (open) {
    return `${head}<section><h2>信用修复申请</h2><p>已于 ${escapeHtml(chineseTime(open.appliedAt))} 提交申请，等待监管部门审核。</p></section>`;
  }
  const { maxFiles, maxFileBytes, contentTypes } = limits;
  return `${head}<section><h2>申请信用修复</h2><p class="hint">完成整改后，可提交说明和证明材料申请信用修复；审核通过后将立即重新评分。</p>
<form id="restoration" data-max-files="${maxFiles}" data-max-bytes="${maxFileBytes}" data-types="${escapeHtml(contentTypes.join(","))}">
<label for="r-text">整改情况说明</label><textarea id="r-text" name="text" maxlength="10000" placeholder="请说明已完成的整改"></textarea>
<label for="r-links">相关链接（每行一个，可选）</label><textarea id="r-links" name="links" placeholder="https://"></textarea>
<label for="r-files">证明文件（可选）</label><input id="r-files" name="files" type="file" multiple accept=".jpg,.jpeg,.png,.webp,.pdf,${escapeHtml(contentTypes.join(","))}">
<button type="submit">提交申请</button><div id="restoration-msg" class="msg" role="status"></div></form></section>`;
}
