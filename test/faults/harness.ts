// The fault campaign's harness: the gateway as a real process that can be killed with SIGKILL
// and started again on the same port and database; a Redis of the campaign's own (so stopping
// it never disturbs anybody else's); platforms seeded before the first start; SDK clients.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK } from "jose";
import { createGatewayClient, GatewayError, type GatewayClient, type GatewayClientOptions } from "@credit-sandbox/sdk";
import { createPlatform } from "../../src/auth/index.js";
import { systemClock } from "../../src/clock.js";
import { openDatabase, type Database } from "../../src/db/client.js";
import { migrate } from "../../src/db/migrate.js";
import { createTestDatabase, usingPostgres, type TestDatabase } from "../support/db.js";
import { LOCAL_RECEIVER_POLICY, TEST_KEY_ENCRYPTION_KEY, TEST_METRICS_TOKEN } from "../support/gateway.js";
import { freePort } from "../support/net.js";
import { generateTestKey, type TestKey } from "../support/platform.js";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A platform's loop around one SDK call across a restart: the same call (same Idempotency-Key)
 * again until it is answered, when the SDK's own retries are spent (no answer, 503, or 409 in
 * flight). `onResend` counts the resends.
 */
export async function untilAnswered<T>(call: () => Promise<T>, onResend: () => void = () => {}): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await call();
    } catch (err) {
      const retryable = err instanceof GatewayError && (err.status === 0 || err.status === 503 || err.status === 409);
      if (!retryable || i >= 200) throw err;
      onResend();
      await sleep(300);
    }
  }
}

/** A redis-server of the test's own on a free port, without persistence (as the shared one). */
export interface OwnRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startOwnRedis(dir: string): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if (await canConnect(port)) return;
      await sleep(50);
    }
    throw new Error("redis-server did not start");
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      c.kill("SIGKILL");
      await new Promise((r) => c.once("exit", r));
    },
  };
}

async function canConnect(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

export interface SeededPlatform {
  platformId: string;
  clientId: string;
  key: TestKey;
}

/**
 * The database the gateway processes share: a fresh PostgreSQL database (with DATABASE_URL) or
 * an embedded data directory; platforms are registered before the first start, as the CLI does.
 */
export interface FaultBackend {
  kind: "postgres" | "pglite";
  dir: string;
  env: Record<string, string>;
  redis: OwnRedis | undefined;
  platforms: SeededPlatform[];
  /** A handle on the database; PGlite: only while no gateway process holds the data dir. */
  open(): Promise<Database>;
  close(): Promise<void>;
}

/** options.webhookUrl: one URL for every platform, or each platform's own (by its index). */
export async function createFaultBackend(
  prefix: string,
  platformCount: number,
  options: { webhookUrl?: string | ((platform: number) => string) } = {},
): Promise<FaultBackend> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, "data");
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "warn", METRICS_TOKEN: TEST_METRICS_TOKEN, WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "true" };
  let testDb: TestDatabase | undefined;
  let db: Database;
  let redis: OwnRedis | undefined;
  let env: Record<string, string>;
  if (usingPostgres()) {
    testDb = await createTestDatabase();
    db = testDb.db;
    redis = await startOwnRedis(dir);
    env = { ...base, DATABASE_URL: testDb.url!, REDIS_URL: redis.url, KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY };
  } else {
    db = await openDatabase({ kind: "pglite", dataDir });
    await migrate(db);
    env = { ...base, DATA_DIR: dataDir };
  }
  const platforms: SeededPlatform[] = [];
  for (let i = 0; i < platformCount; i++) {
    const key = await generateTestKey("ES256");
    const created = await createPlatform(
      { db, clock: systemClock, actor: { kind: "cli" }, webhookPolicy: LOCAL_RECEIVER_POLICY },
      {
        name: `${prefix}platform-${i}-${randomBytes(3).toString("hex")}`,
        jwks: { keys: [key.publicJwk as Record<string, unknown>] },
        webhookUrl: typeof options.webhookUrl === "function" ? options.webhookUrl(i) : options.webhookUrl,
      },
    );
    platforms.push({ platformId: created.platformId, clientId: created.clientId, key });
  }
  if (!testDb) await db.close();
  return {
    kind: testDb ? "postgres" : "pglite",
    dir,
    env,
    redis,
    platforms,
    open: async () => (testDb ? testDb.reopen() : openDatabase({ kind: "pglite", dataDir })),
    async close() {
      await redis?.stop();
      await testDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { killableGateway, type KillableGateway } from "../support/gateway-process.js";

/** The platform's SDK client, retrying the way it does by default but patient enough for a restart. */
export async function sdkClient(url: string, p: SeededPlatform, extra: Partial<GatewayClientOptions> = {}): Promise<GatewayClient> {
  return createGatewayClient({
    baseUrl: url,
    clientId: p.clientId,
    privateJwk: { ...(await exportJWK(p.key.privateKey)), kid: p.key.kid },
    retry: { retries: 6, baseDelayMs: 200, maxDelayMs: 1500 },
    requestTimeoutMs: 20_000,
    ...extra,
  });
}

/** Counts of outbox jobs by name and state, from the gateway's /metrics (works on both backends). */
export async function jobCounts(url: string): Promise<Record<string, Record<string, number>>> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
  const out: Record<string, Record<string, number>> = {};
  for (const m of text.matchAll(/^csg_jobs\{job="([^"]+)",state="([^"]+)"\} (\d+)/gm)) {
    (out[m[1]!] ??= {})[m[2]!] = Number(m[3]);
  }
  return out;
}

/**
 * A PostgreSQL cluster of the test's own (initdb in `dir`, a free port, owned by the postgres
 * user as scripts/services.sh does), so it can be stopped and started without touching the
 * cluster other tests share.
 */
export interface OwnPostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

async function run(cmd: string, args: string[]): Promise<void> {
  const c = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  c.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => c.once("exit", r));
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err}`);
}

export async function startOwnPostgres(dir: string): Promise<OwnPostgres> {
  const port = await freePort();
  const pgdata = join(dir, "pg");
  const asPostgres = (bin: string, args: string[]) => run("runuser", ["-u", "postgres", "--", join(PG_BIN, bin), ...args]);
  await run("chown", ["postgres", dir]);
  await asPostgres("initdb", ["-D", pgdata, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
  const start = () =>
    asPostgres("pg_ctl", ["-D", pgdata, "-l", join(dir, "pg.log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=100`, "start"]);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    // Fast shutdown: open sessions are ended (57P01), as in a restart or failover.
    stop: () => asPostgres("pg_ctl", ["-D", pgdata, "-m", "fast", "-w", "stop"]),
  };
}
