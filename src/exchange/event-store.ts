// The event hot path, set-based (PGlite; PostgreSQL uses the COPY variant in event-copy.ts):
// one statement per chunk claims the (platform, eventId) keys
// in event_key (ON CONFLICT DO NOTHING) and appends only the claimed ones to the partitioned
// event table. The rows travel as one jsonb parameter (jsonb_to_recordset), so a chunk is a
// single bind parameter on PostgreSQL and PGlite alike, and never a round trip per record.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor, type Tx } from "../db/client.js";
import { copyEvents, postgresTransactionOf } from "./event-copy.js";

/** One event ready to store; short keys keep the jsonb parameter small. */
export interface EventRow {
  /** Platform event id. */
  k: string;
  /** Gateway event id (uuidv7). */
  i: string;
  /** Shop id (gateway uuid). */
  s: string;
  /** Entity id. */
  e: string;
  /** Kind. */
  n: string;
  /** occurredAt, ISO 8601. */
  t: string;
  d: unknown;
}

export const EVENT_CHUNK = 5000;

/**
 * Inserts the events whose keys are new; returns the platform event ids that were already
 * there (duplicates: usually none, so the answer stays small). PostgreSQL takes the COPY path.
 */
export async function appendEvents(
  tx: Tx,
  input: { platformId: string; batchId: string; receivedAt: Date; rows: readonly EventRow[] },
): Promise<Set<string>> {
  if (input.rows.length === 0) return new Set();
  const pg = postgresTransactionOf(tx);
  if (pg) return copyEvents(pg, input);
  const duplicates = new Set<string>();
  const receivedAt = input.receivedAt.toISOString();
  for (let at = 0; at < input.rows.length; at += EVENT_CHUNK) {
    const chunk = input.rows.slice(at, at + EVENT_CHUNK);
    const result = await tx.execute(sql`
      with input as (
        select * from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb)
          as r(k text, i uuid, s uuid, e uuid, n text, t timestamptz, d jsonb)
      ), claimed as (
        insert into event_key (platform_id, platform_event_id, event_id, occurred_at)
        select ${input.platformId}::uuid, k, i, t from input
        on conflict do nothing
        returning platform_event_id
      ), appended as (
        insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
        select i.i, ${input.platformId}::uuid, i.s, i.e, i.k, i.n, i.t, ${receivedAt}::timestamptz, ${input.batchId}::uuid, i.d
        from input i join claimed c on c.platform_event_id = i.k
      )
      select k from input where k not in (select platform_event_id from claimed)`);
    for (const row of rowsOf<{ k: string }>(result)) duplicates.add(row.k);
  }
  return duplicates;
}

export interface ShopRef {
  id: string;
  entityId: string;
}

/** The platform's shops by platform shop id (one query for the whole batch). */
export async function findShops(on: Executor, platformId: string, shopIds: readonly string[]): Promise<Map<string, ShopRef>> {
  const out = new Map<string, ShopRef>();
  if (shopIds.length === 0) return out;
  const result = await on.execute(sql`
    select platform_shop_id as k, id, entity_id as e from shop
    where platform_id = ${platformId}::uuid
      and platform_shop_id in (select jsonb_array_elements_text(${JSON.stringify(shopIds)}::jsonb))`);
  for (const row of rowsOf<{ k: string; id: string; e: string }>(result)) out.set(row.k, { id: row.id, entityId: row.e });
  return out;
}
