// What a merchant does with a notice — view it, acknowledge it, submit rectification evidence,
// fetch one of its evidence files — either through its merchant link (principal
// {kind:"merchant", noticeId}) or relayed by a platform through its signed API (principal
// {kind:"platform"}). Who may act is checked first, here: the link opens its own notice only; a
// platform only the notices sent to it. Anything else is 404, as if the notice did not exist.
import { sql } from "drizzle-orm";
import { actorLabel, type Actor } from "../auth/actor.js";
import { rowsOf, type Executor, isoTime as iso } from "../db/client.js";
import { authorize, merchantNotice, ownPlatform } from "../auth/authorize.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { applyStep, canApply, lockCase, readCases, toCaseView, type CaseView } from "./cases.js";
import type { NoticesDeps } from "./deps.js";
import { checkEvidenceFiles } from "./evidence-check.js";
import { readEvidenceFile, storeSubmission, type StoredFile } from "./evidence.js";
import { NOTICE_SELECT, type NoticeRow } from "./notice-views.js";
import { EVIDENCE_LIMITS } from "./options.js";
import { evidenceOf, timelineOf } from "./rectification-verbs.js";

export type MerchantNotice = components["schemas"]["MerchantNotice"];
export type EvidenceSubmission = components["schemas"]["EvidenceSubmission"];

type ReadDeps = Pick<NoticesDeps, "db" | "clock">;
type WriteDeps = Pick<NoticesDeps, "db" | "clock" | "publish" | "kick">;

const notFound = () => new AppError("NOT_FOUND", "no such notice");

/**
 * Whether `actor` may see (read) or answer (write) notice `noticeId`: the merchant link of that
 * notice, or a platform the notice was sent to (with entities:read to read, notices:write to
 * answer). 404 for anyone else's notice, 403 for other kinds of caller.
 */
export async function authoriseNoticeActor(on: Executor, actor: Actor | undefined, noticeId: string, access: "read" | "write"): Promise<void> {
  if (actor?.kind === "platform") {
    const me = authorize(actor, ownPlatform(access === "read" ? "entities:read" : "notices:write"));
    const sent = rowsOf<{ one: number }>(
      await on.execute(sql`select 1 as one from notice_delivery where notice_id = ${noticeId}::uuid and platform_id = ${me.platformId}::uuid`),
    );
    if (sent.length === 0) throw notFound();
    return;
  }
  // Another notice's link learns nothing about this one: 404, as for a notice that does not exist.
  if (actor?.kind === "merchant" && actor.noticeId !== noticeId) throw notFound();
  authorize(actor, merchantNotice(noticeId));
}

/** The notice id a merchant principal stands for; others name it explicitly. */
const noticeOf = (actor: Actor | undefined, noticeId?: string): string => {
  const id = noticeId ?? (actor?.kind === "merchant" ? actor.noticeId : undefined);
  if (!id) throw notFound();
  return id;
};

/**
 * Timeline actors as a merchant sees them: a regulator's user id stays inside the gateway (as in
 * rectification.updated), the kind of actor is enough.
 */
const publicActor = (actor: string) => (actor.startsWith("regulator:") ? "regulator" : actor);

/** The notice with its case, evidence (metadata) and timeline, as its merchant sees it. */
export async function merchantNoticeView(deps: ReadDeps, actor: Actor | undefined, noticeId?: string): Promise<MerchantNotice> {
  const id = noticeOf(actor, noticeId);
  const on = deps.db.orm;
  await authoriseNoticeActor(on, actor, id, "read");
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
    case: toCaseView(c, deps.clock.now()),
    evidence: await evidenceOf(on, c.id),
    timeline: (await timelineOf(on, c.id)).map((s) => ({ ...s, actor: publicActor(s.actor) })),
    limits: { maxFiles: EVIDENCE_LIMITS.maxFiles, maxFileBytes: EVIDENCE_LIMITS.maxFileBytes, contentTypes: [...EVIDENCE_LIMITS.contentTypes] },
  };
}

/** The merchant acknowledges the notice; a repeat (or any later status) leaves the case as it is. */
export async function acknowledgeNotice(deps: WriteDeps, input: { noticeId: string; actor: Actor | undefined; note?: string | undefined }): Promise<CaseView> {
  await authoriseNoticeActor(deps.db.orm, input.actor, input.noticeId, "write");
  const actor = actorLabel(input.actor!);
  const { row, moved } = await deps.db.transaction(async (tx) => {
    const locked = await lockCase(tx, { noticeId: input.noticeId });
    if (!locked) throw notFound();
    // Once: a later status (or an earlier acknowledgement) leaves the case as it is.
    if (locked.acknowledged_at !== null || !canApply(locked.status, "acknowledged")) return { row: locked, moved: false };
    return { row: await applyStep(tx, deps, locked, { action: "acknowledged", actor, comment: input.note ?? null }), moved: true };
  });
  if (moved) deps.kick();
  return toCaseView(row, deps.clock.now());
}

/**
 * A submission of evidence: every file is checked (type by its bytes, size) before anything is
 * stored; then, in one transaction, the items (numbered submission n + 1) and the "submitted"
 * step. 409 when the case cannot be submitted now (submitted and awaiting review, or accepted).
 */
export async function submitEvidence(
  deps: WriteDeps,
  input: { noticeId: string; actor: Actor | undefined; submission: EvidenceSubmission },
): Promise<CaseView> {
  await authoriseNoticeActor(deps.db.orm, input.actor, input.noticeId, "write");
  const actor = actorLabel(input.actor!);
  const { text, links = [], files = [] } = input.submission;
  if (text === undefined && links.length === 0 && files.length === 0) {
    throw new AppError("VALIDATION_FAILED", "submit at least a text, a link or a file", { errors: [{ pointer: "", message: "no evidence" }] });
  }
  if (links.length > 10 || links.some((l) => !/^https?:\/\//i.test(l))) {
    throw new AppError("VALIDATION_FAILED", "links must be at most 10 http(s) URLs", { errors: [{ pointer: "/links", message: "at most 10 http(s) URLs" }] });
  }
  const checked = checkEvidenceFiles(files);
  const updated = await deps.db.transaction(async (tx) => {
    const locked = await lockCase(tx, { noticeId: input.noticeId });
    if (!locked) throw notFound();
    if (!canApply(locked.status, "submitted")) {
      throw new AppError("CONFLICT", `the rectification case is ${locked.status}: evidence cannot be submitted now`, { caseStatus: locked.status });
    }
    const submission = Number(locked.submissions) + 1;
    const items = await storeSubmission(tx, { caseId: locked.id, submission, submittedBy: actor, at: deps.clock.now(), text, links, files: checked });
    return applyStep(tx, deps, locked, { action: "submitted", actor, detail: { submission, items: items.length, files: checked.length } });
  });
  deps.kick();
  return toCaseView(updated, deps.clock.now());
}

/** One evidence file of the notice's case, for the merchant (or a platform the notice went to); 404 otherwise. */
export async function noticeEvidenceFile(deps: ReadDeps, input: { noticeId: string; actor: Actor | undefined; evidenceId: string }): Promise<StoredFile> {
  await authoriseNoticeActor(deps.db.orm, input.actor, input.noticeId, "read");
  const [c] = await readCases(deps.db.orm, sql`c.notice_id = ${input.noticeId}::uuid`);
  const file = c ? await readEvidenceFile(deps.db.orm, { caseId: c.id, evidenceId: input.evidenceId }) : null;
  if (!file) throw new AppError("NOT_FOUND", "no such evidence file in this case");
  return file;
}
