// Wiring for src/main.ts: on the embedded database the running gateway serves the CLI's
// commands on DATA_DIR/admin.sock, with the same verbs and its own key store.
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import type { System } from "../system.js";
import { startAdminSocket, type AdminSocket } from "./admin-socket.js";
import { runOperation } from "./operations.js";
import { snapshotEmbeddedDatabase } from "../db/backup/embedded.js";

export async function serveAdminSocket(o: { system: System; db: Database; clock: Clock; dataDir: string; logger: Logger }): Promise<AdminSocket | undefined> {
  if (o.db.kind !== "pglite" || o.dataDir === "memory://") return undefined; // PostgreSQL: the CLI connects itself
  const deps = {
    db: o.db, clock: o.clock, webhookPolicy: o.system.deps.webhookPolicy, rotateGatewayKey: o.system.auth.rotateGatewayKey,
    gatewayKeys: o.system.auth.gatewayKeys, classification: o.system.classification.ops, history: o.system.exchange.history,
    publish: o.system.outbound.publish, jobs: { enqueueMany: o.system.deps.enqueueMany, kick: o.system.deps.kick },
    auditHeads: { sign: o.system.auditHeads.sign, jwks: () => o.system.auth.signer.jwks() },
  };
  return startAdminSocket({
    dataDir: o.dataDir,
    logger: o.logger.child({ component: "admin-socket" }),
    run: (req) => runOperation(deps, req),
    snapshot: () => snapshotEmbeddedDatabase(o.db),
  });
}
