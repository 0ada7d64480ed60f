// The outbound channel's verbs: a platform reads its feed; regulator admins list webhook
// deliveries (dead letters among them) and send a dead one again. Authorisation first, in
// the verb, whatever the route already checked.
import { actorLabel, type Actor } from "../../auth/actor.js";
import { authorize, cityWide, ownPlatform } from "../../auth/authorize.js";
import { sql } from "drizzle-orm";
import { appendAudit } from "../../audit/index.js";
import type { Clock } from "../../clock.js";
import type { Database } from "../../db/client.js";
import { isoTimeOrNull as iso } from "../../db/client.js";
import { AppError } from "../../http/errors.js";
import type { EnqueueMany } from "../../jobs/index.js";
import { decodeCursor, readFeed, START_CURSOR, type FeedPage } from "./feed.js";
import { WEBHOOK_DELIVER_JOB } from "./publish.js";

export interface OutboundVerbContext {
  db: Database;
  clock: Clock;
  enqueueMany: EnqueueMany;
  kick: () => void;
  actor: Actor | undefined;
}

export interface WebhookDeliveryView {
  deliveryId: string;
  platformId: string;
  messageId: string;
  type: string;
  status: "pending" | "delivered" | "dead";
  attempts: number;
  lastError: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}


export async function getFeed(ctx: OutboundVerbContext, input: { after?: string | undefined; limit?: number | undefined }): Promise<FeedPage> {
  const p = authorize(ctx.actor, ownPlatform("feed:read"));
  const after = input.after === undefined ? START_CURSOR : decodeCursor(input.after);
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 100), 1), 1000);
  return readFeed(ctx.db, p.platformId, after, limit);
}

interface DeliveryRow extends Record<string, unknown> {
  id: string;
  platform_id: string;
  message_id: string;
  type: string;
  status: WebhookDeliveryView["status"];
  attempts: number;
  last_error: string | null;
  last_attempt_at: string | Date | null;
  delivered_at: string | Date | null;
}


function view(r: DeliveryRow): WebhookDeliveryView {
  return {
    deliveryId: r.id,
    platformId: r.platform_id,
    messageId: r.message_id,
    type: r.type,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    lastAttemptAt: iso(r.last_attempt_at),
    deliveredAt: iso(r.delivered_at),
  };
}

export async function listWebhookDeliveries(
  ctx: OutboundVerbContext,
  input: { status?: WebhookDeliveryView["status"] | undefined; platformId?: string | undefined; limit?: number | undefined },
): Promise<WebhookDeliveryView[]> {
  authorize(ctx.actor, cityWide("admin"));
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 100), 1), 500);
  const rows = await ctx.db.rows<DeliveryRow>(sql`
    select d.id, d.platform_id, d.message_id, m.type, d.status, d.attempts, d.last_error, d.last_attempt_at, d.delivered_at
    from webhook_delivery d join outbound_message m on m.id = d.message_id
    where (${input.status ?? null}::text is null or d.status = ${input.status ?? null}::text)
      and (${input.platformId ?? null}::uuid is null or d.platform_id = ${input.platformId ?? null}::uuid)
    order by d.created_at desc, d.id desc
    limit ${limit}`);
  return rows.map(view);
}

/** A dead delivery becomes pending again with its attempts reset, and a new job sends it. */
export async function retryWebhookDelivery(ctx: OutboundVerbContext, input: { deliveryId: string }): Promise<WebhookDeliveryView> {
  authorize(ctx.actor, cityWide("admin"));
  const result = await ctx.db.transaction(async (tx) => {
    const [row] = await ctx.db.rows<DeliveryRow>(
      sql`select d.id, d.status from webhook_delivery d where d.id = ${input.deliveryId} for update`,
      tx,
    );
    if (!row) throw new AppError("NOT_FOUND", "no such webhook delivery");
    if (row.status !== "dead") throw new AppError("CONFLICT", `only a dead delivery can be retried; this one is ${row.status}`);
    const [updated] = await ctx.db.rows<DeliveryRow>(
      sql`
        with d as (
          update webhook_delivery set status = 'pending', attempts = 0, last_error = null
          where id = ${input.deliveryId} returning *
        )
        select d.id, d.platform_id, d.message_id, m.type, d.status, d.attempts, d.last_error, d.last_attempt_at, d.delivered_at
        from d join outbound_message m on m.id = d.message_id`,
      tx,
    );
    await ctx.enqueueMany(tx, [{ job: WEBHOOK_DELIVER_JOB, payload: { deliveryId: input.deliveryId } }]);
    await appendAudit(tx, ctx.clock, {
      actor: actorLabel(ctx.actor!),
      action: "webhook.delivery.retry",
      subjectType: "webhook_delivery",
      subjectId: input.deliveryId,
      data: { messageId: updated!.message_id, platformId: updated!.platform_id },
    });
    return view(updated!);
  });
  ctx.kick();
  return result;
}
