// The one place the environment is read. Everything else receives a validated Config.
// Refuses to start on bad values with a message that names the variable; never invents a secret.
import { resolve } from "node:path";
import type { OutboundPolicy } from "./http/outbound-address.js";
import type { HttpServerLimits } from "./http/server-limits.js";

export type Role = "api" | "worker" | "all";
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  port: number;
  host: string;
  /** Real PostgreSQL when set; otherwise the embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  /** Bull on Redis when set; otherwise jobs run in-process from the outbox. */
  redisUrl: string | undefined;
  dataDir: string;
  role: Role;
  /**
   * Public base URL: the OAuth issuer, token audience and the base of merchant links. When
   * ISSUER is unset the gateway derives it from the address it actually bound (so PORT=0 works).
   */
  issuer: string | undefined;
  logLevel: LogLevel;
  /** Largest request body accepted, in bytes (the spec states the same figure). */
  bodyLimitBytes: number;
  /** What one client may hold of the HTTP server (HTTP_*): timeouts, header sizes, connections. */
  http: HttpServerLimits;
  /**
   * Key that encrypts the gateway's private signing keys at rest (32 bytes, base64).
   * Required with DATABASE_URL; on the embedded default a random key is kept in dataDir.
   */
  keyEncryptionKey: string | undefined;
  /**
   * The operator credential (a bearer token) for /metrics and the readiness details. Unset:
   * /metrics answers 404 and /readyz gives its bare status only.
   */
  metricsToken: string | undefined;
  /**
   * Where platform webhooks may point. Production: https to public addresses only;
   * WEBHOOK_ALLOW_HTTP / WEBHOOK_ALLOW_PRIVATE_ADDRESSES are development switches.
   */
  webhookPolicy: OutboundPolicy;
  /**
   * The header a reverse proxy in front of the gateway sets to the client's address (e.g.
   * x-forwarded-for; its rightmost entry is taken). Unset: the TCP peer is the client. Set it
   * only when such a proxy exists, since clients can send any header.
   */
  trustedProxyHeader: string | undefined;
  /**
   * Webhook retries (WEBHOOK_RETRY_*): tries in all, the first wait and the longest wait; the
   * waits double (with jitter) until the longest. The default spans about a day.
   */
  webhookRetry: { maxAttempts: number; backoffMs: number; maxBackoffMs: number };
  /** How often the gateway signs the audit chain's head (AUDIT_HEAD_INTERVAL_MINUTES; 0 = only on demand). */
  auditHeadIntervalMs: number;
  /**
   * How long a request to classify an entity again waits for more of the same entity's
   * (RESCORE_COALESCE_MS; 0, the default: none): a merchant record and its events a second later
   * are then classified once. One to two windows are added to the time from an event to its class.
   */
  rescoreCoalesceMs: number;
  /** Max concurrent jobs a worker runs per queue. */
  workerConcurrency: number;
  /** Notice periods and delivery retries (NOTICE_*); see src/notices/options.ts. */
  notices: {
    defaultDueDays: number;
    reminderBeforeMs: number;
    linkGraceMs: number;
    deliveryRetryMs: number;
    deliveryMaxAttempts: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const ROLES: readonly Role[] = ["api", "worker", "all"];
const LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(", ")} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };
  const flag = (name: string): boolean => {
    const raw = str(name);
    if (raw === undefined || raw === "false" || raw === "0") return false;
    if (raw === "true" || raw === "1") return true;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return false;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) problems.push(`${name} must use ${protocols.join(" or ")}`);
    } catch {
      // Never echo the value: connection URLs carry passwords.
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const port = int("PORT", 8080, 0, 65535);
  const host = str("HOST") ?? "127.0.0.1";
  const databaseUrl = url("DATABASE_URL", ["postgres:", "postgresql:"]);
  const redisUrl = url("REDIS_URL", ["redis:", "rediss:"]);
  const role = oneOf("ROLE", ROLES, "all");
  const issuer = url("ISSUER", ["http:", "https:"])?.replace(/\/+$/, "");
  const keyEncryptionKey = str("KEY_ENCRYPTION_KEY");
  if (keyEncryptionKey !== undefined && Buffer.from(keyEncryptionKey, "base64").length !== 32) {
    problems.push("KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)");
  }
  const metricsToken = str("METRICS_TOKEN");
  if (metricsToken !== undefined && !/^[\x21-\x7e]{32,512}$/.test(metricsToken)) {
    problems.push("METRICS_TOKEN must be 32-512 printable characters without spaces (openssl rand -hex 32)");
  }
  const trustedProxyHeader = str("TRUSTED_PROXY_HEADER")?.toLowerCase();
  if (trustedProxyHeader !== undefined && !/^[a-z0-9-]{1,64}$/.test(trustedProxyHeader)) {
    problems.push("TRUSTED_PROXY_HEADER must be a header name such as x-forwarded-for or x-real-ip");
  }
  if (databaseUrl !== undefined && keyEncryptionKey === undefined) {
    problems.push("KEY_ENCRYPTION_KEY is required with DATABASE_URL (the gateway's private keys are encrypted with it)");
  }
  const http: HttpServerLimits = {
    headersTimeoutMs: int("HTTP_HEADERS_TIMEOUT_MS", 20_000, 100, 600_000),
    requestTimeoutMs: int("HTTP_REQUEST_TIMEOUT_MS", 300_000, 100, 3_600_000),
    keepAliveTimeoutMs: int("HTTP_KEEP_ALIVE_TIMEOUT_MS", 5_000, 100, 600_000),
    body: {
      idleMs: int("HTTP_BODY_TIMEOUT_MS", 15_000, 100, 600_000),
      minBytesPerSecond: int("HTTP_BODY_MIN_BYTES_PER_SECOND", 65_536, 0, 1 << 30),
    },
    writeStallTimeoutMs: int("HTTP_WRITE_STALL_TIMEOUT_MS", 30_000, 100, 600_000),
    maxHeaderBytes: int("HTTP_MAX_HEADER_BYTES", 16_384, 1_024, 1 << 20),
    maxHeadersCount: int("HTTP_MAX_HEADERS", 100, 10, 2_000),
    // Behind a reverse proxy every connection comes from the proxy's address: no cap by default.
    maxConnectionsPerAddress: int("HTTP_MAX_CONNECTIONS_PER_ADDRESS", trustedProxyHeader === undefined ? 256 : 0, 0, 1_000_000),
  };
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    problems.push("HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)");
  }
  if (http.body.idleMs >= http.requestTimeoutMs) {
    problems.push("HTTP_BODY_TIMEOUT_MS must be below HTTP_REQUEST_TIMEOUT_MS, so a slow body gets its 408 answer before the request timeout closes the connection");
  }
  if (role !== "all" && (databaseUrl === undefined || redisUrl === undefined)) {
    problems.push(`ROLE=${role} splits api and worker processes, which needs DATABASE_URL and REDIS_URL`);
  }

  const config: Config = {
    port,
    host,
    databaseUrl,
    redisUrl,
    dataDir: resolve(str("DATA_DIR") ?? ".data"),
    role,
    issuer,
    logLevel: oneOf("LOG_LEVEL", LEVELS, "info"),
    bodyLimitBytes: int("BODY_LIMIT_BYTES", 10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    http,
    keyEncryptionKey,
    metricsToken,
    trustedProxyHeader,
    webhookPolicy: { allowHttp: flag("WEBHOOK_ALLOW_HTTP"), allowPrivateAddresses: flag("WEBHOOK_ALLOW_PRIVATE_ADDRESSES") },
    webhookRetry: {
      maxAttempts: int("WEBHOOK_RETRY_ATTEMPTS", 24, 1, 100),
      backoffMs: int("WEBHOOK_RETRY_BASE_SECONDS", 30, 1, 3600) * 1000,
      maxBackoffMs: int("WEBHOOK_RETRY_MAX_DELAY_MINUTES", 120, 1, 24 * 60) * 60_000,
    },
    workerConcurrency: int("WORKER_CONCURRENCY", 4, 1, 256),
    auditHeadIntervalMs: int("AUDIT_HEAD_INTERVAL_MINUTES", 60, 0, 7 * 24 * 60) * 60_000,
    rescoreCoalesceMs: int("RESCORE_COALESCE_MS", 0, 0, 60_000),
    notices: {
      defaultDueDays: int("NOTICE_DUE_DAYS", 15, 1, 365),
      reminderBeforeMs: int("NOTICE_REMINDER_HOURS", 72, 0, 24 * 365) * 3_600_000,
      linkGraceMs: int("NOTICE_LINK_GRACE_DAYS", 30, 0, 3650) * 86_400_000,
      deliveryRetryMs: int("NOTICE_DELIVERY_RETRY_MINUTES", 60, 1, 7 * 24 * 60) * 60_000,
      deliveryMaxAttempts: int("NOTICE_DELIVERY_ATTEMPTS", 5, 1, 50),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
