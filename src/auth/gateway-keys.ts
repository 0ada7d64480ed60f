// The gateway's own ES256 signing keys: created on first start, rotated by the operator, kept
// in gateway_key with the private JWK sealed under the KEK. Exactly one key is active; retired
// keys stay published until publish_until (receipts are evidence, so the default is 10 years);
// revoked keys are never published and verify nothing from the moment the process reloads
// (at once in the process that revoked, within the cache TTL in the others). Keys are cached in
// memory for a short while so signing and verifying cost no query per request; another
// process's rotation is seen within the TTL.
import { randomBytes } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { appendAudit } from "../audit/index.js";
import type { Clock } from "../clock.js";
import type { Database, Tx } from "../db/client.js";
import { gatewayKey } from "../db/schema/gateway-key.js";
import { AppError } from "../http/errors.js";
import { checkedReason } from "../http/reason.js";
import { actorLabel, type Actor } from "./actor.js";
import { authorize, cityWide, regulator } from "./authorize.js";
import { decryptWithKek, encryptWithKek } from "./key-encryption.js";

export const GATEWAY_ALG = "ES256";
/** pg_advisory_xact_lock key for creating/rotating gateway keys: ASCII "GWKEY". */
const GATEWAY_KEY_LOCK = 0x47574b4559;
export const DEFAULT_RETENTION_MS = 10 * 365 * 24 * 3600 * 1000;
const CACHE_TTL_MS = 30_000;
/** An unknown kid may trigger a reload, but at most this often (random kids must not cost a query each). */
const MISS_RELOAD_MS = 1_000;

export interface GatewayKeyView {
  kid: string;
  alg: string;
  status: "active" | "retired" | "revoked";
  createdAt: string;
  retiredAt: string | null;
  revokedAt: string | null;
  publishUntil: string | null;
}

export interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
}

interface PublishedKey {
  jwk: JWK;
  key: CryptoKey;
  /** Null while active; when retired, the instant after which it signed nothing. */
  retiredAt: Date | null;
}

interface Loaded {
  at: number;
  active: ActiveKey | undefined;
  published: Map<string, PublishedKey>;
}

export interface GatewayKeysDeps {
  db: Database;
  clock: Clock;
  kek: () => Buffer;
  retentionMs?: number;
  /** How long a loaded key set is fresh (default 30 s; tests shorten it). */
  cacheTtlMs?: number;
}

export interface GatewayKeys {
  /** Creates the first key unless one is active (safe when several processes start at once). */
  ensureActive(): Promise<void>;
  active(): Promise<ActiveKey>;
  /** A published (active or retired, not revoked, not past publish_until) key by kid. */
  publicKey(kid: string): Promise<CryptoKey | undefined>;
  /** The same, with when it was retired (null while active): tokens check their iat against it. */
  verificationKey(kid: string): Promise<{ key: CryptoKey; retiredAt: Date | null } | undefined>;
  jwks(): Promise<{ keys: JWK[] }>;
  rotate(ctx: { actor: Actor }): Promise<{ kid: string; retired: string[] }>;
  /** Revokes a key (a compromised one); the active key is replaced by a new one in the same step. */
  revoke(ctx: { actor: Actor }, input: { kid: string; reason: string }): Promise<{ kid: string; status: "revoked"; activeKid: string }>;
  list(ctx: { actor: Actor }): Promise<GatewayKeyView[]>;
  invalidate(): void;
}

