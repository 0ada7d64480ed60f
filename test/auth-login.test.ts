// Regulator login under attack: attempts are throttled per account and per client address (the
// address from the configured proxy header, its rightmost entry), password hashing is bounded
// (503 + Retry-After beyond it, never an unbounded queue), every refusal reads the same whether
// or not the account exists, and every attempt is audited without the password.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegulatorUser } from "../src/auth/index.js";
import { ManualClock } from "../src/clock.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const clock = new ManualClock(new Date());
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    clock,
    login: {
      trustedProxyHeader: "x-forwarded-for",
      limits: { perAccount: { capacity: 3, refillPerSecond: 1 / 60 }, perAddress: { capacity: 5, refillPerSecond: 1 / 60 } },
      // One hash at a time and nobody waiting: the second concurrent login is turned away.
      hashing: { concurrency: 1, queue: 0 },
    },
  });
});
afterAll(async () => {
  await gw?.close();
});

let addressSeq = 0;
/** A fresh client address (documentation range), so tests do not share an address bucket. */
const freshAddress = () => `198.51.100.${++addressSeq}`;

const login = (username: string, password: string, forwardedFor = freshAddress()) =>
  gw.fetch("/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ username, password }),
  });

async function account(status: "active" | "disabled" = "active") {
  const password = `pw-${randomBytes(12).toString("hex")}`;
  const user = await createRegulatorUser(
    { db: gw.system.deps.db, clock, actor: { kind: "cli" } },
    { username: `u-${randomBytes(5).toString("hex")}`, role: "viewer", regionPrefix: "5101", password },
  );
  if (status === "disabled") await gw.system.deps.db.rows(sql`update regulator_user set status = 'disabled' where id = ${user.userId}`);
  return { ...user, password };
}

const problemOf = async (res: Response) => {
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { code: string; detail: string };
};

describe("login throttling", () => {
  it("per account, across addresses, whether or not the account exists; the bucket refills", async () => {
    const user = await account();
    for (let i = 0; i < 3; i++) expect((await login(user.username, "wrong-password")).status).toBe(401);
    const blocked = await login(user.username, user.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await problemOf(blocked)).code).toBe("RATE_LIMITED");

    // The same answers for a username nobody has: the throttle tells nothing about accounts.
    const ghost = `ghost-${randomBytes(4).toString("hex")}`;
    for (let i = 0; i < 3; i++) expect((await login(ghost, "wrong-password")).status).toBe(401);
    expect((await login(ghost, "wrong-password")).status).toBe(429);

    clock.advance(60_000);
    expect((await login(user.username, user.password)).status).toBe(200);
  });

  it("per client address, across accounts, taking the proxy's (rightmost) entry", async () => {
    const address = freshAddress();
    for (let i = 0; i < 5; i++) expect((await login(`spray-${i}`, "wrong-password", address)).status).toBe(401);
    expect((await login("spray-5", "wrong-password", address)).status).toBe(429);
    // Prepending another address does not help: the proxy appends the real one last.
    expect((await login("spray-6", "wrong-password", `203.0.113.9, ${address}`)).status).toBe(429);
    expect((await login("spray-7", "wrong-password", freshAddress())).status).toBe(401);
  });

  it("counts an IPv6 client by its /64", async () => {
    for (let i = 1; i <= 5; i++) expect((await login(`v6-${i}`, "wrong-password", `2001:db8:7:7::${i}`)).status).toBe(401);
    expect((await login("v6-6", "wrong-password", "2001:db8:7:7:ffff::1")).status).toBe(429);
    expect((await login("v6-7", "wrong-password", "2001:db8:7:8::1")).status).toBe(401);
  });
});

describe("login refusals", () => {
  it("read the same for an unknown user, a wrong password and a disabled account", async () => {
    const user = await account();
    const disabled = await account("disabled");
    const sequential = [];
    for (const [u, p] of [["nobody-at-all", "whatever-password"], [user.username, "not-the-password"], [disabled.username, disabled.password]] as const) {
      const res = await login(u, p);
      sequential.push({ status: res.status, ...(await problemOf(res)) });
    }
    expect(new Set(sequential.map((a) => JSON.stringify({ status: a.status, code: a.code, detail: a.detail }))).size).toBe(1);
    expect(sequential[0]).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
  });

  it("are audited with the reason and client address, never the password or an unknown username", async () => {
    const user = await account();
    const secret = `typed-${randomBytes(8).toString("hex")}`;
    await login(user.username, secret, "203.0.113.50");
    await login(secret, "some-password", "203.0.113.51");
    await login(user.username, user.password, "203.0.113.52");
    const rows = await gw.system.deps.db.rows<{ actor: string; action: string; subject_id: string | null; data: unknown }>(
      sql`select actor, action, subject_id, data from audit_log where action like 'regulator.login%' order by seq desc limit 3`,
    );
    expect(rows.reverse()).toEqual([
      { actor: "anonymous", action: "regulator.login.refused", subject_id: user.userId, data: { reason: "wrong_password", clientAddress: "203.0.113.50" } },
      { actor: "anonymous", action: "regulator.login.refused", subject_id: null, data: { reason: "unknown_account", clientAddress: "203.0.113.51" } },
      { actor: `regulator:${user.userId}`, action: "regulator.login", subject_id: user.userId, data: { clientAddress: "203.0.113.52" } },
    ]);
    const all = JSON.stringify(await gw.system.deps.db.rows(sql`select actor, subject_id, data from audit_log`));
    expect(all).not.toContain(secret);
    expect(all).not.toContain(user.password);
  });
});

describe("client address", () => {
  it("is the TCP peer when the request carries no proxy header", async () => {
    await gw.fetch("/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "peer-test", password: "x-password" }) });
    const [row] = await gw.system.deps.db.rows<{ data: { clientAddress: string } }>(
      sql`select data from audit_log where action = 'regulator.login.refused' order by seq desc limit 1`,
    );
    expect(row!.data.clientAddress).toBe("127.0.0.1");
  });
});

describe("password hashing", () => {
  it("runs a bounded number at once; the rest get 503 problem+json with Retry-After at once", async () => {
    // Six accounts from six addresses: no throttle applies, only the gate.
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => login(`busy-${i}`, "wrong-password-x", freshAddress())));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    for (const s of statuses) expect([401, 503]).toContain(s);
    const busy = responses.find((r) => r.status === 503)!;
    expect(busy.headers.get("retry-after")).toBe("1");
    expect((await problemOf(busy)).code).toBe("UNAVAILABLE");
  });
});
