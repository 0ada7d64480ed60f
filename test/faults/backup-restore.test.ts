// Backup and restore, on the backend the suite runs on. A gateway (a real process) is filled
// with platforms, merchants, events, classifications, a notice and audit entries (a key
// rotation among them) and a signed audit head; it is backed up while it runs — embedded:
// `npm run cli -- backup` through its admin socket; PostgreSQL: pg_dump -Fc — and restored into
// a fresh data dir / a new database (pg_restore). A fresh gateway on the copy, with the same
// public address (and KEY_ENCRYPTION_KEY on PostgreSQL), must then serve the same thing: the
// audit chain verifies with the same head and against the signed head, the same JWKS, the same
// classes through the regulator and the platform API, tokens the old process signed (with the
// key since retired) still work, and platforms get new tokens with their keys.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { SignJWT } from "jose";
import type { GatewayClient } from "@credit-sandbox/sdk";
import { createRegulatorUser } from "../../src/auth/index.js";
import { systemClock } from "../../src/clock.js";
import { makeUscc } from "../exchange-fixtures.js";
import { runCli } from "../support/cli.js";
import { usingPostgres } from "../support/db.js";
import { createFaultBackend, killableGateway, sdkClient, sleep, startOwnRedis, type FaultBackend, type KillableGateway, type OwnRedis, type SeededPlatform } from "./harness.js";

const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const SHOPS = 5;
const DAY = 86_400_000;

let backend: FaultBackend;
let gw: KillableGateway;
let restored: KillableGateway | undefined;
let restoredRedis: OwnRedis | undefined;
let restoredDbUrl: string | undefined;
const regulator = { username: `backup-admin-${randomBytes(3).toString("hex")}`, password: "" };

beforeAll(async () => {
  backend = await createFaultBackend("csg-backup-", 2);
  const db = await backend.open();
  try {
    const user = await createRegulatorUser({ db, clock: systemClock, actor: { kind: "cli" } }, { username: regulator.username, role: "admin", regionPrefix: "5101" });
    regulator.password = user.password!;
  } finally {
    await db.close();
  }
  gw = await killableGateway(backend.env);
  await gw.start();
}, 120_000);

