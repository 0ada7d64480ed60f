// Writing outbound messages, in the caller's transaction: the message exists exactly when the
// change it announces commits. Set-based: one statement inserts every message and, for
// platforms with a webhook URL, its webhook_delivery row (data-modifying CTEs); one more
// inserts the outbox jobs. No statement per message.
//
// The caller should kick the job runner after its commit (deps.kick()) so webhooks go out at
// once rather than at the runner's next poll.
import { sql, type SQL } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import type { Clock } from "../../clock.js";
import type { Executor } from "../../db/client.js";
import { rowsOf } from "../../db/client.js";
import type { EnqueueMany } from "../../jobs/index.js";
import { MESSAGE_TYPES, type MessageType, type OutboundMessage, type Publish, type PublishToEntityPlatforms } from "./types.js";

export const WEBHOOK_DELIVER_JOB = "webhook.deliver";

export interface PublishDeps {
  clock: Clock;
  enqueueMany: EnqueueMany;
}

/**
 * A UUIDv7 made inside PostgreSQL (PG 17 and PGlite have no uuidv7()): a random v4 with its
 * first 48 bits replaced by the injected clock's milliseconds and the version nibble set to 7.
 * Used where the row count is only known to the database (fan-out over shops, deliveries).
 */
function sqlUuidv7(ms: number): SQL {
  return sql`encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(${ms}::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid`;
}

function assertType(type: string): asserts type is MessageType {
  if (!(MESSAGE_TYPES as readonly string[]).includes(type)) throw new Error(`unknown outbound message type "${type}"`);
}

/**
 * Inserts the messages produced by `targets` (a SELECT yielding ord, id, platform_id, type,
 * entity_id, data in that order), their deliveries, then the delivery jobs.
 */
async function insertMessages(on: Executor, deps: PublishDeps, targets: SQL): Promise<void> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const result = await on.execute(sql`
    with target as (${targets}),
    msg as (
      insert into outbound_message (id, platform_id, type, entity_id, data, created_at)
      select id, platform_id, type, entity_id, data, ${at}::timestamptz from target order by ord, platform_id
      returning id, platform_id
    ),
    delivery as (
      insert into webhook_delivery (id, message_id, platform_id, status, attempts, created_at)
      select ${sqlUuidv7(now.getTime())}, msg.id, msg.platform_id, 'pending', 0, ${at}::timestamptz
      from msg join platform p on p.id = msg.platform_id
      where p.webhook_url is not null
      returning id
    )
    select id from delivery`);
  const deliveries = rowsOf<{ id: string }>(result);
  await deps.enqueueMany(
    on,
    deliveries.map((d) => ({ job: WEBHOOK_DELIVER_JOB, payload: { deliveryId: d.id } })),
  );
}

export function createPublish(deps: PublishDeps): Publish {
  return async (on, messages: readonly OutboundMessage[]) => {
    if (messages.length === 0) return;
    const input = messages.map((m, ord) => {
      assertType(m.type);
      return { ord, id: uuidv7(), platform_id: m.platformId, type: m.type, entity_id: m.entityId ?? null, data: m.data };
    });
    await insertMessages(
      on,
      deps,
      sql`select ord, id, platform_id, type, entity_id, data
          from jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
            as x(ord int, id uuid, platform_id uuid, type text, entity_id uuid, data jsonb)`,
    );
  };
}

export function createPublishToEntityPlatforms(deps: PublishDeps): PublishToEntityPlatforms {
  return async (on, messages) => {
    if (messages.length === 0) return;
    const input = messages.map((m, ord) => {
      assertType(m.type);
      return { ord, entity_id: m.entityId, type: m.type, data: m.data };
    });
    const ms = deps.clock.now().getTime();
    // One message per (input message, platform): a platform with two shops for the entity
    // gets it once.
    await insertMessages(
      on,
      deps,
      sql`select ord, ${sqlUuidv7(ms)} as id, platform_id, type, entity_id, data
          from (
            select distinct on (x.ord, s.platform_id) x.ord, s.platform_id, x.type, x.entity_id, x.data
            from jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
              as x(ord int, entity_id uuid, type text, data jsonb)
            join shop s on s.entity_id = x.entity_id and s.link = 'corroborated'
          ) fan_out`,
    );
  };
}
