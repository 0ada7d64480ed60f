// A whole gateway for end-to-end tests: a fresh database (PGlite, or PostgreSQL when
// DATABASE_URL is set), the job runner the environment calls for (Bull when REDIS_URL is
// set, else in-process), and the real HTTP server on an ephemeral 127.0.0.1 port.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { ManualClock, systemClock, type Clock } from "../../src/clock.js";
import type { OutboundPolicy } from "../../src/http/outbound-address.js";
import { createLogger } from "../../src/logger.js";
import { JobEventLog } from "../../src/jobs/index.js";
import { buildSystem, type System, type SystemOptions } from "../../src/system.js";
import { createTestDatabase, type TestDatabase } from "./db.js";

/** A fixed key for tests only; production refuses to start without its own. */
export const TEST_KEY_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
/** The operator credential for /metrics and the readiness details (config's METRICS_TOKEN). */
/**
 * The tests' webhook receivers listen on http://127.0.0.1, which production refuses: test
 * gateways turn on the development switches unless a test asks for another policy.
 */
export const LOCAL_RECEIVER_POLICY: OutboundPolicy = { allowHttp: true, allowPrivateAddresses: true };

export const TEST_METRICS_TOKEN = "test-metrics-token-0123456789abcdef";

export interface TestGateway {
  url: string;
  system: System;
  testDb: TestDatabase;
  clock: Clock;
  jobEvents: JobEventLog;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Stops the gateway's system (runner, connections) and starts a new one on the same database,
   * clock, Redis prefix and port: a process restart, with whatever jobs were pending.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  clock?: Clock | ManualClock;
  /** Extra job definitions, registered before the runner starts (as domains do). */
  beforeStart?: (system: System) => void;
  /** Outbound options, e.g. a tiny webhook retry backoff (webhookPolicy defaults to LOCAL_RECEIVER_POLICY). */
  outbound?: SystemOptions["outbound"];
  /** Notice periods and delivery retries, e.g. a short reminder period. */
  notices?: SystemOptions["notices"];
  /** Login throttling / hashing limits and the trusted proxy header. */
  login?: SystemOptions["login"];
  /** Sign the audit head on this schedule (off unless given). */
  auditHeadIntervalMs?: number;
  /** The rescore coalescing window (off unless given: a test's rescores run at once). */
  rescoreCoalesceMs?: number;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const testDb = await createTestDatabase();
  const clock = options.clock ?? systemClock;
  const jobEvents = new JobEventLog();
  // The issuer must be known before the server has a port: listen first, then build.
  let handler: (req: Request, env?: unknown) => Promise<Response> = async () => new Response("starting", { status: 503 });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: (req, env) => handler(req, env), port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const systemOptions: SystemOptions = {
    db: testDb.db,
    clock,
    logger: createLogger((process.env.TEST_LOG_LEVEL as "silent" | undefined) ?? "silent"),
    issuer: url,
    bodyLimitBytes: 10 * 1024 * 1024,
    role: "all",
    redisUrl: process.env.REDIS_URL,
    workerConcurrency: 4,
    dataDir: testDb.url ? "postgres" : "memory://",
    keyEncryptionKey: TEST_KEY_ENCRYPTION_KEY,
    metricsToken: TEST_METRICS_TOKEN,
    bullPrefix: `csg-test-${randomBytes(4).toString("hex")}`,
    onJobEvent: jobEvents.listener,
    outbound: { webhookPolicy: LOCAL_RECEIVER_POLICY, ...options.outbound },
    ...(options.notices ? { notices: options.notices } : {}),
    ...(options.login ? { login: options.login } : {}),
    ...(options.auditHeadIntervalMs ? { auditHeadIntervalMs: options.auditHeadIntervalMs } : {}),
    ...(options.rescoreCoalesceMs ? { rescoreCoalesceMs: options.rescoreCoalesceMs } : {}),
  };
  const boot = async (): Promise<System> => {
    const built = buildSystem(systemOptions);
    handler = built.app.fetch;
    options.beforeStart?.(built);
    await built.start();
    return built;
  };
  let system = await boot();
  return {
    url,
    get system() {
      return system;
    },
    async restart() {
      handler = async () => new Response("restarting", { status: 503 });
      await system.stop();
      system = await boot();
    },
    testDb,
    clock,
    jobEvents,
    fetch: (path, init) => fetch(url + path, init),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await system.stop();
      await testDb.drop();
    },
  };
}
