// Issuing a notice, in the caller's transaction: the notice (text rendered from the template
// in force), its rectification case, one delivery per platform with a shop of the entity, the
// "opened" step, notice.issued to each of those platforms (feed + webhook), and the delayed
// jobs that follow it up (delivery check, reminder, escalation). All or nothing.
//
// One notice per warning: a partial unique index on notice.warning_id, and ON CONFLICT DO
// NOTHING, so a retried or duplicated warning.raised job finds the notice already there.
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import type { Clock } from "../clock.js";
import { rowsOf, type Executor } from "../db/client.js";
import type { Publish } from "../exchange/outbound/types.js";
import { AppError } from "../http/errors.js";
import type { EnqueueMany } from "../jobs/index.js";
import { recordStep } from "./cases.js";
import { DELIVERY_CHECK_JOB, ESCALATE_JOB, REMIND_JOB } from "./job-names.js";
import type { MerchantLinkDeps } from "./link.js";
import { noticeIssuedMessages, platformNotices } from "./messages.js";
import type { NoticeOptions } from "./options.js";
import { chineseDate, currentTemplate, DEFAULT_MANUAL_TEMPLATE, DEFAULT_WARNING_TEMPLATE, renderTemplate } from "./templates.js";

export interface IssueDeps {
  clock: Clock;
  publish: Publish;
  enqueueMany: EnqueueMany;
  options: NoticeOptions;
  link: MerchantLinkDeps;
}

export interface IssueInput {
  entityId: string;
  source: "warning" | "manual";
  warningId?: string | null;
  ruleKey?: string | null;
  /** Template key; falls back to the source's default template when absent or unknown for warnings. */
  templateKey?: string | null;
  facts: string;
  /** What to rectify; default: the template's. */
  rectify?: string | null;
  dueAt: Date;
  /** The actor label (system:notices, regulator:<id>). */
  issuedBy: string;
}

export interface Issued {
  noticeId: string;
  caseId: string;
  noticeNo: string;
}

interface EntityRow extends Record<string, unknown> {
  id: string;
  name: string;
  uscc: string | null;
  region_code: string;
}

/** Issues one notice; null when its warning already has one (never two per warning). */
export async function issueNotice(tx: Executor, deps: IssueDeps, input: IssueInput): Promise<Issued | null> {
  const now = deps.clock.now();
  if (input.dueAt.getTime() <= now.getTime()) throw new AppError("VALIDATION_FAILED", "the deadline must be in the future", { errors: [{ pointer: "/dueAt", message: "must be after now" }] });
  const [entity] = rowsOf<EntityRow>(await tx.execute(sql`select id, name, uscc, region_code from entity where id = ${input.entityId}::uuid`));
  if (!entity) throw new AppError("NOT_FOUND", "no such entity");
  const fallback = input.source === "warning" ? DEFAULT_WARNING_TEMPLATE : DEFAULT_MANUAL_TEMPLATE;
  let template = await currentTemplate(tx, input.templateKey ?? fallback);
  if (!template && input.source === "warning") template = await currentTemplate(tx, fallback);
  if (!template) throw new AppError("VALIDATION_FAILED", `no notice template ${input.templateKey ?? fallback}`, { errors: [{ pointer: "/templateKey", message: "unknown template" }] });

  const [{ n }] = rowsOf<{ n: string | number }>(await tx.execute(sql`select nextval('notice_number') as n`)) as [{ n: string | number }];
  const year = chineseDate(now).slice(0, 4);
  const noticeNo = `行提〔${year}〕${entity.region_code}-${String(n).padStart(6, "0")}`;
  const rectify = input.rectify ?? template.rectify;
  const values = {
    noticeNo,
    entityName: entity.name,
    uscc: entity.uscc ?? "（个人卖家）",
    title: template.title,
    facts: input.facts,
    legalBasis: template.legalBasis,
    rectify,
    dueDate: chineseDate(input.dueAt),
    issuedDate: chineseDate(now),
  };
  const noticeId = uuidv7();
  const linkExpiresAt = new Date(input.dueAt.getTime() + deps.options.linkGraceMs);
  const at = now.toISOString();
  const inserted = rowsOf<{ id: string }>(
    await tx.execute(sql`
      insert into notice (id, notice_no, entity_id, warning_id, rule_key, source, region_code, template_key, template_version,
                          title, body, legal_basis, facts, rectify, issued_by, issued_at, due_at, link_expires_at, delivery_status)
      values (${noticeId}::uuid, ${noticeNo}, ${entity.id}::uuid, ${input.warningId ?? null}::uuid, ${input.ruleKey ?? null}, ${input.source},
              ${entity.region_code}, ${template.key}, ${template.version}, ${renderTemplate(template.title, values)},
              ${renderTemplate(template.body, values)}, ${template.legalBasis}, ${input.facts}, ${rectify}, ${input.issuedBy},
              ${at}::timestamptz, ${input.dueAt.toISOString()}::timestamptz, ${linkExpiresAt.toISOString()}::timestamptz, 'pending')
      on conflict (warning_id) where warning_id is not null do nothing
      returning id`),
  );
  if (inserted.length === 0) return null;

  const caseId = uuidv7();
  await tx.execute(sql`
    insert into rectification_case (id, notice_id, entity_id, region_code, rule_key, status, due_at, opened_at, updated_at)
    values (${caseId}::uuid, ${noticeId}::uuid, ${entity.id}::uuid, ${entity.region_code}, ${input.ruleKey ?? null}, 'open',
            ${input.dueAt.toISOString()}::timestamptz, ${at}::timestamptz, ${at}::timestamptz)`);
  const platforms = rowsOf<{ platform_id: string }>(
    await tx.execute(sql`
      insert into notice_delivery (notice_id, platform_id, status, attempts, last_sent_at)
      select distinct ${noticeId}::uuid, s.platform_id, 'pending', 1, ${at}::timestamptz
      from shop s join platform p on p.id = s.platform_id
      where s.entity_id = ${entity.id}::uuid and s.link = 'corroborated' and p.status = 'active'
      returning platform_id`),
  );
  // Nobody to deliver through (no active platform sells for the entity): regulators see it at once.
  if (platforms.length === 0) await tx.execute(sql`update notice set delivery_status = 'undeliverable' where id = ${noticeId}::uuid`);
  await recordStep(tx, caseId, now, { action: "opened", actor: input.issuedBy, detail: { noticeNo, platforms: platforms.length } });

  const notices = await platformNotices(tx, deps.link, platforms.map((p) => ({ noticeId, platformId: p.platform_id })));
  await deps.publish(tx, noticeIssuedMessages(notices));
  const remindAt = new Date(input.dueAt.getTime() - deps.options.reminderBeforeMs);
  await deps.enqueueMany(tx, [
    ...(platforms.length > 0
      ? [{ job: DELIVERY_CHECK_JOB, payload: { noticeId }, runAt: new Date(now.getTime() + deps.options.deliveryRetryMs) }]
      : []),
    // A deadline closer than the reminder period gets no reminder: the notice itself is fresh.
    ...(remindAt.getTime() > now.getTime() ? [{ job: REMIND_JOB, payload: { caseId }, runAt: remindAt }] : []),
    { job: ESCALATE_JOB, payload: { caseId }, runAt: input.dueAt },
  ]);
  return { noticeId, caseId, noticeNo };
}
