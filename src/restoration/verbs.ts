// Credit restoration verbs. The explanation is read by the entity's merchant (its notice link)
// and by platforms that have shops for it; the merchant (or a platform relaying it) applies with
// evidence, one open application per entity; a regulator inside the region reviews it. Accepting
// re-scores the entity at once (the classify hook evaluates the fence with the new class); the
// entity's platforms hear restoration.updated at each step. Writes are audited in their
// transaction. "Not yours" is 404, as for an entity or application that does not exist.
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import { authorize, merchantNotice, ownPlatform, regulator } from "../auth/authorize.js";
import type { Clock } from "../clock.js";
import { rowsOf, type Database, type Executor } from "../db/client.js";
import { decodeKeyset, encodeTimeIdCursor, ISO_TIME_PATTERN, UUID_PATTERN } from "../db/keyset.js";
import { requestRescore } from "../exchange/rescore-job.js";
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import type { EnqueueMany } from "../jobs/outbox.js";
import { checkEvidenceFiles } from "../notices/evidence-check.js";
import { HISTORY_COLUMNS, scoreFromHistory, type HistoryRow } from "../regulator/entity-profile.js";
import type { ScoreResult } from "../scoring/index.js";
import { gatherFacts, type OverdueRectifications } from "../sandbox/facts.js";
import { currentPolicy } from "../sandbox/policy.js";
import { explainFence } from "./explain.js";
import { insertApplication, openApplicationOf, readApplicationFile, readApplications, toViews, type ApplicationView, type StoredApplicationFile } from "./store.js";

export type Restoration = components["schemas"]["Restoration"];
type Submission = components["schemas"]["EvidenceSubmission"];
type Review = components["schemas"]["RectificationReview"];

export interface RestorationContext {
  db: Database;
  clock: Clock;
  actor: Actor | undefined;
  enqueueMany: EnqueueMany;
  kick: () => void;
  publishToEntityPlatforms: PublishToEntityPlatforms;
  overdueRectifications?: OverdueRectifications | undefined;
}

const noEntity = () => new AppError("NOT_FOUND", "no such entity");
const noApplication = () => new AppError("NOT_FOUND", "no such restoration application");

/** The entity, when the platform has a shop for it (as GET /v1/entities/{id} decides); else 404. */
async function platformEntity(on: Executor, platformId: string, entityId: string): Promise<void> {
  const rows = rowsOf<{ one: number }>(await on.execute(sql`
    select 1 as one from shop where entity_id = ${entityId}::uuid and platform_id = ${platformId}::uuid limit 1`));
  if (rows.length === 0) throw noEntity();
}

/** The explanation of one entity as of now. */
async function restorationOf(ctx: RestorationContext, entityId: string): Promise<Restoration> {
  const { db } = ctx;
  const now = ctx.clock.now();
  const [e] = await db.rows<{ id: string; name: string; risk_class: "A" | "B" | "C" | "D" | null }>(sql`
    select id::text as id, name, risk_class from entity where id = ${entityId}::uuid`);
  if (!e) throw noEntity();
  const [latest] = await db.rows<HistoryRow>(sql`
    select ${HISTORY_COLUMNS}
    from classification where entity_id = ${entityId}::uuid order by computed_at desc, id desc limit 1`);
  const score: ScoreResult | undefined = latest && (await scoreFromHistory(db, latest));
  // The fence's own facts, read by the evaluation's reader; without its lock: this decides nothing.
  const [facts] = await gatherFacts(db.orm, [entityId], now, { overdueRectifications: ctx.overdueRectifications, lock: false });
  if (!facts) throw noEntity();
  const policy = (await currentPolicy(db.orm)).policy;
  return {
    entityId: e.id,
    entityName: e.name,
    riskClass: e.risk_class,
    ...explainFence(policy, facts, score, now),
    openApplication: await openApplicationOf(db.orm, entityId),
  };
}

/** GET /v1/merchant/restoration: the notice link's entity. */
export async function merchantRestoration(ctx: RestorationContext): Promise<Restoration> {
  const me = authorize(ctx.actor, merchantNotice());
  return restorationOf(ctx, me.entityId);
}

/** GET /v1/entities/{id}/restoration: an entity the platform has shops for. */
export async function platformRestoration(ctx: RestorationContext, input: { entityId: string }): Promise<Restoration> {
  const me = authorize(ctx.actor, ownPlatform("entities:read"));
  await platformEntity(ctx.db.orm, me.platformId, input.entityId);
  return restorationOf(ctx, input.entityId);
}

/**
 * An application with evidence: by the merchant link (its own entity) or relayed by a platform
 * (an entity it has shops for). Files are checked before anything is stored; 409 while the
 * entity has an open application.
 */
