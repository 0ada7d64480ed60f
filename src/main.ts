// Process entry: config -> logger -> database (+ migrations) -> jobs -> HTTP; graceful shutdown.
import type { Server } from "node:http";
import { serve, type ServerType } from "@hono/node-server";
import { systemClock } from "./clock.js";
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./db/client.js";
import { DataDirBusyError } from "./db/data-dir-lock.js";
import { migrate } from "./db/migrate.js";
import { isDatabaseUnavailable } from "./db/unavailable.js";
import { registerConnectionMetrics } from "./http/metrics.js";
import { guardServer, serverOptions, type ConnectionStats } from "./http/server-limits.js";
import { createLogger } from "./logger.js";
import { buildSystem } from "./system.js";
import { serveAdminSocket } from "./cli/serve-admin.js";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // While PostgreSQL restarts, the driver's reconnect attempts can reject a promise nobody
  // awaits (seen as a bare "connect ECONNREFUSED"): that is the outage the requests already
  // answer 503 for, not a reason to stop serving. Anything else unhandled is a bug: crash
  // as Node would, so the supervisor restarts a process in a known state.
  process.on("unhandledRejection", (reason) => {
    if (isDatabaseUnavailable(reason)) {
      logger.warn({ err: (reason as Error)?.message }, "database unreachable (unawaited driver error)");
      return;
    }
    logger.fatal({ err: reason instanceof Error ? reason.stack : String(reason) }, "unhandled rejection");
    process.exit(1);
  });
  const db = await openDatabase(
    config.databaseUrl ? { kind: "postgres", url: config.databaseUrl } : { kind: "pglite", dataDir: config.dataDir },
  );
  await migrate(db);

  // Bind first, so the issuer can name the port actually bound when ISSUER is unset (PORT=0);
  // requests that arrive before the system is built get 503.
  let handle: (req: Request, env: unknown) => Promise<Response> = async () => new Response("starting", { status: 503 });
  let server: ServerType | undefined;
  let connections: ConnectionStats | undefined;
  let where = "";
  if (config.role !== "worker") {
    server = await new Promise<ServerType>((resolve) => {
      // The adapter's env (the incoming socket) is passed on: per-client limits need the peer address.
      const s = serve({ fetch: (req, env) => handle(req, env), port: config.port, hostname: config.host, serverOptions: serverOptions(config.http) }, (info) => {
        where = `http://${info.family === "IPv6" ? `[${info.address}]` : info.address}:${info.port}`;
        resolve(s);
      });
      // Before the first connection: listening starts on a later tick.
      connections = guardServer(s as Server, config.http);
    });
  }
  const system = buildSystem({
    db,
    clock: systemClock,
    logger,
    issuer: config.issuer ?? (where || `http://${config.host}:${config.port}`),
    bodyLimitBytes: config.bodyLimitBytes,
    bodyTimeouts: config.http.body,
    notices: config.notices,
    auditHeadIntervalMs: config.auditHeadIntervalMs,
    rescoreCoalesceMs: config.rescoreCoalesceMs,
    role: config.role,
    redisUrl: config.redisUrl,
    workerConcurrency: config.workerConcurrency,
    dataDir: config.dataDir,
    keyEncryptionKey: config.keyEncryptionKey,
    metricsToken: config.metricsToken,
    outbound: { webhookPolicy: config.webhookPolicy, webhookRetry: config.webhookRetry },
    login: { trustedProxyHeader: config.trustedProxyHeader },
  });
  if (config.webhookPolicy.allowHttp || config.webhookPolicy.allowPrivateAddresses) {
    logger.warn({ webhookPolicy: config.webhookPolicy }, "development switch on: webhooks may use http or private addresses");
  }
  await system.start();
  // Embedded only: the CLI reaches the database through this process while it holds it
  // (ready before "listening" is printed).
  const adminSocket = await serveAdminSocket({ system, db, clock: systemClock, dataDir: config.dataDir, logger });

  if (server) {
    if (connections) registerConnectionMetrics(system.app.metrics.registry, connections);
    handle = system.app.fetch;
    logger.info({ address: where, role: config.role, database: db.kind, jobs: system.jobs.runner.kind }, "gateway listening");
    if (process.stdout.isTTY || config.logLevel !== "silent") console.log(`Credit Sandbox Gateway listening on ${where} (docs: ${where}/docs)`);
  } else {
    logger.info({ role: config.role, jobs: system.jobs.runner.kind }, "worker started");
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await adminSocket?.close();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await system.stop();
    await db.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirBusyError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
