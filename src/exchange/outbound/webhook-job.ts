// Job "webhook.deliver" {deliveryId}: one attempt to push a message to its platform's CURRENT
// webhook URL. Every attempt is recorded on the delivery (attempts, last_error,
// last_attempt_at). A failed attempt throws so the job runner retries it with exponential
// backoff; the last allowed attempt marks the delivery dead (a dead letter that admins list
// and can retry) before rethrowing. A URL that can never work (missing, not https, or a host
// that resolves to a refused address) is dead at once. The error stored is in our own words:
// a status code or a fixed reason, never what the receiver answered.
import { sql } from "drizzle-orm";
import type { GatewaySigner } from "../../auth/signer.js";
import type { Clock } from "../../clock.js";
import type { Database } from "../../db/client.js";
import { defineJob, PermanentJobError, type JobDefinition } from "../../jobs/index.js";
import { WEBHOOK_DELIVER_JOB } from "./publish.js";
import { STRICT_OUTBOUND_POLICY, type OutboundPolicy } from "../../http/outbound-address.js";
import { OutboundFailure, systemResolver, type HostResolver } from "../../http/outbound-request.js";
import { sendWebhook, type WebhookMessage } from "./webhook-sender.js";

export interface WebhookRetryPolicy {
  /** Total tries including the first. */
  maxAttempts: number;
  /** First retry delay; doubles each try (with jitter: between half and all of it). */
  backoffMs: number;
  /** Longest wait between two tries (default 6 h, the job runners' cap). */
  maxBackoffMs?: number;
}

/**
 * A receiver down for most of a day still gets its messages: 24 tries, the waits doubling from
 * 30 s up to 2 h, so the last try comes 16-32 h after the first (about 24 h on average) before
 * the delivery is dead-lettered. config.ts reads WEBHOOK_RETRY_* over these.
 */
export const DEFAULT_WEBHOOK_RETRY: Required<WebhookRetryPolicy> = { maxAttempts: 24, backoffMs: 30_000, maxBackoffMs: 2 * 3_600_000 };
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookJobDeps {
  db: Database;
  clock: Clock;
  signer: GatewaySigner;
  logger: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  retry?: WebhookRetryPolicy;
  timeoutMs?: number;
  /** Allowed destinations (default: https to public addresses only). */
  policy?: OutboundPolicy;
  /** Name resolution at send time (default: the system resolver). */
  resolve?: HostResolver;
}

interface DeliveryRow extends Record<string, unknown> {
  status: "pending" | "delivered" | "dead";
  platform_id: string;
  client_id: string;
  webhook_url: string | null;
  platform_status: "active" | "suspended";
  message_id: string;
  type: string;
  entity_id: string | null;
  data: Record<string, unknown>;
  created_at: string | Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function webhookDeliverJob(deps: WebhookJobDeps): JobDefinition<{ deliveryId: string }> {
  const retry = deps.retry ?? DEFAULT_WEBHOOK_RETRY;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const policy = deps.policy ?? STRICT_OUTBOUND_POLICY;
  const resolve = deps.resolve ?? systemResolver;
  const { db, clock } = deps;

  const record = async (deliveryId: string, outcome: { status: DeliveryRow["status"]; error: string | null }) => {
    const now = clock.now().toISOString();
    const deliveredAt = outcome.status === "delivered" ? now : null;
    // Only a pending delivery moves: an admin's concurrent change is not overwritten.
    await db.rows(sql`
      update webhook_delivery
      set attempts = attempts + 1, last_attempt_at = ${now}::timestamptz, last_error = ${outcome.error}::text,
          status = ${outcome.status}::text, delivered_at = coalesce(${deliveredAt}::timestamptz, delivered_at)
      where id = ${deliveryId} and status = 'pending'`);
  };

  return defineJob({
    name: WEBHOOK_DELIVER_JOB,
    maxAttempts: retry.maxAttempts,
    backoffMs: retry.backoffMs,
    ...(retry.maxBackoffMs ? { maxBackoffMs: retry.maxBackoffMs } : {}),
    // The lease must outlast the HTTP timeout, or a slow receiver would get a second copy.
    timeoutMs: timeoutMs + 30_000,
    parse(payload) {
      const id = (payload as { deliveryId?: unknown } | null)?.deliveryId;
      if (typeof id !== "string" || !UUID.test(id)) throw new PermanentJobError("payload needs deliveryId (uuid)");
      return { deliveryId: id };
    },
    async handle({ deliveryId }, ctx) {
      const [row] = await db.rows<DeliveryRow>(sql`
        select d.status, d.platform_id, p.client_id, p.webhook_url, p.status as platform_status, m.id as message_id, m.type, m.entity_id, m.data, m.created_at
        from webhook_delivery d
        join outbound_message m on m.id = d.message_id
        join platform p on p.id = d.platform_id
        where d.id = ${deliveryId}`);
      if (!row) throw new PermanentJobError(`webhook delivery ${deliveryId} not found`);
      // Delivered already (a re-run after a lapsed lease) or dead: nothing to do.
      if (row.status !== "pending") return;
      const log = { deliveryId, messageId: row.message_id, platformId: row.platform_id, attempt: ctx.attempt };

      const dead = async (error: string, why: string) => {
        await record(deliveryId, { status: "dead", error });
        deps.logger.warn({ ...log, err: error }, why);
        return new PermanentJobError(error);
      };
      if (row.webhook_url === null) throw await dead("the platform has no webhook URL", "webhook dead: no URL");
      // A suspended platform receives nothing (an admin may retry the delivery once it is back).
      if (row.platform_status !== "active") throw await dead("the platform is suspended", "webhook dead: platform suspended");

      const message: WebhookMessage = {
        id: row.message_id,
        type: row.type,
        createdAt: new Date(row.created_at).toISOString(),
        ...(row.entity_id ? { entityId: row.entity_id } : {}),
        data: row.data,
      };
      try {
        await sendWebhook(row.webhook_url, message, {
          signer: deps.signer,
          audience: row.client_id,
          nowSeconds: Math.floor(clock.now().getTime() / 1000),
          timeoutMs,
          policy,
          resolve,
        });
      } catch (err) {
        // Our own failures (signing, say) are logged in full but stored in fixed words as well.
        if (!(err instanceof OutboundFailure)) deps.logger.warn({ ...log, err: (err as Error).message }, "webhook could not be sent");
        const error = err instanceof OutboundFailure ? `webhook ${err.message}` : "webhook could not be sent (internal error)";
        if (err instanceof OutboundFailure && err.permanent) throw await dead(error, "webhook dead: destination refused");
        const last = ctx.attempt >= retry.maxAttempts;
        await record(deliveryId, { status: last ? "dead" : "pending", error });
        deps.logger.warn({ ...log, err: error, dead: last }, last ? "webhook dead after last attempt" : "webhook attempt failed");
        if (last) throw new PermanentJobError(error);
        throw new Error(error);
      }
      await record(deliveryId, { status: "delivered", error: null });
      deps.logger.info(log, "webhook delivered");
    },
  });
}
