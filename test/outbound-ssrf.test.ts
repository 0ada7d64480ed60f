// Webhook destinations on a gateway with the production policy: a platform cannot register a
// URL into the gateway's own network (API and CLI alike), and a name that resolves there when a
// message is sent is refused then — dead at once, nothing sent, the reason stored in our words.
// Names resolve through an injected resolver, so no test depends on real DNS.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOperation } from "../src/cli/operations.js";
import { STRICT_OUTBOUND_POLICY } from "../src/http/outbound-address.js";
import type { HostResolver } from "../src/http/outbound-request.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { generateTestKey, loginRegulator, type LoggedInRegulator } from "./support/platform.js";

const lookups: string[] = [];
const resolveHost: HostResolver = async (name) => {
  lookups.push(name);
  return name === "rebound.platform.test" ? [{ address: "169.254.169.254", family: 4 }] : [{ address: "93.184.215.14", family: 4 }];
};

let gw: TestGateway;
let admin: LoggedInRegulator;
beforeAll(async () => {
  gw = await startTestGateway({ outbound: { webhookPolicy: STRICT_OUTBOUND_POLICY, resolveHost, webhookRetry: { maxAttempts: 3, backoffMs: 5 } } });
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "" });
});
afterAll(async () => {
  await gw?.close();
});

async function register(webhookUrl: string) {
  const key = await generateTestKey();
  return gw.fetch("/v1/regulator/platforms", {
    method: "POST",
    headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `p-${Math.random().toString(36).slice(2)}`, jwks: { keys: [key.publicJwk] }, webhookUrl }),
  });
}

describe("webhook URLs at registration", () => {
  it.each([
    "http://hooks.platform.test/x",
    "https://127.0.0.1/x",
    "https://10.0.0.8/x",
    "https://[::1]/x",
    "https://[::ffff:169.254.169.254]/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/x",
    "https://localhost:8443/x",
    "https://user:secret@hooks.platform.test/x",
  ])("refuses %s with 400 problem+json", async (url) => {
    const res = await register(url);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: "VALIDATION_FAILED", errors: [{ pointer: "/webhookUrl" }] });
  });

  it("accepts an https URL on a name (checked again, with DNS, at send time)", async () => {
    expect((await register("https://hooks.platform.test/x")).status).toBe(201);
  });

  it("refuses the same through the operator CLI, whose default is the production policy", async () => {
    const key = await generateTestKey();
    const deps = { db: gw.system.deps.db, clock: gw.system.deps.clock, rotateGatewayKey: () => Promise.reject(new Error("unused")) };
    const input = { name: "cli-platform", jwks: { keys: [key.publicJwk] }, webhookUrl: "http://127.0.0.1:9000/hooks" };
    await expect(runOperation(deps, { command: "platform.add", input })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});

describe("webhook sends", () => {
  it("resolve the name when sending and refuse a metadata address: dead at once, nothing sent", async () => {
    const created = (await (await register("https://rebound.platform.test/hooks")).json()) as { platformId: string };
    await gw.system.deps.db.transaction((tx) => gw.system.outbound.publish(tx, [{ platformId: created.platformId, type: "batch.processed", data: { batchId: "b-1" } }]));
    gw.system.deps.kick();
    const before = lookups.length;
    const [job] = await gw.system.deps.db.rows<{ id: number }>(sql`select id::int as id from outbox where job = 'webhook.deliver' order by id desc limit 1`);
    const done = await gw.jobEvents.waitFor((e) => e.id === job!.id && (e.type === "done" || e.type === "failed"));
    expect(done.type).toBe("failed");
    expect(lookups.slice(before)).toEqual(["rebound.platform.test"]);
    const [d] = await gw.system.deps.db.rows<{ status: string; attempts: number; last_error: string }>(
      sql`select status, attempts, last_error from webhook_delivery where platform_id = ${created.platformId}`,
    );
    expect(d).toEqual({ status: "dead", attempts: 1, last_error: "webhook the host resolves to an address that is refused: the address is a metadata address, which is refused" });
  });
});
