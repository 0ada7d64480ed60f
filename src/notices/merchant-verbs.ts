// What a merchant does with a notice — view it, acknowledge it, submit rectification evidence,
// fetch one of its evidence files — either through its merchant link (principal
// {kind:"merchant", noticeId, platformId}) or relayed by a platform through its signed API
// (principal {kind:"platform"}). The link opens its own notice only; a platform only the
// notices sent to it. Anything else is 404, as if the notice did not exist.
//
// Every step records who relayed it: a platform's own API call is the platform's step; a step
// through a merchant link is the merchant's, with the platform the link was issued to (and the
// link's id) in the step's detail. The merchant's own view shows kinds of actor only, never a
// platform's id or shop id: a link issued to one platform reveals nothing of another.
import { sql } from "drizzle-orm";
import { actorLabel, type Actor } from "../auth/actor.js";
import { authorize, merchantNotice, ownPlatform, type MerchantGrant, type PlatformGrant } from "../auth/authorize.js";
import { rowsOf, type Executor, isoTime as iso } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { applyStep, canApply, lockCase, readCases, toCaseView, type CaseView } from "./cases.js";
import type { NoticeContext } from "./deps.js";
import { checkEvidenceFiles } from "./evidence-check.js";
import { readEvidenceFile, storeSubmission, type StoredFile } from "./evidence.js";
import { NOTICE_SELECT, type NoticeRow } from "./notice-views.js";
import { EVIDENCE_LIMITS } from "./options.js";
import { evidenceOf, timelineOf } from "./rectification-verbs.js";

export type MerchantNotice = components["schemas"]["MerchantNotice"];
export type EvidenceSubmission = components["schemas"]["EvidenceSubmission"];

type WriteContext = NoticeContext<"publish" | "kick">;

const notFound = () => new AppError("NOT_FOUND", "no such notice");

/**
 * Who may read (entities:read) or answer (notices:write) a notice: a platform, or the merchant
 * link. The requirement for the caller's kind; anyone else is refused by authorize().
 */
const noticeParty = (actor: Actor, access: "read" | "write") =>
  actor.kind === "platform" ? ownPlatform(access === "read" ? "entities:read" : "notices:write") : merchantNotice();

/**
 * The notice the granted caller acts on: a merchant link's own notice (another notice's id is
 * 404: the link learns nothing about it), or one sent to the platform.
 */
async function noticeFor(on: Executor, grant: MerchantGrant | PlatformGrant, noticeId: string | undefined): Promise<string> {
  if (grant.kind === "merchant") {
    if (noticeId !== undefined && noticeId !== grant.noticeId) throw notFound();
    return grant.noticeId;
  }
  if (noticeId === undefined) throw notFound();
  const sent = rowsOf<{ one: number }>(
    await on.execute(sql`select 1 as one from notice_delivery where notice_id = ${noticeId}::uuid and platform_id = ${grant.platformId}::uuid`),
  );
  if (sent.length === 0) throw notFound();
  return noticeId;
}

/** A step's actor, and for a merchant link the platform that relayed it. */
function stepActor(actor: Actor, grant: MerchantGrant | PlatformGrant): { actor: string; relay: Record<string, string> } {
  return { actor: actorLabel(actor), relay: grant.kind === "merchant" ? { relayedBy: `platform:${grant.viaPlatformId}`, linkId: grant.linkId } : {} };
}

/** Timeline details a merchant may see: the numbers of its own submissions and the deadline. */
const MERCHANT_DETAIL_KEYS = ["submission", "items", "files", "dueAt", "from"] as const;
const merchantDetail = (detail: Record<string, unknown> | undefined) =>
  Object.fromEntries(MERCHANT_DETAIL_KEYS.filter((k) => detail?.[k] !== undefined).map((k) => [k, detail![k]]));
/** The kind of actor only (merchant, platform, regulator, system): no platform or user id. */
const actorKind = (actor: string) => actor.split(":")[0] ?? "system";

