// What domain services are built from. Each domain takes the narrow Pick<> it needs, so tests
// can pass small real parts; the composition root (system.ts) builds one of these.
import type { Logger } from "pino";
import type { Clock } from "./clock.js";
import type { Database } from "./db/client.js";
import type { OutboundPolicy } from "./http/outbound-address.js";
import type { EnqueueMany } from "./jobs/outbox.js";
import type { Enqueue, JobRunner } from "./jobs/types.js";

export interface ServiceDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  enqueue: Enqueue;
  enqueueMany: EnqueueMany;
  /** Wake the job runner after a commit that wrote outbox rows. */
  kick: JobRunner["kick"];
  /** Public base URL: OAuth issuer and token audience. */
  issuer: string;
  /** The embedded default (PGlite in dataDir) rather than PostgreSQL. */
  embedded: boolean;
  dataDir: string;
  /** base64 32-byte key that encrypts private keys at rest (from config); see auth/. */
  keyEncryptionKey: string | undefined;
  /** Redis for shared state (rate limits) when present. */
  redisUrl: string | undefined;
  /** Where platform webhooks may point (checked when registered and again when sent). */
  webhookPolicy: OutboundPolicy;
}
