// The operator CLI as operators run it: `node --import tsx src/cli.ts ...` in its own process,
// against a temporary DATA_DIR (embedded PGlite) or, when DATABASE_URL is set, a fresh
// PostgreSQL database. Then with a gateway process running on the same database: on PGlite
// the CLI goes through the gateway's admin socket (the data dir is locked), and the gateway
// accepts tokens for the platform the CLI just added.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient } from "@credit-sandbox/sdk";
import { createTestDatabase, usingPostgres, type TestDatabase } from "./support/db.js";
import { freePort } from "./support/net.js";
import { TEST_KEY_ENCRYPTION_KEY } from "./support/gateway.js";

const dir = mkdtempSync(join(tmpdir(), "csg-cli-"));
const dataDir = join(dir, "data");
let testDb: TestDatabase | undefined;
let env: Record<string, string>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], stdin?: string): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

const json = <T = Record<string, unknown>>(run: Run): T => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};

async function keyFiles(name: string, kid: string): Promise<{ jwksFile: string; jwkFile: string; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid };
  const jwksFile = join(dir, `${name}.jwks.json`);
  const jwkFile = join(dir, `${name}.jwk.json`);
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
  writeFileSync(jwkFile, JSON.stringify(publicJwk));
  return { jwksFile, jwkFile, privateJwk: { ...(await exportJWK(privateKey)), kid } };
}

beforeAll(async () => {
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "silent" };
  if (usingPostgres()) {
    testDb = await createTestDatabase();
    env = { ...base, DATABASE_URL: testDb.url!, KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY };
  } else {
    env = { ...base, DATA_DIR: dataDir };
  }
});

