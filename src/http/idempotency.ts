// Idempotency-Key (DESIGN §5): a POST retried with the same key and the same request gets the
// stored response instead of running again; the same key with a different request is 422;
// a retry while the first attempt still runs is 409.
//
// The request hash covers method, path and the exact body bytes, NOT the headers: each retry
// carries a fresh detached signature (new jti), yet it is the same request. Keys are scoped
// to the caller (platform id / regulator user id), so two callers never share a key space.
//
// A claim is a row in state in_flight with locked_until = now + 60 s, stamped with the database
// session of the process that holds it; a claim left behind by a process that died is taken
// over as soon as the database no longer sees that session (kill -9 included), or at the latest
// once locked_until has passed — so a client retrying after a crash waits for the restart,
// not for the lock. Final answers are stored
// (2xx and 4xx except 401/409/429, which depend on the moment rather than the request); on 5xx
// or a thrown error the claim is released so the retry runs for real. The store is a second
// transaction after the handler's: a crash in between leaves a claim that expires and lets a
// retry run again, which batch ingestion tolerates (events dedupe per eventId, identical
// merchant records are duplicates).
import { createHash } from "node:crypto";
import { and, eq, lte, sql } from "drizzle-orm";
import type { Context } from "hono";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { idempotencyRecord } from "../db/schema/idempotency.js";
import { defineJob, type JobDefinition } from "../jobs/index.js";
import type { AppEnv, Principal } from "./context.js";
import { AppError } from "./errors.js";
import { problemResponse } from "./middleware.js";
import type { AroundHandler } from "./router.js";
import type { JsonObject, Operation } from "./spec.js";

export const IDEMPOTENCY_CLEANUP_JOB = "idempotency.cleanup";
const HEADER = "idempotency-key";
const NOT_STORED = new Set([401, 409, 429]);
/** Response headers worth replaying; request-specific ones (X-Request-Id) are not. */
const KEPT_HEADERS = ["content-type", "location", "retry-after"];

export interface IdempotencyOptions {
  db: Database;
  clock: Clock;
  lockMs?: number;
  retentionMs?: number;
}

function scopeOf(p: Principal | undefined): string | undefined {
  if (p?.kind === "platform") return `platform:${p.platformId}`;
  if (p?.kind === "regulator") return `regulator:${p.userId}`;
  if (p?.kind === "merchant") return `merchant:${p.noticeId}`;
  return undefined;
}

/** Does the operation declare the Idempotency-Key header parameter? */
export function declaresIdempotencyKey(op: Operation): boolean {
  if (op.method.toLowerCase() !== "post") return false;
  const params = (op.definition.parameters ?? []) as JsonObject[];
  return params.some(
    (p) => (typeof p.$ref === "string" && p.$ref.endsWith("/IdempotencyKey")) || (p.in === "header" && String(p.name).toLowerCase() === HEADER),
  );
}

export function requestHash(method: string, pathAndQuery: string, body: Uint8Array | undefined): string {
  return createHash("sha256")
    .update(`${method.toUpperCase()}\n${pathAndQuery}\n`)
    .update(body ?? new Uint8Array(0))
    .digest("hex");
}

type Claim = { owned: true; lockedUntil: Date } | { owned: false; response: Response };

