// The gateway the demo runs: the same composition as `npm start` (buildSystem over a migrated
// database, jobs in-process on the embedded default or on Redis), with two demo-only settings:
// a clock the timeline moves forward, and webhooks allowed to the platforms' receivers on
// 127.0.0.1 over http (production refuses both). No rescore coalescing window (none is given):
// each step of the timeline settles the classifications it caused before the clock moves on.
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import type { OffsetClock } from "../src/clock.js";
import type { Database } from "../src/db/client.js";
import { createLogger } from "../src/logger.js";
import { buildSystem, type System } from "../src/system.js";

export interface DemoGateway {
  url: string;
  system: System;
  /** Waits until every job due by the clock's now has run (chains included). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoGateway(o: { db: Database; clock: OffsetClock; port: number; dataDir: string; redisUrl?: string | undefined }): Promise<DemoGateway> {
  let handler: (req: Request, env?: unknown) => Promise<Response> = async () => new Response("starting", { status: 503 });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: (req, env) => handler(req, env), port: o.port, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const system = buildSystem({
    db: o.db,
    clock: o.clock,
    logger: createLogger("silent"),
    issuer: url,
    bodyLimitBytes: 10 * 1024 * 1024,
    role: "all",
    redisUrl: o.redisUrl,
    workerConcurrency: 4,
    dataDir: o.dataDir,
    // Embedded: the data directory's own key-encryption key, as `npm start` keeps it; on
    // PostgreSQL a fresh one for this throwaway run.
    keyEncryptionKey: o.db.kind === "postgres" ? randomBytes(32).toString("base64") : undefined,
    ...(o.redisUrl ? { bullPrefix: `csg-demo-${randomBytes(4).toString("hex")}` } : {}),
    outbound: { webhookPolicy: { allowHttp: true, allowPrivateAddresses: true } },
  });
  handler = system.app.fetch;
  await system.start();

  const settle = async () => {
    for (;;) {
      system.deps.kick();
      const [row] = await o.db.rows<{ n: number }>(
        sql`select count(*)::int as n from outbox where status not in ('done', 'failed') and run_at <= ${o.clock.now().toISOString()}::timestamptz`,
      );
      if (!row || Number(row.n) === 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return {
    url,
    system,
    settle,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await system.stop();
    },
  };
}