afterAll(async () => {
  await testDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("operator CLI", () => {
  it("adds a platform (JSON with platformId and clientId), a regulator with a piped password, and verifies the audit chain", async () => {
    const k = await keyFiles("alpha", "alpha-1");
    const added = json<{ platformId: string; clientId: string; webhookUrl: string; scopes: string[]; keys: Array<{ kid: string }> }>(
      await cli(["platform", "add", "--name", "Alpha Mall", "--jwks", k.jwksFile, "--webhook-url", "https://alpha.example/hooks", "--scopes", "events:write,feed:read"]),
    );
    expect(added).toMatchObject({ name: "Alpha Mall", webhookUrl: "https://alpha.example/hooks", scopes: ["events:write", "feed:read"], keys: [{ kid: "alpha-1" }] });
    expect(added.platformId).toMatch(/^[0-9a-f-]{36}$/);
    expect(added.clientId).toMatch(/^plt_/);

    const reg = await cli(["regulator", "add", "--name", "jinjiang-officer", "--role", "officer", "--region", "510104"], "correct horse battery staple\n");
    expect(json(reg)).toMatchObject({ username: "jinjiang-officer", role: "officer", regionPrefix: "510104" });
    expect(reg.stdout).not.toContain("password"); // chosen by the operator: never echoed

    const audit = json<{ ok: boolean; count: number; head: { seq: number; hash: string } }>(await cli(["audit", "verify"]));
    expect(audit).toMatchObject({ ok: true, count: 2 });
    const anchored = await cli(["audit", "verify", "--expected-head", `${audit.head.seq}:${audit.head.hash}`]);
    expect(json(anchored)).toMatchObject({ ok: true });
  }, 180_000);

  it("opens and finishes a platform's backfill (the finish prints the run it started)", async () => {
    const { platforms } = json<{ platforms: Array<{ platformId: string; name: string }> }>(await cli(["platform", "list"]));
    const { platformId } = platforms.find((p) => p.name === "Alpha Mall")!;
    expect(json(await cli(["platform", "backfill", "start", "--platform", platformId, "--reason", "接入历史数据"]))).toMatchObject({ platformId, open: true, runId: null });
    const finished = json<{ runId: string; platforms: Array<{ open: boolean; runId: string }> }>(
      await cli(["platform", "backfill", "finish", "--platform", platformId, "--reason", "历史数据已接入"]),
    );
    expect(finished.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(finished.platforms).toEqual([{ platformId, open: false, since: null, runId: finished.runId }]);
  }, 180_000);

  it("refuses bad usage (exit 2) and refused commands (exit 1, problem code) without a stack trace", async () => {
    const usage = await cli(["platform", "add", "--name", "X"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--jwks is required");
    const typo = await cli(["platform", "list", "--verbose"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown option: --verbose");
    const dup = await cli(["platform", "add", "--name", "Alpha Mall", "--jwks", (await keyFiles("dup", "dup-1")).jwksFile]);
    expect(dup.code).toBe(1);
    expect(JSON.parse(dup.stderr)).toMatchObject({ error: { code: "CONFLICT", status: 409 } });
  }, 180_000);
});

function startGateway(port: number): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...env, PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

const listening = (child: ReturnType<typeof startGateway>) =>
  new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(child.output());
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => reject(new Error(`gateway exited ${code}: ${child.output()}`)));
  });

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

describe("operator CLI while the gateway runs on the same database", () => {
  let gateway: ReturnType<typeof startGateway>;
  let url: string;

  beforeAll(async () => {
    gateway = startGateway(await freePort());
    url = await listening(gateway);
  }, 120_000);

  afterAll(async () => {
    if (gateway.exitCode === null) {
      gateway.kill("SIGTERM");
      await exited(gateway);
    }
  });

  it("adds a platform (through the admin socket on PGlite) and the gateway then issues it a token", async () => {
    if (!usingPostgres()) {
      const socket = join(dataDir, "admin.sock");
      expect(statSync(socket).isSocket()).toBe(true);
      expect(statSync(socket).mode & 0o777).toBe(0o600);
    }
    const k = await keyFiles("beta", "beta-1");
    const run = await cli(["platform", "add", "--name", "Beta Market", "--jwks", k.jwksFile]);
    const added = json<{ platformId: string; clientId: string }>(run);
    if (!usingPostgres()) expect(run.stderr).toContain("admin socket");

    const client = createGatewayClient({ baseUrl: url, clientId: added.clientId, privateJwk: k.privateJwk });
    expect(await client.accessToken()).toMatch(/^ey/);
    expect((await client.feed.page()).messages).toEqual([]);

    // Keys: add the next, retire and revoke; the gateway sees each change.
    const next = await keyFiles("beta-next", "beta-2");
    expect(json(await cli(["platform", "key", "add", "--platform", added.platformId, "--jwk", next.jwkFile]))).toMatchObject({ kid: "beta-2", status: "active" });
    expect(json(await cli(["platform", "key", "retire", "--platform", added.platformId, "--kid", "beta-1", "--reason", "rotated"]))).toMatchObject({ kid: "beta-1", status: "retired" });
    const rotated = createGatewayClient({ baseUrl: url, clientId: added.clientId, privateJwk: next.privateJwk });
    expect(await rotated.accessToken()).toMatch(/^ey/);
    const retiredKey = createGatewayClient({ baseUrl: url, clientId: added.clientId, privateJwk: k.privateJwk });
    await expect(retiredKey.accessToken()).rejects.toMatchObject({ code: "invalid_client" });
    expect(json(await cli(["platform", "key", "revoke", "--platform", added.platformId, "--kid", "beta-2", "--reason", "leaked"]))).toMatchObject({ status: "revoked" });
    const revoked = createGatewayClient({ baseUrl: url, clientId: added.clientId, privateJwk: next.privateJwk });
    await expect(revoked.accessToken()).rejects.toMatchObject({ code: "invalid_client" });

    const list = json<{ platforms: Array<{ name: string }> }>(await cli(["platform", "list"]));
    expect(list.platforms.map((p) => p.name)).toEqual(["Alpha Mall", "Beta Market"]);
  }, 180_000);

  it("creates a regulator with a generated password (printed once) who can log in, and rotates the gateway key", async () => {
    const reg = json<{ username: string; password: string }>(await cli(["regulator", "add", "--name", "city-admin", "--role", "admin", "--region", "5101", "--display-name", "City admin"]));
    expect(reg.password.length).toBeGreaterThanOrEqual(12);
    const login = await fetch(`${url}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "city-admin", password: reg.password }) });
    expect(login.status).toBe(200);

    const before = ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    const rotated = json<{ kid: string; retired: string[] }>(await cli(["keys", "rotate"]));
    expect(rotated.retired).toEqual(before);
    if (!usingPostgres()) {
      // Through the socket the running gateway's own key store rotated: published at once.
      const after = ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
      expect(after).toEqual(expect.arrayContaining([rotated.kid, ...before]));
    }
    expect(json(await cli(["audit", "verify"]))).toMatchObject({ ok: true });
  }, 180_000);

  it.skipIf(usingPostgres())("removes the socket on shutdown; then the CLI opens the data dir itself, and refuses a dir held by a silent process", async () => {
    gateway.kill("SIGTERM");
    expect(await exited(gateway)).toBe(0);
    expect(existsSync(join(dataDir, "admin.sock"))).toBe(false);
    const direct = await cli(["platform", "list"]);
    expect(json<{ platforms: unknown[] }>(direct).platforms).toHaveLength(2);
    expect(direct.stderr).not.toContain("admin socket");

    // A live process holds the lock but serves no socket (e.g. an older gateway): refuse, change nothing.
    writeFileSync(join(dataDir, "gateway.pid"), String(process.pid));
    try {
      const busy = await cli(["platform", "add", "--name", "Gamma", "--jwks", (await keyFiles("gamma", "gamma-1")).jwksFile]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`held by process ${process.pid}`);
      expect(busy.stderr).toContain("Nothing was changed");
    } finally {
      rmSync(join(dataDir, "gateway.pid"), { force: true });
    }
  }, 180_000);
});
