// loadRelations: investors, officers and legal representatives an operator knows from outside
// the platforms (e.g. the enterprise registry), loaded into party_relation (source 'cli').
// Operators and regulator admins only. In one transaction: the rows, the links they make
// (refreshLinks), a rescore for every entity whose relationship indicators may change (the
// loaded ones and everything linked to them), and the audit row last.
import { authorize, cityWide } from "../auth/authorize.js";
import { sql } from "drizzle-orm";
import { actorLabel, type VerbContext } from "../auth/actor.js";
import { appendAudit } from "../audit/index.js";
import { rowsOf } from "../db/client.js";
import { requestRescore, rescoreJob } from "../exchange/rescore-job.js";
import { AppError } from "../http/errors.js";
import { createEnqueueMany, JobRegistry } from "../jobs/index.js";
import { isValidUscc } from "../scoring/uscc.js";
import { refreshLinks, relatedEntityIds } from "./relationships.js";

export const RELATION_ROLES = ["investor", "officer", "legal_representative"] as const;
export type RelationRole = (typeof RELATION_ROLES)[number];
/** Rows per load: one request must fit the admin socket's 1 MB body; split larger files. */
export const MAX_RELATION_ROWS = 5_000;

export interface RelationRow {
  entityUscc: string;
  role: RelationRole;
  partyKind: "uscc" | "person";
  partyKey: string;
}

export interface LoadRelationsResult {
  rows: number;
  loaded: number;
  alreadyLoaded: number;
  /** Entity USCCs the gateway does not know (nothing loaded for them). */
  unknownEntities: string[];
  /** Entities whose rescore was requested. */
  rescoresRequested: number;
}

const HASH = /^[0-9a-f]{64}$/;

/** Checks one row as it arrives (CLI file or admin socket); returns an error message or null. */
export function relationRowError(r: Partial<RelationRow> | null | undefined): string | null {
  if (!r || typeof r.entityUscc !== "string" || !isValidUscc(r.entityUscc)) return "entity_uscc is not a valid USCC";
  if (!RELATION_ROLES.includes(r.role as RelationRole)) return `role must be ${RELATION_ROLES.join(", ")}`;
  if (r.partyKind === "uscc" && typeof r.partyKey === "string" && isValidUscc(r.partyKey)) return null;
  if (r.partyKind === "person" && typeof r.partyKey === "string" && HASH.test(r.partyKey)) return null;
  return "the party must be a valid USCC or an ID-number hash (64 lower-case hex characters)";
}

// The rescore job's enqueue side (exchange/rescore-job.ts) on a registry of its own: this verb
// also runs in the CLI process, which has no job runner; the outbox row is picked up by the gateway.
const enqueueRegistry = () => new JobRegistry().define(rescoreJob());

export async function loadRelations(ctx: VerbContext, given: readonly RelationRow[]): Promise<LoadRelationsResult> {
  authorize(ctx.actor, cityWide("admin"));
  if (given.length > MAX_RELATION_ROWS) throw new AppError("VALIDATION_FAILED", `at most ${MAX_RELATION_ROWS} rows per load; split the file`);
  given.forEach((r, i) => {
    const error = relationRowError(r);
    if (error) throw new AppError("VALIDATION_FAILED", `row ${i + 1}: ${error}`);
  });
  // A row repeated in the file counts once.
  const rows = [...new Map(given.map((r) => [`${r.entityUscc}|${r.role}|${r.partyKind}|${r.partyKey}`, r])).values()];
  const now = ctx.clock.now();
  const at = now.toISOString();
  const data = JSON.stringify(rows.map((r) => ({ u: r.entityUscc, role: r.role, kind: r.partyKind, key: r.partyKey })));
  return ctx.db.transaction(async (tx) => {
    const found = rowsOf<{ id: string; uscc: string }>(
      await tx.execute(sql`select id, uscc from entity where uscc in (select distinct u from jsonb_to_recordset(${data}::jsonb) as r(u text))`),
    );
    const inserted = rowsOf<{ entity_id: string }>(
      await tx.execute(sql`
        insert into party_relation (entity_id, role, party_kind, party_key, source, created_at)
        select distinct e.id, r.role, r.kind, r.key, 'cli', ${at}::timestamptz
        from jsonb_to_recordset(${data}::jsonb) as r(u text, role text, kind text, key text) join entity e on e.uscc = r.u
        on conflict do nothing
        returning entity_id`),
    ).length;
    const known = new Set(found.map((f) => f.uscc));
    const unknownEntities = [...new Set(rows.map((r) => r.entityUscc).filter((u) => !known.has(u)))].sort();
    const entityIds = found.map((f) => f.id);
    await refreshLinks(tx, entityIds, now);
    // The graph around them is current now: their drain need not refresh it again.
    const rescore = new Set([...entityIds, ...(await relatedEntityIds(tx, entityIds))]);
    await requestRescore(tx, createEnqueueMany({ clock: ctx.clock, registry: enqueueRegistry() }), rescore, now, { links: false });
    const matched = rows.filter((r) => known.has(r.entityUscc)).length;
    const result: LoadRelationsResult = {
      rows: rows.length,
      loaded: inserted,
      alreadyLoaded: matched - inserted,
      unknownEntities,
      rescoresRequested: rescore.size,
    };
    await appendAudit(tx, ctx.clock, {
      actor: actorLabel(ctx.actor),
      action: "relations.load",
      subjectType: "party_relation",
      subjectId: null,
      data: { ...result, unknownEntities: unknownEntities.length },
    });
    return result;
  });
}