afterAll(async () => {
  await restored?.stop();
  await gw?.stop();
  await restoredRedis?.stop();
  if (restoredDbUrl) {
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${new URL(restoredDbUrl).pathname.slice(1)} with (force)`);
    await admin.end();
  }
  await backend?.close();
});

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  c.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  c.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => c.on("close", (code) => resolve({ code, out })));
}

/** A platform's access token straight from the token endpoint (the SDK keeps its own inside). */
async function platformToken(url: string, p: SeededPlatform): Promise<string> {
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: "ES256", kid: p.key.kid })
    .setIssuer(p.clientId)
    .setSubject(p.clientId)
    .setAudience(`${url}/oauth/token`)
    .setIssuedAt()
    .setExpirationTime("2m")
    .sign(p.key.privateKey);
  const res = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(regulator) });
  const body = (await res.json()) as { token?: string };
  if (!body.token) throw new Error(`login: ${res.status}`);
  return body.token;
}

const getJson = async (url: string, token: string) => {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function cli(env: Record<string, string>, args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(env, args);
  if (r.code !== 0) throw new Error(`cli ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

interface Seen {
  classes: Map<string, { platform: number; riskClass: unknown }>;
  jwks: unknown;
  auditHead: { seq: number; hash: string };
  signedHead: string;
  platformTokens: string[];
  regulatorToken: string;
  noticeId: string;
}

async function fill(): Promise<Seen> {
  // Tokens signed by the first gateway key, which the rotation retires (an audited change).
  const platformTokens = await Promise.all(backend.platforms.map((p) => platformToken(gw.url, p)));
  await cli(backend.env, ["keys", "rotate"]);
  const clients: GatewayClient[] = await Promise.all(backend.platforms.map((p) => sdkClient(gw.url, p)));
  const entities: { id: string; platform: number }[] = [];
  const now = Date.now();
  for (const [p, client] of clients.entries()) {
    const shops = Array.from({ length: SHOPS }, (_, s) => `b${p}-shop-${s}`);
    const merchants = await client.submitMerchants(
      shops.map((shopId, s) => ({
        shopId,
        name: `备份测试店铺 ${p}-${s}`,
        entityType: "enterprise" as const,
        uscc: makeUscc("510104", 81_000_000 + p * 100 + s),
        regionCode: "510104",
        address: `成都市锦江区红星路 ${p * 100 + s} 号`,
        category: s % 2 === 0 ? "food" : "apparel",
      })),
    );
    for (const r of merchants.results) entities.push({ id: r.entityId!, platform: p });
    // Shop s gets s * 3 complaints: the classes differ between entities.
    const events = shops.flatMap((shopId, s) =>
      Array.from({ length: s * 3 }, (_, i) => ({
        eventId: `${shopId}-c${i}`,
        shopId,
        kind: "complaint" as const,
        occurredAt: new Date(now - (i + 1) * DAY).toISOString(),
        data: { channel: "platform" as const, reason: "商品质量" },
      })),
    );
    const submitted = await client.submitEvents(events);
    expect(submitted.accepted).toBe(events.length);
  }
  // Classification runs in the gateway's jobs: wait until every entity has its class.
  const classes = new Map<string, { platform: number; riskClass: unknown }>();
  for (let i = 0; classes.size < entities.length; i++) {
    if (i > 600) throw new Error("entities were not classified within a minute");
    for (const e of entities) {
      const status = await clients[e.platform]!.getEntity(e.id);
      if (status.riskClass && status.classifiedAt) classes.set(e.id, { platform: e.platform, riskClass: status.riskClass });
    }
    if (classes.size < entities.length) await sleep(100);
  }

  const regulatorToken = await login(gw.url);
  const notice = await fetch(`${gw.url}/v1/regulator/notices`, {
    method: "POST",
    headers: { authorization: `Bearer ${regulatorToken}`, "content-type": "application/json" },
    body: JSON.stringify({ entityId: entities[0]!.id, facts: "备份测试：近30日收到投诉集中，涉及商品质量。" }),
  });
  expect(notice.status).toBe(201);
  const noticeId = ((await notice.json()) as { noticeId: string }).noticeId;

  const signed = await cli(backend.env, ["audit", "head"]);
  const verified = await cli(backend.env, ["audit", "verify"]);
  expect(verified).toMatchObject({ ok: true, head: { seq: signed.seq, hash: signed.hash } });
  // On PostgreSQL the CLI rotated in the database itself: the gateway's key cache follows within its 30 s.
  let jwks: { keys: unknown[] };
  for (let i = 0; ; i++) {
    jwks = (await (await fetch(`${gw.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    if (jwks.keys.length === 2 || i > 100) break;
    await sleep(500);
  }
  expect(jwks.keys).toHaveLength(2);
  return { classes, jwks, auditHead: verified.head as Seen["auditHead"], signedHead: signed.jws as string, platformTokens, regulatorToken, noticeId };
}

describe(`backup and restore (${usingPostgres() ? "PostgreSQL: pg_dump / pg_restore" : "embedded: cli backup / restore"})`, () => {
  let seen: Seen;
  let restoredEnv: Record<string, string>;

  it("fills a running gateway and backs it up while it runs", async () => {
    seen = await fill();
    const file = join(backend.dir, "gateway.backup");
    if (backend.kind === "pglite") {
      // Reads keep coming while the backup is taken: the gateway serves on.
      let reads = 0;
      let stop = false;
      const reader = (async () => {
        while (!stop) {
          expect((await getJson(`${gw.url}/v1/regulator/notices/${seen.noticeId}`, seen.regulatorToken)).status).toBe(200);
          reads++;
        }
      })();
      const summary = await cli(backend.env, ["backup", "--out", file]);
      stop = true;
      await reader;
      expect(summary).toMatchObject({ file, via: "socket", auditHead: seen.auditHead });
      expect(reads).toBeGreaterThan(0);
      expect(readFileSync(file).length).toBe(summary.bytes);
      // While the gateway holds the data dir, nothing else may open it: the snapshot came from the gateway.
      const dataDir = join(backend.dir, "restored");
      const r = await runCli({ ...backend.env }, ["restore", "--from", file, "--data-dir", dataDir]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out).toMatchObject({ auditHeadMatches: true, audit: { ok: true, head: seen.auditHead } });
      restoredEnv = { ...backend.env, DATA_DIR: dataDir };
    } else {
      const refused = await runCli(backend.env, ["backup", "--out", file]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/with DATABASE_URL use pg_dump -Fc and keep KEY_ENCRYPTION_KEY/);
      const dump = await run(join(PG_BIN, "pg_dump"), ["-Fc", "-d", backend.env.DATABASE_URL!, "-f", file]);
      expect(dump.code, dump.out).toBe(0);
      const name = `restored_${randomBytes(5).toString("hex")}`;
      const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      await admin.end();
      const url = new URL(backend.env.DATABASE_URL!);
      url.pathname = `/${name}`;
      restoredDbUrl = url.toString();
      const restore = await run(join(PG_BIN, "pg_restore"), ["--no-owner", "--exit-on-error", "-d", restoredDbUrl, file]);
      expect(restore.code, restore.out).toBe(0);
      // Redis holds only copies of jobs the outbox in PostgreSQL records: the copy starts with an empty one.
      restoredRedis = await startOwnRedis(backend.dir);
      restoredEnv = { ...backend.env, DATABASE_URL: restoredDbUrl, REDIS_URL: restoredRedis.url };
    }
  }, 180_000);

  it("a fresh gateway on the copy serves the same audit chain, keys and data", async () => {
    await gw.stop();
    // Same public address (issuer): the tokens the old process issued name it.
    const port = new URL(gw.url).port;
    restored = await killableGateway(restoredEnv, { PORT: port, ISSUER: gw.url });
    await restored.start();
    const url = gw.url;

    expect(await cli(restoredEnv, ["audit", "verify"])).toMatchObject({ ok: true, head: seen.auditHead });
    const head = await cli(restoredEnv, ["audit", "verify", "--head", seen.signedHead]);
    expect(head).toMatchObject({ ok: true, head: { seq: seen.auditHead.seq, hash: seen.auditHead.hash } });

    expect(await (await fetch(`${url}/.well-known/jwks.json`)).json()).toEqual(seen.jwks);
    // Against a JWKS fetched from the gateway's address; against one that lacks the key, it fails.
    expect(await cli(restoredEnv, ["audit", "verify", "--head", seen.signedHead, "--jwks", `${url}/.well-known/jwks.json`])).toMatchObject({ ok: true });
    const strangers = join(backend.dir, "strangers.jwks.json");
    writeFileSync(strangers, JSON.stringify({ keys: backend.platforms.map((p) => p.key.publicJwk) }));
    const refused = await runCli(restoredEnv, ["audit", "verify", "--head", seen.signedHead, "--jwks", strangers]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, problem: "unknown_key" });

    // The regulator's session from before the backup, and a new login.
    for (const token of [seen.regulatorToken, await login(url)]) {
      for (const [entityId, { riskClass }] of seen.classes) {
        const profile = await getJson(`${url}/v1/regulator/entities/${entityId}`, token);
        expect(profile.status).toBe(200);
        expect(profile.body.riskClass).toEqual(riskClass);
      }
      expect((await getJson(`${url}/v1/regulator/notices/${seen.noticeId}`, token)).body).toMatchObject({ noticeId: seen.noticeId });
    }

    // Platform tokens the old process signed with the key since retired still verify...
    for (const [entityId, { platform, riskClass }] of seen.classes) {
      const status = await getJson(`${url}/v1/entities/${entityId}`, seen.platformTokens[platform]!);
      expect(status.status).toBe(200);
      expect(status.body.riskClass).toEqual(riskClass);
    }
    // ...and the platforms get new ones (signed by the restored active key) with their own keys.
    for (const [p, platform] of backend.platforms.entries()) {
      const client = await sdkClient(url, platform);
      const mine = [...seen.classes].filter(([, v]) => v.platform === p);
      for (const [entityId, { riskClass }] of mine) expect((await client.getEntity(entityId)).riskClass).toEqual(riskClass);
      const submitted = await client.submitEvents([
        { eventId: `after-restore-${p}`, shopId: `b${p}-shop-0`, kind: "complaint", occurredAt: new Date().toISOString(), data: { channel: "platform" as const, reason: "恢复后" } },
      ]);
      expect(submitted.accepted).toBe(1);
    }
  }, 180_000);

  it.skipIf(usingPostgres())("with no gateway running, the CLI takes the snapshot itself", async () => {
    // The first gateway was stopped above; its data dir is as the backup left it.
    const file = join(backend.dir, "offline.backup");
    expect(await cli(backend.env, ["backup", "--out", file])).toMatchObject({ via: "direct", auditHead: seen.auditHead });
    const r = await cli(backend.env, ["restore", "--from", file, "--data-dir", join(backend.dir, "offline")]);
    expect(r).toMatchObject({ auditHeadMatches: true, audit: { ok: true, head: seen.auditHead } });
  }, 60_000);

  it.skipIf(usingPostgres())("restore refuses a non-empty data dir and a damaged backup", async () => {
    const file = join(backend.dir, "gateway.backup");
    const dataDir = restoredEnv.DATA_DIR!;
    const busy = await runCli(backend.env, ["restore", "--from", file, "--data-dir", dataDir]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/is not empty: restore only into a new or empty data directory/);

    const damaged = readFileSync(file);
    damaged[Math.floor(damaged.length / 2)]! ^= 0xff;
    const bad = join(backend.dir, "damaged.backup");
    writeFileSync(bad, damaged);
    const r = await runCli(backend.env, ["restore", "--from", bad, "--data-dir", join(backend.dir, "other")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/damaged|not a gateway backup/);
  }, 60_000);
});
