// The SDK as platforms get it: `npm pack` the workspace package, install the tarball into a
// scratch project outside the repo (its only dependencies from the registry or npm's cache),
// type-check a consumer script against the packed declarations and run it against a real
// gateway: token, merchant and event batches, receipt check, feed, webhook verification.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSpec } from "../src/http/spec.js";
import { projectRoot } from "../src/paths.js";
import { makeUscc } from "./exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { freePort } from "./support/net.js";
import { onboardPlatform } from "./support/platform.js";

const run = promisify(execFile);
const sdkDir = join(projectRoot(), "sdk");
const fixtureDir = join(projectRoot(), "test", "fixtures", "sdk-consumer");
const tscBin = join(projectRoot(), "node_modules", "typescript", "bin", "tsc");

/** The environment without npm's per-invocation settings (set when this runs under `npm test`). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

let scratch: string;
let tarball: string;
let gw: TestGateway | undefined;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "csg-sdk-consumer-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: sdkDir, env: cleanEnv(), timeout: 120_000 });
  const packed = JSON.parse(stdout.slice(stdout.indexOf("["))) as Array<{ filename: string }>;
  tarball = join(scratch, packed[0]!.filename.replace(/^.*\//, ""));
}, 150_000);

afterAll(async () => {
  await gw?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the packed SDK", () => {
  it("carries the spec's version, built ESM and declarations, and depends only on jose and openapi-fetch", async () => {
    const manifest = JSON.parse(readFileSync(join(sdkDir, "package.json"), "utf8")) as { version: string };
    expect(manifest.version).toBe((loadSpec().document.info as { version: string }).version);

    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.split("\n").filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(["package/package.json", "package/README.md", "package/dist/index.js", "package/dist/index.d.ts", "package/dist/generated/openapi.d.ts"]));
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files.filter((f) => f.includes(".test."))).toEqual([]);

    const packedManifest = JSON.parse((await run("tar", ["-xzOf", tarball, "package/package.json"])).stdout) as Record<string, Record<string, string>>;
    expect(Object.keys(packedManifest.dependencies ?? {}).sort()).toEqual(["jose", "openapi-fetch"]);
    expect(packedManifest.engines?.node).toBe(">=18");
    // A consumer's type-check must not need Node's types for the SDK's own declarations.
    const declarations = files.filter((f) => f.endsWith(".d.ts"));
    for (const f of declarations) {
      const text = (await run("tar", ["-xzOf", tarball, f], { maxBuffer: 8 * 1024 * 1024 })).stdout;
      expect(text, f).not.toMatch(/\bBuffer\b|NodeJS\.|from "node:/);
    }
  });

  it("installs into a project outside the repo, type-checks and runs against a real gateway", async () => {
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "platform-integration", private: true, type: "module" }, null, 2));
    for (const f of readdirSync(fixtureDir)) copyFileSync(join(fixtureDir, f), join(scratch, f));
    // npm's cache already holds what `npm ci` fetched for the repo; the registry serves the rest.
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, "@types/node@20"], { cwd: scratch, env: cleanEnv(), timeout: 180_000 });
    const installed = readdirSync(join(scratch, "node_modules")).sort();
    expect(installed).toEqual(expect.arrayContaining(["@credit-sandbox", "jose", "openapi-fetch"]));
    expect(installed).not.toContain("hono");
    expect(installed).not.toContain("@electric-sql");

    await run(process.execPath, [tscBin, "-p", "tsconfig.json"], { cwd: scratch, timeout: 120_000 });

    gw = await startTestGateway();
    const webhookPort = await freePort();
    const platform = await onboardPlatform(gw, { name: "外部集成测试平台", webhookUrl: `http://127.0.0.1:${webhookPort}/gateway-webhooks` });
    const key = platform.keys[0]!;
    const privateJwk = { ...(await exportJWK(key.privateKey)), kid: key.kid };
    const uscc = makeUscc("510104");

    const { stdout } = await run(process.execPath, [join(scratch, "out", "consumer.js")], {
      cwd: scratch,
      timeout: 90_000,
      env: cleanEnv({ GATEWAY_URL: gw.url, CLIENT_ID: platform.clientId, PRIVATE_JWK: JSON.stringify(privateJwk), WEBHOOK_PORT: String(webhookPort), USCC: uscc }),
    });
    const summary = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(summary).toMatchObject({
      tokenObtained: true,
      merchantsAccepted: 1,
      eventsAccepted: 1,
      wrongHashRefused: true,
      webhook: { type: "batch.processed" },
      tamperedCode: "WEBHOOK_SIGNATURE_INVALID",
    });
    expect(summary.receipt).toMatchObject({ batchId: summary.batchId, accepted: 1 });
    expect(summary.feedTypes).toContain("batch.processed");
    // The gateway holds the same batch, under the hash the consumer's receipt names.
    const held = await platform.get(`/v1/batches/${summary.batchId}`);
    expect(held.status).toBe(200);
    expect(await held.json()).toMatchObject({ bodySha256: summary.receipt.bodySha256 });
  }, 240_000);
});
