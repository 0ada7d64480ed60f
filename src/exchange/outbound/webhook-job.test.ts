// The webhook.deliver job against a real local HTTP receiver, with a jose-based signer in
// place of the gateway's (same GatewaySigner contract). Attempts are driven by hand through
// the registry, so retry/dead-letter bookkeeping is checked attempt by attempt. The receivers
// listen on http://127.0.0.1, which only the development policy allows; the destination checks
// run with the production policy and a resolver that maps test names to chosen addresses.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { exportJWK, flattenedVerify, FlattenedSign, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewaySigner } from "../../auth/signer.js";
import { systemClock } from "../../clock.js";
import { platform } from "../../db/schema/platform.js";
import { createEnqueueMany, JobRegistry } from "../../jobs/index.js";
import { isPermanent } from "../../jobs/registry.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.js";
import { createPublish } from "./publish.js";
import { webhookDeliverJob } from "./webhook-job.js";
import { WEBHOOK_JWS_TYP } from "./webhook-sender.js";
import { STRICT_OUTBOUND_POLICY, type OutboundPolicy } from "../../http/outbound-address.js";
import type { HostResolver } from "../../http/outbound-request.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A receiver whose answer per request is decided by `answer(n)` (n = 1, 2, ...). */
async function receiver(answer: (n: number) => number | "hang" | { redirect: string }) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const a = answer(received.length);
      if (a === "hang") return;
      if (typeof a === "object") {
        res.writeHead(302, { location: a.redirect }).end();
        return;
      }
      res.writeHead(a).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

let t: TestDatabase;
let publicJwk: JWK;
let privateKey: CryptoKey;
const signer = {
  async signDetached(body: Uint8Array, extra: Record<string, unknown> = {}) {
    const jws = await new FlattenedSign(body).setProtectedHeader({ ...extra, alg: "ES256", kid: "test-gw", b64: false, crit: ["b64"] }).sign(privateKey);
    return `${jws.protected}..${jws.signature}`;
  },
} as unknown as GatewaySigner;

const DEV: OutboundPolicy = { allowHttp: true, allowPrivateAddresses: true };
const registry = new JobRegistry();
/** Same job with a 300 ms HTTP timeout, for the receiver that never answers. */
const impatient = new JobRegistry();
/** Production policy; names resolve through `dns` below, and every lookup is recorded. */
const strict = new JobRegistry();
const dns = new Map<string, string[]>();
const lookups: string[] = [];
const testResolver: HostResolver = async (name) => {
  lookups.push(name);
  const addresses = dns.get(name);
  if (!addresses) throw Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: "ENOTFOUND" });
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};
const enqueueMany = createEnqueueMany({ clock: systemClock, registry });
const publish = createPublish({ clock: systemClock, enqueueMany });
const MAX = 3;

beforeAll(async () => {
  t = await createTestDatabase();
  const keys = await generateKeyPair("ES256");
  privateKey = keys.privateKey;
  publicJwk = await exportJWK(keys.publicKey);
  const job = (timeoutMs: number, policy: OutboundPolicy = DEV, resolve?: HostResolver) =>
    webhookDeliverJob({
      db: t.db,
      clock: systemClock,
      signer,
      logger: { info() {}, warn() {} },
      retry: { maxAttempts: MAX, backoffMs: 1 },
      timeoutMs,
      policy,
      ...(resolve ? { resolve } : {}),
    });
  registry.define(job(10_000));
  impatient.define(job(300));
  strict.define(job(10_000, STRICT_OUTBOUND_POLICY, testResolver));
});
afterAll(async () => t?.db.close());

async function setup(webhookUrl: string) {
  const [p] = await t.db.orm
    .insert(platform)
    .values({ name: `p-${randomBytes(4).toString("hex")}`, clientId: `c-${randomBytes(6).toString("hex")}`, webhookUrl })
    .returning({ id: platform.id });
  const platformId = p!.id;
  await t.db.transaction((tx) => publish(tx, [{ platformId, type: "batch.processed", entityId: undefined, data: { batchId: "b-1", accepted: 3 } }]));
  const [d] = await t.db.rows<{ id: string; message_id: string }>(sql`select id, message_id from webhook_delivery where platform_id = ${platformId}`);
  return { platformId, deliveryId: d!.id, messageId: d!.message_id };
}

const delivery = async (id: string) =>
  (await t.db.rows<{ status: string; attempts: number; last_error: string | null; delivered_at: unknown }>(
    sql`select status, attempts, last_error, delivered_at from webhook_delivery where id = ${id}`,
  ))[0]!;

