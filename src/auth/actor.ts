// Who performs a verb: a request's principal, the CLI or one of the gateway's own jobs. What
// each may do is decided in one place, authorize.ts. The CLI and the gateway's own jobs act as
// trusted operators (they already hold the database credentials).
import type { Context } from "hono";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { AppError } from "../http/errors.js";
import type { OutboundPolicy } from "../http/outbound-address.js";
import type { AppEnv, Principal } from "../http/context.js";

export type Actor = Principal | { kind: "cli" } | { kind: "system"; name: string };

/** What an auth verb runs with: the database, the clock and who is asking. */
export interface VerbContext {
  db: Database;
  clock: Clock;
  actor: Actor;
  /** Where a platform's webhook may point; the strict production policy when absent. */
  webhookPolicy?: OutboundPolicy;
}

/** The authenticated caller of a request (the handlers' way into the verbs), or 401. */
export function actorOf(c: Context<AppEnv>): Actor {
  const p = c.get("principal");
  if (!p) throw new AppError("UNAUTHORIZED", "authentication required");
  return p;
}

/** The audit log's actor string. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case "platform":
      return `platform:${actor.platformId}`;
    case "regulator":
      return `regulator:${actor.userId}`;
    case "merchant":
      return `merchant:${actor.noticeId}`;
    case "cli":
      return "cli";
    case "system":
      return `system:${actor.name}`;
  }
}