/** The notice with its case, evidence (metadata) and timeline, as its merchant sees it. */
export async function merchantNoticeView(ctx: NoticeContext, input: { noticeId?: string | undefined } = {}): Promise<MerchantNotice> {
  const grant = authorize(ctx.actor, noticeParty(ctx.actor, "read"));
  const on = ctx.db.orm;
  const id = await noticeFor(on, grant, input.noticeId);
  const [n] = rowsOf<NoticeRow>(await on.execute(sql`${NOTICE_SELECT} where n.id = ${id}::uuid`));
  const [c] = await readCases(on, sql`c.notice_id = ${id}::uuid`);
  if (!n || !c) throw notFound();
  return {
    noticeId: n.id,
    noticeNo: n.notice_no,
    entityName: n.entity_name,
    title: n.title,
    body: n.body,
    legalBasis: n.legal_basis,
    facts: n.facts,
    rectify: n.rectify,
    issuedAt: iso(n.issued_at),
    dueAt: iso(n.due_at),
    case: toCaseView(c, ctx.clock.now()),
    evidence: (await evidenceOf(on, c.id)).map((e) => ({ ...e, submittedBy: actorKind(e.submittedBy) })),
    timeline: (await timelineOf(on, c.id)).map((s) => ({ ...s, actor: actorKind(s.actor), detail: merchantDetail(s.detail) })),
    limits: { maxFiles: EVIDENCE_LIMITS.maxFiles, maxFileBytes: EVIDENCE_LIMITS.maxFileBytes, contentTypes: [...EVIDENCE_LIMITS.contentTypes] },
  };
}

/** The merchant acknowledges the notice; a repeat (or any later status) leaves the case as it is. */
export async function acknowledgeNotice(ctx: WriteContext, input: { noticeId?: string | undefined; note?: string | undefined }): Promise<CaseView> {
  const grant = authorize(ctx.actor, noticeParty(ctx.actor, "write"));
  const noticeId = await noticeFor(ctx.db.orm, grant, input.noticeId);
  const { actor, relay } = stepActor(ctx.actor, grant);
  const { row, moved } = await ctx.db.transaction(async (tx) => {
    const locked = await lockCase(tx, { noticeId });
    if (!locked) throw notFound();
    // Once: a later status (or an earlier acknowledgement) leaves the case as it is.
    if (locked.acknowledged_at !== null || !canApply(locked.status, "acknowledged")) return { row: locked, moved: false };
    return { row: await applyStep(tx, ctx, locked, { action: "acknowledged", actor, comment: input.note ?? null, detail: relay }), moved: true };
  });
  if (moved) ctx.kick();
  return toCaseView(row, ctx.clock.now());
}

/**
 * A submission of evidence: every file is checked (type by its bytes, size) before anything is
 * stored; then, in one transaction, the items (numbered submission n + 1) and the "submitted"
 * step. 409 when the case cannot be submitted now (submitted and awaiting review, or accepted).
 */
export async function submitEvidence(ctx: WriteContext, input: { noticeId?: string | undefined; submission: EvidenceSubmission }): Promise<CaseView> {
  const grant = authorize(ctx.actor, noticeParty(ctx.actor, "write"));
  const noticeId = await noticeFor(ctx.db.orm, grant, input.noticeId);
  const { actor, relay } = stepActor(ctx.actor, grant);
  const { text, links = [], files = [] } = input.submission;
  if (text === undefined && links.length === 0 && files.length === 0) {
    throw new AppError("VALIDATION_FAILED", "submit at least a text, a link or a file", { errors: [{ pointer: "", message: "no evidence" }] });
  }
  if (links.length > 10 || links.some((l) => !/^https?:\/\//i.test(l))) {
    throw new AppError("VALIDATION_FAILED", "links must be at most 10 http(s) URLs", { errors: [{ pointer: "/links", message: "at most 10 http(s) URLs" }] });
  }
  const checked = checkEvidenceFiles(files);
  const updated = await ctx.db.transaction(async (tx) => {
    const locked = await lockCase(tx, { noticeId });
    if (!locked) throw notFound();
    if (!canApply(locked.status, "submitted")) {
      throw new AppError("CONFLICT", `the rectification case is ${locked.status}: evidence cannot be submitted now`, { caseStatus: locked.status });
    }
    const submission = Number(locked.submissions) + 1;
    const items = await storeSubmission(tx, { caseId: locked.id, submission, submittedBy: actor, at: ctx.clock.now(), text, links, files: checked });
    return applyStep(tx, ctx, locked, { action: "submitted", actor, detail: { submission, items: items.length, files: checked.length, ...relay } });
  });
  ctx.kick();
  return toCaseView(updated, ctx.clock.now());
}

/** One evidence file of the notice's case, for the merchant (or a platform the notice went to); 404 otherwise. */
export async function noticeEvidenceFile(ctx: NoticeContext, input: { noticeId?: string | undefined; evidenceId: string }): Promise<StoredFile> {
  const grant = authorize(ctx.actor, noticeParty(ctx.actor, "read"));
  const noticeId = await noticeFor(ctx.db.orm, grant, input.noticeId);
  const [c] = await readCases(ctx.db.orm, sql`c.notice_id = ${noticeId}::uuid`);
  const file = c ? await readEvidenceFile(ctx.db.orm, { caseId: c.id, evidenceId: input.evidenceId }) : null;
  if (!file) throw new AppError("NOT_FOUND", "no such evidence file in this case");
  return file;
}
