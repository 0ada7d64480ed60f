// Messages from the gateway to platforms: one row per recipient platform, read through the
// feed and pushed by signed webhooks. Other domains publish through these functions only.
import type { Executor } from "../../db/client.js";

export const MESSAGE_TYPES = [
  "batch.processed",
  "classification.changed",
  "sandbox.admitted",
  "sandbox.removed",
  "notice.issued",
  "rectification.updated",
  "restoration.updated",
  "platform.key_changed",
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface OutboundMessage {
  platformId: string;
  type: MessageType;
  entityId?: string;
  data: Record<string, unknown>;
}

/**
 * Writes messages (and, for platforms with a webhook URL, their deliveries and webhook.deliver
 * jobs) in the caller's transaction; set-based. Kick the job runner after the commit.
 */
export type Publish = (on: Executor, messages: readonly OutboundMessage[]) => Promise<void>;

/** Sends one message per platform that has a shop for each entity (the usual fan-out). */
export type PublishToEntityPlatforms = (
  on: Executor,
  messages: ReadonlyArray<{ entityId: string; type: MessageType; data: Record<string, unknown> }>,
) => Promise<void>;