export function createGatewayKeys(deps: GatewayKeysDeps): GatewayKeys {
  let cache: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;
  let lastMissReload = 0;
  const retentionMs = deps.retentionMs ?? DEFAULT_RETENTION_MS;

  async function load(): Promise<Loaded> {
    const now = deps.clock.now();
    const rows = await deps.db.orm.select().from(gatewayKey);
    const published = new Map<string, PublishedKey>();
    let active: ActiveKey | undefined;
    for (const r of rows) {
      if (r.status === "revoked") continue;
      if (r.status === "retired" && r.publishUntil && r.publishUntil.getTime() <= now.getTime()) continue;
      const jwk = r.publicJwk as JWK;
      published.set(r.kid, { jwk, key: (await importJWK(jwk, r.alg)) as CryptoKey, retiredAt: r.status === "retired" ? (r.retiredAt ?? new Date(0)) : null });
      if (r.status === "active") {
        const priv = JSON.parse(decryptWithKek(deps.kek(), r.privateJwkEncrypted, r.kid)) as JWK;
        active = { kid: r.kid, privateKey: (await importJWK(priv, r.alg)) as CryptoKey };
      }
    }
    return { at: Date.now(), active, published };
  }

  const ttl = deps.cacheTtlMs ?? CACHE_TTL_MS;
  const startLoad = (): Promise<Loaded> =>
    (loading ??= load()
      .then((loaded) => (cache = loaded))
      .finally(() => (loading = undefined)));

  // Wall time (not the injected clock) drives the cache: it is about freshness, not business time.
  // Past its TTL a loaded set is still served while a reload runs in the background, never
  // awaited: callers sign inside transactions (notices, receipts), and on the embedded database
  // a reload would queue behind the caller's own transaction on its single connection and wait
  // for it forever. Only a first load, or a forced one (unknown kid), is awaited.
  async function current(force = false): Promise<Loaded> {
    if (cache && !force) {
      if (Date.now() - cache.at >= ttl) startLoad().catch(() => {}); // a failed refresh keeps the old set; the next call retries
      return cache;
    }
    return startLoad();
  }

  async function newKeyRow(tx: Tx, now: Date) {
    const { publicKey, privateKey } = await generateKeyPair(GATEWAY_ALG, { extractable: true });
    const kid = `gw-${now.toISOString().slice(0, 10)}-${randomBytes(6).toString("hex")}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: GATEWAY_ALG, use: "sig" };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: GATEWAY_ALG };
    await tx.insert(gatewayKey).values({
      kid,
      alg: GATEWAY_ALG,
      publicJwk,
      privateJwkEncrypted: encryptWithKek(deps.kek(), JSON.stringify(privateJwk), kid),
      status: "active",
      createdAt: now,
    });
    return kid;
  }

  async function published(kid: string): Promise<PublishedKey | undefined> {
    let loaded = await current();
    if (!loaded.published.has(kid) && Date.now() - lastMissReload > MISS_RELOAD_MS) {
      lastMissReload = Date.now();
      loaded = await current(true);
    }
    return loaded.published.get(kid);
  }

  const lock = (tx: Tx) => tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(GATEWAY_KEY_LOCK))})`);

  return {
    async ensureActive() {
      await deps.db.transaction(async (tx) => {
        await lock(tx);
        const [existing] = await tx.select({ kid: gatewayKey.kid }).from(gatewayKey).where(eq(gatewayKey.status, "active")).limit(1);
        if (!existing) await newKeyRow(tx, deps.clock.now());
      });
      // Fails here, at start, when the KEK cannot open the active key.
      const loaded = await current(true);
      if (!loaded.active) throw new Error("no active gateway key after start");
    },
    async active() {
      const loaded = await current();
      if (!loaded.active) throw new Error("no active gateway key; was auth.start() called?");
      return loaded.active;
    },
    async publicKey(kid) {
      return (await published(kid))?.key;
    },
    async verificationKey(kid) {
      const found = await published(kid);
      return found && { key: found.key, retiredAt: found.retiredAt };
    },
    async jwks() {
      const loaded = await current();
      return { keys: [...loaded.published.values()].map((p) => p.jwk) };
    },
    async rotate(ctx) {
      authorize(ctx.actor, cityWide("admin"));
      const now = deps.clock.now();
      const result = await deps.db.transaction(async (tx) => {
        await lock(tx);
        const retired = await tx
          .update(gatewayKey)
          .set({ status: "retired", retiredAt: now, publishUntil: new Date(now.getTime() + retentionMs) })
          .where(and(eq(gatewayKey.status, "active")))
          .returning({ kid: gatewayKey.kid });
        const kid = await newKeyRow(tx, now);
        await appendAudit(tx, deps.clock, {
          actor: actorLabel(ctx.actor),
          action: "gateway.key.rotate",
          subjectType: "gateway_key",
          subjectId: kid,
          data: { retired: retired.map((r) => r.kid), publishUntil: new Date(now.getTime() + retentionMs).toISOString() },
        });
        return { kid, retired: retired.map((r) => r.kid) };
      });
      // Reloaded here, outside any transaction, so the next signature uses the new key at once.
      await current(true);
      return result;
    },
    async revoke(ctx, input) {
      authorize(ctx.actor, cityWide("admin"));
      const reason = checkedReason(input.reason);
      const now = deps.clock.now();
      const result = await deps.db.transaction(async (tx) => {
        await lock(tx);
        const [key] = await tx.select().from(gatewayKey).where(eq(gatewayKey.kid, input.kid));
        if (!key) throw new AppError("NOT_FOUND", "no such gateway key");
        const replaced = key.status === "active" ? await newKeyRow(tx, now) : undefined;
        if (key.status !== "revoked") {
          await tx.update(gatewayKey).set({ status: "revoked", revokedAt: now }).where(eq(gatewayKey.kid, input.kid));
          await appendAudit(tx, deps.clock, {
            actor: actorLabel(ctx.actor),
            action: "gateway.key.revoke",
            subjectType: "gateway_key",
            subjectId: input.kid,
            data: { reason, previousStatus: key.status, replacedBy: replaced ?? null },
          });
        }
        const [active] = await tx.select({ kid: gatewayKey.kid }).from(gatewayKey).where(eq(gatewayKey.status, "active")).limit(1);
        return { kid: input.kid, status: "revoked" as const, activeKid: active!.kid };
      });
      // Reloaded here, outside any transaction: from now on this process verifies nothing with it.
      await current(true);
      return result;
    },
    async list(ctx) {
      authorize(ctx.actor, regulator("admin"));
      const rows = await deps.db.orm.select().from(gatewayKey).orderBy(desc(gatewayKey.createdAt));
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        status: r.status,
        createdAt: r.createdAt.toISOString(),
        retiredAt: iso(r.retiredAt),
        revokedAt: iso(r.revokedAt),
        publishUntil: iso(r.publishUntil),
      }));
    },
    /** The next read reloads and waits for it (operators and tests; never call it inside a transaction). */
    invalidate() {
      cache = undefined;
    },
  };
}