/** Runs attempt `attempt`; returns the error it threw, if any. */
async function attempt(deliveryId: string, n: number, on = registry): Promise<unknown> {
  try {
    await on.run("webhook.deliver", { deliveryId }, { jobId: 1, attempt: n });
    return undefined;
  } catch (err) {
    return err;
  }
}

describe("webhook.deliver", () => {
  it("retries after failures, then delivers a body whose detached signature verifies", async () => {
    const r = await receiver((n) => (n <= 2 ? 503 : 204));
    const { deliveryId, messageId } = await setup(r.url);
    const e1 = await attempt(deliveryId, 1);
    expect(e1).toBeInstanceOf(Error);
    expect(isPermanent(e1)).toBe(false);
    expect(await delivery(deliveryId)).toMatchObject({ status: "pending", attempts: 1, last_error: expect.stringContaining("503") });
    expect(isPermanent(await attempt(deliveryId, 2))).toBe(false);
    expect(await attempt(deliveryId, 3)).toBeUndefined();
    const d = await delivery(deliveryId);
    expect(d).toMatchObject({ status: "delivered", attempts: 3, last_error: null });
    expect(d.delivered_at).not.toBeNull();
    // A re-run (lapsed lease) of a delivered delivery sends nothing.
    expect(await attempt(deliveryId, 4)).toBeUndefined();
    expect(r.received).toHaveLength(3);

    const last = r.received[2]!;
    expect(last.headers["content-type"]).toBe("application/json");
    expect(last.headers["webhook-id"]).toBe(messageId);
    const body = JSON.parse(last.body.toString("utf8"));
    expect(body).toMatchObject({ id: messageId, type: "batch.processed", data: { batchId: "b-1", accepted: 3 } });
    expect(Object.keys(body).sort()).toEqual(["createdAt", "data", "id", "type"]);
    const [protectedHeader, signature] = String(last.headers["x-jws-signature"]).split("..");
    const verified = await flattenedVerify({ protected: protectedHeader!, payload: last.body, signature: signature! }, await importKey());
    expect(verified.protectedHeader).toMatchObject({ b64: false, typ: WEBHOOK_JWS_TYP, wid: messageId, iat: Number(last.headers["webhook-timestamp"]) });
    // One changed byte and it no longer verifies.
    const tampered = Buffer.from(last.body);
    tampered[tampered.length - 2]! ^= 1;
    await expect(flattenedVerify({ protected: protectedHeader!, payload: tampered, signature: signature! }, await importKey())).rejects.toThrow();
    await r.close();
  });

  it("marks the delivery dead on the last attempt", async () => {
    const r = await receiver(() => 500);
    const { deliveryId } = await setup(r.url);
    for (let n = 1; n < MAX; n++) expect(isPermanent(await attempt(deliveryId, n))).toBe(false);
    expect((await delivery(deliveryId)).status).toBe("pending");
    expect(isPermanent(await attempt(deliveryId, MAX))).toBe(true);
    expect(await delivery(deliveryId)).toMatchObject({ status: "dead", attempts: MAX, last_error: expect.stringContaining("500") });
    await r.close();
  });

  it("does not follow redirects", async () => {
    const elsewhere = await receiver(() => 200);
    const r = await receiver(() => ({ redirect: elsewhere.url }));
    const { deliveryId } = await setup(r.url);
    expect(await attempt(deliveryId, 1)).toBeInstanceOf(Error);
    expect((await delivery(deliveryId)).last_error).toMatch(/302.*redirect/);
    expect(elsewhere.received).toHaveLength(0);
    await Promise.all([r.close(), elsewhere.close()]);
  });

  it("gives up on a receiver that does not answer in time", async () => {
    const r = await receiver(() => "hang");
    const { deliveryId } = await setup(r.url);
    expect(await attempt(deliveryId, 1, impatient)).toBeInstanceOf(Error);
    expect((await delivery(deliveryId)).last_error).toMatch(/timed out/);
    await r.close();
  });

  it("refuses non-http(s) URLs at once (dead, no retry)", async () => {
    const { deliveryId, platformId } = await setup("http://127.0.0.1:9/hook");
    await t.db.orm.update(platform).set({ webhookUrl: "file:///etc/passwd" }).where(eq(platform.id, platformId));
    expect(isPermanent(await attempt(deliveryId, 1))).toBe(true);
    expect(await delivery(deliveryId)).toMatchObject({ status: "dead", attempts: 1, last_error: "webhook the URL is refused: the URL must use https or http" });
  });

  it("stores the status code in fixed words, never what the receiver answered", async () => {
    const r = await receiver(() => 500);
    const { deliveryId } = await setup(r.url);
    await attempt(deliveryId, 1);
    expect((await delivery(deliveryId)).last_error).toBe("webhook answered HTTP 500");
    await r.close();
  });

  it("sends to the platform's current URL", async () => {
    const old = await receiver(() => 200);
    const current = await receiver(() => 200);
    const { deliveryId, platformId } = await setup(old.url);
    await t.db.orm.update(platform).set({ webhookUrl: current.url }).where(eq(platform.id, platformId));
    expect(await attempt(deliveryId, 1)).toBeUndefined();
    expect([old.received.length, current.received.length]).toEqual([0, 1]);
    await Promise.all([old.close(), current.close()]);
  });

  it("rejects a bad payload as permanent", async () => {
    expect(isPermanent(await registry.run("webhook.deliver", { deliveryId: "x" }, { jobId: 1, attempt: 1 }).catch((e: unknown) => e))).toBe(true);
  });
});

