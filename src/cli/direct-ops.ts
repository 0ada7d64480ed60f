// The classification and history-load operations for a CLI process that opened the database
// itself: the same modules the gateway builds (same registry, so runs enqueue their jobs and
// classification changes publish to platforms exactly as in the gateway; the same compiled
// spec validates loaded records), with no job runner started — the outbox rows it writes are
// executed by a gateway.
import { systemClock } from "../clock.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { ClassificationOps } from "../classification/lifecycle-ops.js";
import type { HistoryOps } from "../exchange/index.js";
import type { Publish } from "../exchange/outbound/types.js";
import type { EnqueueMany } from "../jobs/index.js";
import { createLogger } from "../logger.js";
import { buildSystem } from "../system.js";

export async function openOperatorOps(
  config: Config,
  db: Database,
): Promise<{ classification: ClassificationOps; history: HistoryOps; publish: Publish; jobs: { enqueueMany: EnqueueMany; kick(): void } }> {
  const system = buildSystem({
    db,
    clock: systemClock,
    logger: createLogger("silent"),
    issuer: config.issuer ?? "http://localhost",
    bodyLimitBytes: config.bodyLimitBytes,
    role: "all",
    redisUrl: undefined,
    workerConcurrency: 1,
    dataDir: config.dataDir,
    keyEncryptionKey: config.keyEncryptionKey,
  });
  // Seeds the expert default model on a database that has none yet.
  await system.classification.start();
  return {
    classification: system.classification.ops,
    history: system.exchange.history,
    publish: system.outbound.publish,
    // No runner here: a gateway's runner finds the rows at its next look at the outbox.
    jobs: { enqueueMany: system.deps.enqueueMany, kick: () => {} },
  };
}
