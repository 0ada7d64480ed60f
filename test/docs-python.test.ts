// The guide's signing script for platforms without Node (docs/examples/sign_detached.py, Python
// standard library + `cryptography`): it reproduces the worked detached JWS byte for byte, and
// its client assertion and body signature are accepted by a real gateway. Skipped, saying why,
// when python3 or the cryptography package is missing.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { createPlatform } from "../src/auth/index.js";
import { projectRoot } from "../src/paths.js";
import { makeUscc } from "./exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const script = join(projectRoot(), "docs", "examples", "sign_detached.py");

function pythonWithCryptography(): string | undefined {
  try {
    execFileSync("python3", ["-c", "import cryptography"], { stdio: "ignore" });
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? "python3 is not installed" : "the Python package cryptography is not installed";
  }
}
const missing = pythonWithCryptography();
if (missing) console.warn(`docs/examples/sign_detached.py not tested: ${missing}`);

const work = mkdtempSync(join(tmpdir(), "csg-python-"));
let gw: TestGateway | undefined;
afterAll(async () => {
  await gw?.close();
  rmSync(work, { recursive: true, force: true });
});

const py = (args: string[], env: Record<string, string> = {}) =>
  execFileSync("python3", [script, ...args], { env: { ...process.env, ...env }, encoding: "utf8" }).trim();

describe.skipIf(missing !== undefined)("the Python signing script of the platform guide", () => {
  it("reproduces the worked detached JWS exactly", () => {
    const example = JSON.parse(readFileSync(join(projectRoot(), "docs", "examples", "detached-jws.json"), "utf8"));
    writeFileSync(join(work, "example.jwk.json"), JSON.stringify(example.privateJwk));
    writeFileSync(join(work, "example-body.json"), example.body);
    const { iat, jti } = example.protectedHeader;
    expect(py(["sign", join(work, "example.jwk.json"), join(work, "example-body.json"), example.protectedHeader.htm, example.protectedHeader.htu], { IAT: String(iat), JTI: jti })).toBe(example.detachedJws);
  });

  it("gets a token and submits a signed batch to a real gateway (ES256)", async () => {
    gw = await startTestGateway();
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const kid = "python-key-1";
    const created = await createPlatform(
      { db: gw.system.deps.db, clock: gw.system.deps.clock, actor: { kind: "cli" }, webhookPolicy: gw.system.deps.webhookPolicy },
      { name: "Python 平台", jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] } },
    );
    const keyFile = join(work, "platform.jwk.json");
    writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid }));

    const assertion = py(["assertion", keyFile, created.clientId, `${gw.url}/oauth/token`]);
    const tokenRes = await gw.fetch("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion }),
    });
    expect(tokenRes.status).toBe(200);
    const { access_token } = (await tokenRes.json()) as { access_token: string };

    const bodyFile = join(work, "merchants.json");
    const record = { shopId: "py-shop-1", name: "成都龙泉驿果园直营店", entityType: "enterprise", uscc: makeUscc("510112"), regionCode: "510112", address: "四川省成都市龙泉驿区驿都大道8号", category: "agricultural" };
    writeFileSync(bodyFile, JSON.stringify({ records: [record] }));
    const res = await gw.fetch("/v1/merchants/batch", {
      method: "POST",
      headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json", "idempotency-key": "py-merchants-1", "x-jws-signature": py(["sign", keyFile, bodyFile, "POST", "/v1/merchants/batch"]) },
      body: readFileSync(bodyFile),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 0 });
  });
});