export async function applyForRestoration(ctx: RestorationContext, input: { entityId?: string; submission: Submission }): Promise<ApplicationView> {
  let entityId: string;
  if (ctx.actor?.kind === "platform") {
    const me = authorize(ctx.actor, ownPlatform("notices:write"));
    if (!input.entityId) throw noEntity();
    await platformEntity(ctx.db.orm, me.platformId, input.entityId);
    entityId = input.entityId;
  } else {
    entityId = authorize(ctx.actor, merchantNotice()).entityId;
  }
  const by = actorLabel(ctx.actor!);
  const { text, links = [], files = [] } = input.submission;
  if (text === undefined && links.length === 0 && files.length === 0) {
    throw new AppError("VALIDATION_FAILED", "apply with at least a text, a link or a file", { errors: [{ pointer: "", message: "no evidence" }] });
  }
  const checked = checkEvidenceFiles(files);
  const now = ctx.clock.now();
  const view = await ctx.db.transaction(async (tx) => {
    const [e] = rowsOf<{ region_code: string; risk_class: string | null }>(
      await tx.execute(sql`select region_code, risk_class from entity where id = ${entityId}::uuid`),
    );
    if (!e) throw noEntity();
    const id = await insertApplication(tx, { entityId, regionCode: e.region_code, appliedBy: by, at: now, text, links, classAtApplication: e.risk_class, files: checked });
    if (id === null) throw new AppError("CONFLICT", "an application for credit restoration is already open for this entity");
    await ctx.publishToEntityPlatforms(tx, [{ entityId, type: "restoration.updated", data: { applicationId: id, status: "open" } }]);
    await appendAudit(tx, ctx.clock, {
      actor: by,
      action: "restoration.apply",
      subjectType: "restoration_application",
      subjectId: id,
      data: { entityId, texts: text === undefined ? 0 : 1, links: links.length, files: checked.map((f) => ({ name: f.name, sha256: f.sha256 })) },
    });
    return (await toViews(tx, await readApplications(tx, sql`a.id = ${id}::uuid`)))[0]!;
  });
  ctx.kick();
  return view;
}


/** The review queue of the caller's region (narrowed by `region`), oldest first. */
export async function listApplications(
  ctx: RestorationContext,
  input: { status?: "open" | "accepted" | "rejected" | undefined; region?: string | undefined; limit?: number | undefined; cursor?: string | undefined },
): Promise<{ applications: ApplicationView[]; nextCursor: string | null }> {
  const scope = authorize(ctx.actor, regulator("viewer", input.region)).scope;
  if (scope === null) return { applications: [], nextCursor: null };
  const limit = input.limit ?? 100;
  const after = input.cursor ? decodeKeyset(input.cursor, [ISO_TIME_PATTERN, UUID_PATTERN]) : null;
  const rows = await readApplications(
    ctx.db.orm,
    sql`starts_with(a.region_code, ${scope})
      ${input.status ? sql`and a.status = ${input.status}` : sql``}
      ${after ? sql`and (a.applied_at, a.id) > (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}`,
    sql`order by a.applied_at, a.id limit ${limit + 1}`,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    applications: await toViews(ctx.db.orm, page),
    nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.applied_at, last.id) : null,
  };
}

/** One application with the entity's current explanation; 404 outside the caller's region. */
export async function getApplication(ctx: RestorationContext, input: { applicationId: string }): Promise<ApplicationView & { restoration: Restoration }> {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const rows = await readApplications(ctx.db.orm, sql`a.id = ${input.applicationId}::uuid and starts_with(a.region_code, ${prefix})`);
  const [view] = await toViews(ctx.db.orm, rows);
  if (!view) throw noApplication();
  return { ...view, restoration: await restorationOf(ctx, view.entityId) };
}

/** The officer's decision on an open application; accepting re-scores the entity at once. */
export async function reviewApplication(ctx: RestorationContext, input: Review & { applicationId: string }): Promise<ApplicationView> {
  const prefix = authorize(ctx.actor, regulator("officer")).regionPrefix;
  const by = actorLabel(ctx.actor!);
  const now = ctx.clock.now();
  const view = await ctx.db.transaction(async (tx) => {
    const [row] = await readApplications(tx, sql`a.id = ${input.applicationId}::uuid and starts_with(a.region_code, ${prefix})`, sql`for update of a`);
    if (!row) throw noApplication();
    if (row.status !== "open") throw new AppError("CONFLICT", `the application is ${row.status}: only an open application can be reviewed`);
    const status = input.decision === "accept" ? "accepted" : "rejected";
    await tx.execute(sql`
      update restoration_application set status = ${status}, reviewed_by = ${by}, reviewed_at = ${now.toISOString()}::timestamptz, review_comment = ${input.comment}
      where id = ${row.id}::uuid`);
    if (status === "accepted") await requestRescore(tx, ctx.enqueueMany, [row.entity_id], now);
    await ctx.publishToEntityPlatforms(tx, [{ entityId: row.entity_id, type: "restoration.updated", data: { applicationId: row.id, status, comment: input.comment } }]);
    await appendAudit(tx, ctx.clock, {
      actor: by,
      action: "restoration.review",
      subjectType: "restoration_application",
      subjectId: row.id,
      data: { decision: input.decision, comment: input.comment, entityId: row.entity_id },
    });
    return (await toViews(tx, await readApplications(tx, sql`a.id = ${row.id}::uuid`)))[0]!;
  });
  ctx.kick();
  return view;
}

/** One evidence file of an application inside the caller's region; 404 otherwise. */
export async function applicationFile(ctx: RestorationContext, input: { applicationId: string; fileId: string }): Promise<StoredApplicationFile> {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const file = await readApplicationFile(ctx.db.orm, { ...input, prefix });
  if (!file) throw new AppError("NOT_FOUND", "no such file in this application");
  return file;
}
