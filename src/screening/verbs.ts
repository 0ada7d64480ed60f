// Regulator verbs of the screening tool (风险筛查): the catalogue, ad-hoc count and run, saved
// screenings (owned by whoever saved them, audited) and their streamed CSV export (audited:
// it hands entity data out of the gateway). Every verb authorises first; the grant's region
// prefix is AND-ed into every statement, so nothing outside the caller's scope ever matches.
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import { authorize, regulator } from "../auth/authorize.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { decodeKeyset, encodeTimeIdCursor, ISO_TIME_PATTERN, UUID_PATTERN } from "../db/keyset.js";
import { savedScreening } from "../db/schema/screening.js";
import { AppError } from "../http/errors.js";
import { FAMILY_LABELS, LAYER_LABELS, SCREENING_ITEMS } from "./catalogue.js";
import { validConditions, type Condition } from "./conditions.js";
import { countScreening, screeningPage, tagColumns, walkScreening, type ScreeningPage, type ScreeningRow } from "./query.js";

export interface ScreeningContext {
  db: Database;
  clock: Clock;
  actor: Actor;
}

export function listScreeningItems(ctx: Pick<ScreeningContext, "actor">) {
  authorize(ctx.actor, regulator("viewer"));
  return {
    layers: Object.entries(LAYER_LABELS).map(([key, labelZh]) => ({ key, labelZh })),
    families: Object.entries(FAMILY_LABELS).map(([key, labelZh]) => ({ key, labelZh })),
    items: SCREENING_ITEMS.map((x) => ({
      key: x.key, labelZh: x.labelZh, family: x.family, layer: x.layer, type: x.type,
      ...(x.levels ? { levels: [...x.levels] } : {}),
      changeTracked: x.type === "date" || x.changedAt !== undefined,
      source: x.source, description: x.description,
    })),
  };
}

/** The scope to filter on, or null when the region asked for lies outside the caller's. */
function scopeOf(actor: Actor, region: string | undefined): string | null {
  return authorize(actor, regulator("viewer", region)).scope;
}

export async function countScreeningVerb(ctx: ScreeningContext, input: { conditions: unknown; region?: string | undefined }): Promise<{ count: number }> {
  const scope = scopeOf(ctx.actor, input.region);
  const conditions = validConditions(input.conditions);
  if (scope === null) return { count: 0 };
  return { count: await countScreening(ctx.db, { scope, conditions, now: ctx.clock.now() }) };
}

export async function runScreeningVerb(
  ctx: ScreeningContext,
  input: { conditions: unknown; region?: string | undefined; limit?: number | undefined; cursor?: string | undefined },
): Promise<ScreeningPage> {
  const scope = scopeOf(ctx.actor, input.region);
  const conditions = validConditions(input.conditions);
  if (scope === null) return { rows: [], columns: [], nextCursor: null };
  return screeningPage(ctx.db, { scope, conditions, now: ctx.clock.now() }, input.cursor, input.limit ?? 50);
}

type SavedRow = typeof savedScreening.$inferSelect;

export interface SavedScreeningView {
  screeningId: string;
  name: string;
  description: string | null;
  conditions: Condition;
  regionPrefix: string;
  owner: string;
  lastRunAt: string | null;
  lastCount: number | null;
  createdAt: string;
}

const view = (r: SavedRow): SavedScreeningView => ({
  screeningId: r.id,
  name: r.name,
  description: r.description,
  conditions: r.conditions as Condition,
  regionPrefix: r.regionPrefix,
  owner: r.owner,
  lastRunAt: r.lastRunAt?.toISOString() ?? null,
  lastCount: r.lastCount,
  createdAt: r.createdAt.toISOString(),
});

export async function createSavedScreening(
  ctx: ScreeningContext,
  input: { name: string; description?: string | undefined; conditions: unknown; region?: string | undefined },
): Promise<SavedScreeningView> {
  const scope = scopeOf(ctx.actor, input.region);
  if (scope === null) throw new AppError("FORBIDDEN", "the region lies outside your scope");
  const conditions = validConditions(input.conditions);
  const owner = actorLabel(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(savedScreening)
      .values({ name: input.name, description: input.description ?? null, conditions, owner, regionPrefix: scope, createdAt: now, updatedAt: now })
      .returning();
    await appendAudit(tx, ctx.clock, {
      actor: owner, action: "screening.save", subjectType: "saved_screening", subjectId: row!.id,
      data: { name: input.name, regionPrefix: scope, conditions },
    });
    return view(row!);
  });
}

/**
 * The caller's own saved screening (operators may read any). Another regulator's is 404, and so
 * is one saved under a wider scope than the caller now holds.
 */