describe("webhook destinations (production policy)", () => {
  it("refuses http, and a literal loopback or metadata address, without connecting", async () => {
    const r = await receiver(() => 204);
    for (const url of [r.url, "https://127.0.0.1:9/hook", "https://169.254.169.254/latest/meta-data", "https://[::ffff:127.0.0.1]/hook"]) {
      const { deliveryId } = await setup(url);
      expect(isPermanent(await attempt(deliveryId, 1, strict))).toBe(true);
      expect(await delivery(deliveryId)).toMatchObject({ status: "dead", attempts: 1, last_error: expect.stringMatching(/^webhook the URL is refused: /) });
    }
    expect(r.received).toHaveLength(0);
    await r.close();
  });

  it.each([
    ["loopback", ["127.0.0.1"]],
    ["private", ["10.0.0.7"]],
    ["ULA", ["fd00::7"]],
    ["carrier-grade NAT", ["100.64.1.1"]],
    ["link-local", ["169.254.3.4"]],
    ["metadata", ["169.254.169.254"]],
    ["IPv6 metadata", ["fd00:ec2::254"]],
    ["IPv4-mapped loopback", ["::ffff:127.0.0.1"]],
    ["unspecified", ["0.0.0.0"]],
    ["multicast", ["224.0.0.251"]],
    ["a public and a private address", ["93.184.215.14", "10.0.0.7"]],
  ])("refuses a name that resolves to %s, resolving it when sending (dead, no retry)", async (_label, addresses) => {
    const name = `hooks-${randomBytes(4).toString("hex")}.platform.test`;
    dns.set(name, addresses);
    const { deliveryId } = await setup(`https://${name}/hook`);
    const before = lookups.length;
    expect(isPermanent(await attempt(deliveryId, 1, strict))).toBe(true);
    expect(lookups.slice(before)).toEqual([name]);
    expect(await delivery(deliveryId)).toMatchObject({
      status: "dead",
      last_error: expect.stringMatching(/^webhook the host resolves to an address that is refused: the address is .*refused$/),
    });
    expect((await delivery(deliveryId)).last_error).not.toContain(addresses.at(-1)!);
  });

  it("reports an unknown name in fixed words and tries again later", async () => {
    const { deliveryId } = await setup("https://nowhere.platform.test/hook");
    const err = await attempt(deliveryId, 1, strict);
    expect(isPermanent(err)).toBe(false);
    expect(await delivery(deliveryId)).toMatchObject({ status: "pending", last_error: "webhook the host could not be resolved (ENOTFOUND)" });
  });

  it("connects to the address it checked, with the name as Host, looking the name up once", async () => {
    const r = await receiver(() => 204);
    const port = new URL(r.url).port;
    const name = `pinned-${randomBytes(4).toString("hex")}.platform.test`;
    // A rebinding resolver: the first answer is the local receiver, any later one elsewhere.
    dns.set(name, ["127.0.0.1"]);
    const { deliveryId } = await setup(`http://${name}:${port}/hook`);
    const before = lookups.length;
    let calls = 0;
    const rebinding = new JobRegistry();
    rebinding.define(
      webhookDeliverJob({
        db: t.db,
        clock: systemClock,
        signer,
        logger: { info() {}, warn() {} },
        policy: DEV,
        resolve: async (host) => (++calls === 1 ? testResolver(host) : [{ address: "10.9.9.9", family: 4 }]),
      }),
    );
    expect(await attempt(deliveryId, 1, rebinding)).toBeUndefined();
    expect(calls).toBe(1);
    expect(lookups.slice(before)).toEqual([name]);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.headers.host).toBe(`${name}:${port}`);
    expect((await delivery(deliveryId)).status).toBe("delivered");
    await r.close();
  });
});

const importKey = () => importJWK(publicJwk, "ES256");