export function idempotency(o: IdempotencyOptions): AroundHandler {
  const lockMs = o.lockMs ?? 60_000;
  const retentionMs = o.retentionMs ?? 86_400_000;
  const declared = new Map<string, boolean>();
  /** Claims held by requests running in this process right now. */
  const active = new Set<string>();
  const claimId = (scope: string, key: string) => `${scope}\n${key}`;

  const claim = async (c: Context<AppEnv>, scope: string, key: string, hash: string): Promise<Claim> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = o.clock.now();
      const lockedUntil = new Date(now.getTime() + lockMs);
      const fresh = { requestHash: hash, state: "in_flight" as const, createdAt: now, lockedUntil, owner: o.db.sessionTag, expiresAt: new Date(now.getTime() + retentionMs) };
      const inserted = await o.db.orm.insert(idempotencyRecord).values({ scope, key, ...fresh }).onConflictDoNothing().returning({ key: idempotencyRecord.key });
      if (inserted.length > 0) return { owned: true, lockedUntil };
      const [row] = await o.db.orm.select().from(idempotencyRecord).where(and(eq(idempotencyRecord.scope, scope), eq(idempotencyRecord.key, key)));
      if (!row) continue; // Deleted meanwhile (expired and cleaned up): try again.
      const where = and(eq(idempotencyRecord.scope, scope), eq(idempotencyRecord.key, key));
      if (row.expiresAt <= now) {
        // An expired record no longer binds the key: start afresh.
        const taken = await o.db.orm
          .update(idempotencyRecord)
          .set({ ...fresh, responseStatus: null, responseHeaders: null, responseBody: null })
          .where(and(where, lte(idempotencyRecord.expiresAt, now)))
          .returning({ key: idempotencyRecord.key });
        if (taken.length > 0) return { owned: true, lockedUntil };
        continue;
      }
      if (row.requestHash !== hash) throw new AppError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different request");
      if (row.state === "done") return { owned: false, response: replay(c, row.responseStatus ?? 200, row.responseHeaders ?? {}, row.responseBody ?? "") };
      const lapsed = !row.lockedUntil || row.lockedUntil <= now;
      // Our own session's claim is live only while a request of ours runs under it: one left
      // by a request whose release failed (the database went away meanwhile) is orphaned too.
      const orphaned =
        !lapsed && row.owner !== null && (row.owner === o.db.sessionTag ? !active.has(claimId(scope, key)) : !(await o.db.sessionAlive(row.owner)));
      if (!lapsed && !orphaned) {
        throw new AppError("IDEMPOTENCY_IN_FLIGHT", "a request with this Idempotency-Key is still being processed", { headers: { "Retry-After": "1" } });
      }
      // Abandoned claim (its process died): take it over, only as we saw it (another retry may race us).
      const stillAbandoned = lapsed
        ? sql`${idempotencyRecord.lockedUntil} <= ${now.toISOString()}::timestamptz`
        : and(eq(idempotencyRecord.owner, row.owner!), eq(idempotencyRecord.lockedUntil, row.lockedUntil!));
      const taken = await o.db.orm
        .update(idempotencyRecord)
        .set({ lockedUntil, createdAt: now, owner: o.db.sessionTag })
        .where(and(where, eq(idempotencyRecord.state, "in_flight"), stillAbandoned))
        .returning({ key: idempotencyRecord.key });
      if (taken.length > 0) return { owned: true, lockedUntil };
    }
    throw new AppError("IDEMPOTENCY_IN_FLIGHT", "a request with this Idempotency-Key is still being processed", { headers: { "Retry-After": "1" } });
  };

  /** Only the claim we hold: a claim taken over after our lock lapsed is not ours to touch. */
  const ours = (scope: string, key: string, lockedUntil: Date) =>
    and(eq(idempotencyRecord.scope, scope), eq(idempotencyRecord.key, key), eq(idempotencyRecord.state, "in_flight"), eq(idempotencyRecord.lockedUntil, lockedUntil));

  const store = async (scope: string, key: string, lockedUntil: Date, res: Response): Promise<Response> => {
    const body = await res.text();
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const v = res.headers.get(name);
      if (v !== null) headers[name] = v;
    }
    await o.db.orm
      .update(idempotencyRecord)
      .set({ state: "done", responseStatus: res.status, responseHeaders: headers, responseBody: body, lockedUntil: null })
      .where(ours(scope, key, lockedUntil));
    return new Response(body, { status: res.status, headers: res.headers });
  };

  const release = (scope: string, key: string, lockedUntil: Date) => o.db.orm.delete(idempotencyRecord).where(ours(scope, key, lockedUntil));

  return async (c, op, input, next) => {
    let applies = declared.get(op.operationId);
    if (applies === undefined) declared.set(op.operationId, (applies = declaresIdempotencyKey(op)));
    const key = c.req.header(HEADER);
    const scope = scopeOf(c.get("principal"));
    if (!applies || key === undefined || scope === undefined) return next();
    const url = new URL(c.req.url);
    const got = await claim(c, scope, key, requestHash(c.req.method, url.pathname + url.search, input.rawBody));
    if (!got.owned) return got.response;
    const id = claimId(scope, key);
    active.add(id);
    try {
      let res: Response;
      try {
        res = await next();
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && !NOT_STORED.has(err.status)) return await store(scope, key, got.lockedUntil, problemResponse(c, err));
        await release(scope, key, got.lockedUntil).catch(() => {});
        throw err;
      }
      if (res.status >= 500 || NOT_STORED.has(res.status)) {
        await release(scope, key, got.lockedUntil);
        return res;
      }
      return await store(scope, key, got.lockedUntil, res);
    } finally {
      active.delete(id);
    }
  };
}

function replay(c: Context<AppEnv>, status: number, headers: Record<string, string>, body: string): Response {
  return new Response(body, {
    status,
    headers: { ...headers, "Idempotent-Replayed": "true", "X-Request-Id": c.get("requestId") ?? "unknown" },
  });
}

/** Deletes expired records in bounded batches; returns how many. */
export async function deleteExpiredIdempotencyRecords(db: Database, now: Date, batchSize = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.rows<{ n: number }>(sql`
      with gone as (
        delete from idempotency_record where ctid in (
          select ctid from idempotency_record where expires_at <= ${now.toISOString()}::timestamptz limit ${batchSize})
        returning 1)
      select count(*)::int as n from gone`);
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < batchSize) return total;
  }
}

export function idempotencyCleanupJob(deps: { db: Database; clock: Clock }): JobDefinition<Record<string, never>> {
  return defineJob({
    name: IDEMPOTENCY_CLEANUP_JOB,
    maxAttempts: 3,
    backoffMs: 60_000,
    parse: () => ({}),
    async handle() {
      await deleteExpiredIdempotencyRecords(deps.db, deps.clock.now());
    },
  });
}