export async function ownedScreening(ctx: ScreeningContext, screeningId: string): Promise<SavedRow> {
  const grant = authorize(ctx.actor, regulator("viewer"));
  const [row] = await ctx.db.orm.select().from(savedScreening).where(eq(savedScreening.id, screeningId));
  const mine = row && (grant.regulator === undefined || (row.owner === actorLabel(ctx.actor) && row.regionPrefix.startsWith(grant.regionPrefix)));
  if (!row || !mine) throw new AppError("NOT_FOUND", "no such saved screening");
  return row;
}

export async function listSavedScreenings(ctx: ScreeningContext, input: { limit?: number | undefined; cursor?: string | undefined }) {
  const grant = authorize(ctx.actor, regulator("viewer"));
  const limit = input.limit ?? 50;
  const owner = actorLabel(ctx.actor);
  const after = input.cursor === undefined ? undefined : decodeKeyset(input.cursor, [ISO_TIME_PATTERN, UUID_PATTERN]);
  const rows = await ctx.db.orm
    .select()
    .from(savedScreening)
    .where(
      and(
        grant.regulator === undefined ? undefined : eq(savedScreening.owner, owner),
        after === undefined
          ? undefined
          : or(lt(savedScreening.createdAt, new Date(after[0]!)), and(eq(savedScreening.createdAt, new Date(after[0]!)), lt(savedScreening.id, after[1]!))),
      ),
    )
    .orderBy(desc(savedScreening.createdAt), desc(savedScreening.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { screenings: page.map(view), nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.createdAt, last.id) : null };
}

export async function getSavedScreening(ctx: ScreeningContext, input: { screeningId: string }): Promise<SavedScreeningView> {
  return view(await ownedScreening(ctx, input.screeningId));
}

/** Re-runs a saved screening inside its saved scope: the count and the first (or next) page. */
export async function runSavedScreening(ctx: ScreeningContext, input: { screeningId: string; limit?: number | undefined; cursor?: string | undefined }) {
  const row = await ownedScreening(ctx, input.screeningId);
  const s = { scope: row.regionPrefix, conditions: validConditions(row.conditions), now: ctx.clock.now() };
  const count = await countScreening(ctx.db, s);
  const page = await screeningPage(ctx.db, s, input.cursor, input.limit ?? 50);
  if (input.cursor === undefined) {
    // A re-run (its first page) is recorded on the screening and in the audit log; further pages are reads.
    await ctx.db.transaction(async (tx) => {
      await tx.update(savedScreening).set({ lastRunAt: s.now, lastCount: count }).where(eq(savedScreening.id, row.id));
      await appendAudit(tx, ctx.clock, {
        actor: actorLabel(ctx.actor), action: "screening.run", subjectType: "saved_screening", subjectId: row.id, data: { count, at: s.now.toISOString() },
      });
    });
  }
  return { screening: view({ ...row, lastRunAt: input.cursor === undefined ? s.now : row.lastRunAt, lastCount: input.cursor === undefined ? count : row.lastCount }), count, ...page };
}

const BASE_COLUMNS = ["主体ID", "名称", "统一社会信用代码", "区划代码", "经营类别", "主体类型", "风险等级", "沙盒状态"] as const;
/** A text cell Excel would read as a formula is quoted with a leading apostrophe. */
const cellText = (s: string | null): string | null => (s !== null && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : typeof v === "string" ? (cellText(v) ?? "") : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (cells: readonly unknown[]) => cells.map(csvCell).join(",") + "\r\n";

/**
 * The saved screening as CSV, streamed: UTF-8 with a BOM (Excel opens it as UTF-8), a header of
 * Chinese labels, then keyset chunks of rows — never the whole result in memory. Authorisation,
 * the lookup and the audit row happen before the first byte; the body is the returned iterable.
 */
export async function exportSavedScreening(ctx: ScreeningContext, input: { screeningId: string }): Promise<{ filename: string; lines: AsyncIterable<string> }> {
  const row = await ownedScreening(ctx, input.screeningId);
  const conditions = validConditions(row.conditions);
  const s = { scope: row.regionPrefix, conditions, now: ctx.clock.now() };
  const keys = tagColumns(conditions);
  await ctx.db.transaction(async (tx) => {
    await appendAudit(tx, ctx.clock, {
      actor: actorLabel(ctx.actor), action: "screening.export", subjectType: "saved_screening", subjectId: row.id,
      data: { regionPrefix: row.regionPrefix, at: s.now.toISOString() },
    });
  });
  const header = [...BASE_COLUMNS, ...keys.map((k) => SCREENING_ITEMS.find((x) => x.key === k)!.labelZh)];
  const db = ctx.db;
  async function* lines(): AsyncGenerator<string> {
    yield "\uFEFF" + csvLine(header);
    for await (const chunk of walkScreening(db, s)) {
      yield chunk.map((r: ScreeningRow) => csvLine([r.entityId, r.name, r.uscc, r.regionCode, r.category, r.entityType, r.riskClass, r.sandboxStatus, ...keys.map((k) => r.tags[k])])).join("");
    }
  }
  return { filename: `screening-${row.id}.csv`, lines: lines() };
}
