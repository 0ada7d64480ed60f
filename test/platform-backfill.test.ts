// A platform sending its history under an open backfill: its batches are stored and receipted
// through the signed API (the SDK) as always, but its merchants are classified once, by the run
// that finishing the backfill starts, with their links, warnings and feed messages as any run
// gives them. Another platform's batches meanwhile are classified at once, and a full run
// meanwhile passes over the platform's merchants; after the backfill the platform's batches are
// classified at once again. Several platforms' backfills finished together are one run.
// Opening and finishing is for a city-wide admin only.
import { sql } from "drizzle-orm";
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type EventRecord, type GatewayClient, type MerchantRecord } from "@credit-sandbox/sdk";
import { ManualClock } from "../src/clock.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { complaint, hashOf, makeUscc, merchant } from "./exchange-fixtures.js";
import { DAY, regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";
import { runFinished } from "./support/runs.js";
import { usingPostgres } from "./support/db.js";

const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T03:00:00Z`);
let gw: TestGateway;
let history: OnboardedPlatform;
let live: OnboardedPlatform;
let sdkHistory: GatewayClient;
let sdkLive: GatewayClient;
let admin: LoggedInRegulator;

/** The platform's SDK client, on the test clock. */
const client = async (p: OnboardedPlatform) =>
  createGatewayClient({ baseUrl: gw.url, clientId: p.clientId, privateJwk: { ...(await exportJWK(p.keys[0]!.privateKey)), kid: p.keys[0]!.kid }, now: () => clock.now().getTime() });

beforeAll(async () => {
  gw = await startTestGateway({ clock });
  history = await onboardPlatform(gw, { name: "回填平台" });
  live = await onboardPlatform(gw, { name: "实时平台" });
  sdkHistory = await client(history);
  sdkLive = await client(live);
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
});
afterAll(async () => gw?.close());

interface Backfill { platformId: string; open: boolean; since: string | null; runId: string | null }

const backfill = (who: LoggedInRegulator, platformId: string, action: string) =>
  regulatorCall(gw, who, "POST", `/v1/regulator/platforms/${platformId}/backfill/${action}`, { reason: "接入历史数据" });

async function ok<T>(res: Response): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const ago = (days: number) => new Date(clock.now().getTime() - days * DAY).toISOString();
const ADDRESS = "成都市锦江区春熙路88号";
const shopAt = (shopId: string, name: string) =>
  merchant(shopId, { uscc: makeUscc("510104"), name, legalRepresentativeHash: hashOf(shopId), category: "food", regionCode: "510104", address: ADDRESS, establishedOn: ago(900).slice(0, 10) }) as MerchantRecord;

/** Two years of monthly sales and good ratings. */
const orderly = (shopId: string): EventRecord[] =>
  Array.from({ length: 24 }, (_, m) => [
    { eventId: `${shopId}-sales-${m}`, shopId, kind: "sales_summary", occurredAt: ago(m * 30 + 1),
      data: { periodStart: ago(m * 30 + 30).slice(0, 10), periodEnd: ago(m * 30 + 1).slice(0, 10), orders: 900, gmvCents: 5_000_000, refunds: 5 } },
    { eventId: `${shopId}-rating-${m}`, shopId, kind: "rating", occurredAt: ago(m * 30 + 2), data: { score: 4.8, count: 200 } },
  ]).flat() as EventRecord[];

/** Dozens of complaints over the last three weeks and a penalty. */
const storm = (shopId: string): EventRecord[] => [
  ...Array.from({ length: 40 }, (_, k) => complaint(`${shopId}-storm-${k}`, shopId, ago(1 + (k % 20)), { data: { channel: "hotline_12315", reason: "食品变质" } })),
  { eventId: `${shopId}-penalty`, shopId, kind: "penalty", occurredAt: ago(3), data: { reason: "销售不符合食品安全标准的食品", amountCents: 2_000_000 } },
] as EventRecord[];

const classifications = async (entityId: string) =>
  (await gw.system.deps.db.rows<{ trigger: string }>(sql`select trigger from classification where entity_id = ${entityId}::uuid order by computed_at, id`)).map((r) => r.trigger);

interface Profile { riskClass: string | null }
const profileOf = async (entityId: string) => ok<Profile>(await regulatorCall(gw, admin, "GET", `/v1/regulator/entities/${entityId}`));
const warningsOf = async (entityId: string) =>
  (await ok<{ warnings: Array<{ ruleId: string }> }>(await regulatorCall(gw, admin, "GET", `/v1/regulator/warnings?entity=${entityId}`))).warnings;
const sameAddress = async (entityId: string) => {
  const page = await ok<{ rows: Array<{ entityId: string; tags: Record<string, unknown> }> }>(
    await regulatorCall(gw, admin, "POST", "/v1/regulator/screenings/run", { conditions: { all: [{ item: "same_address_entities", op: "gt", value: -1 }] }, limit: 100 }),
  );
  return page.rows.find((r) => r.entityId === entityId)?.tags.same_address_entities;
};
async function classChanges(client: GatewayClient, entityId: string): Promise<string[]> {
  while (!(await feedCaughtUp(gw.system.deps.db))) await new Promise((r) => setTimeout(r, 20));
  const out: string[] = [];
  for await (const page of client.feed.pages({ limit: 1000 })) {
    for (const m of page.messages) if (m.entityId === entityId && m.type === "classification.changed") out.push(`${m.data.from}->${m.data.to}`);
  }
  return out;
}

describe("opening and finishing a backfill", () => {
  it("is for a city-wide admin only, on a platform that exists; finishing needs one open", async () => {
    const district = await loginRegulator(gw, { role: "admin", regionPrefix: "510104" });
    const res = await backfill(district, history.platformId, "start");
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("CITY_SCOPE_REQUIRED");
    const officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
    expect((await backfill(officer, history.platformId, "start")).status).toBe(403);
    const asPlatform = await gw.fetch(`/v1/regulator/platforms/${history.platformId}/backfill/start`, {
      method: "POST", headers: { authorization: `Bearer ${await sdkHistory.accessToken()}`, "content-type": "application/json" }, body: JSON.stringify({ reason: "x" }),
    });
    expect([401, 403]).toContain(asPlatform.status);
    expect((await backfill(admin, "00000000-0000-7000-8000-000000000000", "start")).status).toBe(404);
    expect((await backfill(admin, live.platformId, "finish")).status).toBe(409);
    expect((await backfill(admin, live.platformId, "pause")).status).toBe(400);
    // nothing of this opened anything
    const { platforms } = await ok<{ platforms: Array<{ platformId: string; backfill: Backfill }> }>(await regulatorCall(gw, admin, "GET", "/v1/regulator/platforms"));
    expect(platforms.every((p) => !p.backfill.open)).toBe(true);
  });
});

describe("a platform sending its history under an open backfill", () => {
  let stormy: string;
  let tidy: string;
  let neighbour: string;
  let runId: string;

  it("has its batches stored and receipted but its merchants not classified while it is open", async () => {
    const opened = await ok<Backfill>(await backfill(admin, history.platformId, "start"));
    expect(opened).toMatchObject({ platformId: history.platformId, open: true, runId: null });
    expect(Date.parse(opened.since!)).toBe(clock.now().getTime());
    expect(await ok<Backfill>(await backfill(admin, history.platformId, "start"))).toEqual(opened);

    const merchants = await sdkHistory.submitMerchants([shopAt("h-stormy", "老张食品店"), shopAt("h-tidy", "小李食品店")]);
    expect(merchants.accepted).toBe(2);
    [stormy, tidy] = merchants.results.map((r) => r.entityId!) as [string, string];
    for (const events of [orderly("h-tidy"), storm("h-stormy")]) {
      const out = await sdkHistory.submitEvents(events);
      expect(out).toMatchObject({ accepted: events.length, rejected: 0 });
      expect(out.batches.every((b) => b.verifiedReceipt.accepted > 0)).toBe(true);
    }
    // the live platform's merchant at the same address is classified at once
    const [n] = (await sdkLive.submitMerchants([shopAt("l-neighbour", "王记食品店")])).results;
    neighbour = n!.entityId!;
    await sdkLive.submitEvents(orderly("l-neighbour"));
    await rescoresSettled(gw);
    // a full run meanwhile (the daily one, an admin's) passes over the platform's merchants: their
    // history is still arriving, and the run that finishes the backfill will classify them
    const started = await regulatorCall(gw, admin, "POST", "/v1/regulator/reclassifications", { reason: "全量重算" });
    expect(started.status).toBe(202);
    const meanwhile = await runFinished(gw, ((await started.json()) as { runId: string }).runId, admin.token);
    expect(meanwhile).toMatchObject({ status: "done", processed: 1 });
    await rescoresSettled(gw);
    expect(await classifications(neighbour)).toContain("run");

    expect(await classifications(stormy)).toEqual([]);
    expect(await classifications(tidy)).toEqual([]);
    expect((await profileOf(stormy)).riskClass).toBeNull();
    expect(await warningsOf(stormy)).toEqual([]);
    expect(await classChanges(sdkHistory, stormy)).toEqual([]);
    expect((await classifications(neighbour)).length).toBeGreaterThan(0);
    expect((await profileOf(neighbour)).riskClass).not.toBeNull();
  });

  it("finishing it classifies them once, in one run over the platform's merchants, with their links and warnings", async () => {
    const finished = await ok<Backfill>(await backfill(admin, history.platformId, "finish"));
    expect(finished).toMatchObject({ platformId: history.platformId, open: false, since: null, runId: expect.any(String) });
    runId = finished.runId!;
    const run = await runFinished(gw, runId, admin.token);
    expect(run).toMatchObject({ status: "done", processed: 2 });
    await rescoresSettled(gw);

    // once by the run; the neighbour, whose new partners' risk moves its class (an orderly
    // merchant next to a D one), then moves theirs again through the drain
    for (const id of [stormy, tidy]) expect((await classifications(id)).filter((t) => t === "run")).toEqual(["run"]);
    for (const id of [stormy, tidy]) expect((await classifications(id))[0]).toBe("run");
    const stormyClass = (await profileOf(stormy)).riskClass!;
    expect(["C", "D"]).toContain(stormyClass);
    expect((await warningsOf(stormy)).length).toBeGreaterThan(0);
    expect(await classChanges(sdkHistory, stormy)).toEqual([`null->${stormyClass}`]);
    // the graph was refreshed before the run: both see the other two at the address, and the
    // live platform's merchant, outside the run, was brought up to date as well
    expect(await sameAddress(tidy)).toBe(2);
    expect(await sameAddress(stormy)).toBe(2);
    expect(await sameAddress(neighbour)).toBe(2);

    // finishing again changes nothing; the platform listing shows it
    expect(await ok<Backfill>(await backfill(admin, history.platformId, "finish"))).toEqual(finished);
    const { platforms } = await ok<{ platforms: Array<{ platformId: string; backfill: Backfill }> }>(await regulatorCall(gw, admin, "GET", "/v1/regulator/platforms"));
    expect(platforms.find((p) => p.platformId === history.platformId)!.backfill).toEqual(finished);
    const audit = await gw.system.deps.db.rows<{ action: string }>(sql`select action from audit_log where subject_id = ${history.platformId} and action like 'platform.backfill.%' order by seq`);
    expect(audit.map((a) => a.action)).toEqual(["platform.backfill.start", "platform.backfill.finish"]);
  });

  it("after it, the platform's batches are classified at once again", async () => {
    const before = await classifications(tidy);
    await sdkHistory.submitEvents([complaint("h-tidy-late", "h-tidy", ago(1)) as EventRecord]);
    await rescoresSettled(gw);
    expect(await classifications(tidy)).toEqual([...before, "event"]);
  });
});

describe("several platforms' backfills finished together", () => {
  it("are one run over all their merchants: an entity selling on both is classified once", async () => {
    const [a, b] = [await onboardPlatform(gw, { name: "平台丙" }), await onboardPlatform(gw, { name: "平台丁" })];
    const [sdkA, sdkB] = [await client(a), await client(b)];
    for (const p of [a, b]) await ok<Backfill>(await backfill(admin, p.platformId, "start"));
    const uscc = makeUscc("510105");
    const record = (shopId: string) => ({ ...shopAt(shopId, "两地食品店"), uscc, regionCode: "510105", address: "成都市青羊区人民中路1号" }) as MerchantRecord;
    const both = (await sdkA.submitMerchants([record("c-both")])).results[0]!.entityId!;
    expect((await sdkB.submitMerchants([record("d-both")])).results[0]!.entityId).toBe(both);
    const only = (await sdkB.submitMerchants([shopAt("d-only", "单店")])).results[0]!.entityId!;
    await sdkA.submitEvents(orderly("c-both"));
    await sdkB.submitEvents([...orderly("d-both"), ...orderly("d-only")].map((e) => ({ ...e, eventId: `d-${e.eventId}` })));
    await rescoresSettled(gw);
    expect(await classifications(both)).toEqual([]);

    const res = await regulatorCall(gw, admin, "POST", "/v1/regulator/platform-backfills/finish", { platformIds: [a.platformId, b.platformId], reason: "两个平台的历史数据已接入" });
    const out = await ok<{ runId: string; platforms: Backfill[] }>(res);
    expect(out.platforms.map((p) => p.runId)).toEqual([out.runId, out.runId]);
    expect(out.platforms.every((p) => !p.open)).toBe(true);
    expect(await runFinished(gw, out.runId, admin.token)).toMatchObject({ status: "done", processed: 2 });
    await rescoresSettled(gw);
    expect(await classifications(both)).toEqual(["run"]);
    expect(await classifications(only)).toEqual(["run"]);
    // again: nothing open any more, nothing started
    const again = await ok<{ runId: string | null; platforms: Backfill[] }>(
      await regulatorCall(gw, admin, "POST", "/v1/regulator/platform-backfills/finish", { platformIds: [b.platformId, a.platformId], reason: "再次" }),
    );
    expect(again).toEqual({ runId: null, platforms: out.platforms });
    // a platform that never had one is refused, and nothing changes
    const never = await regulatorCall(gw, admin, "POST", "/v1/regulator/platform-backfills/finish", { platformIds: [a.platformId, live.platformId], reason: "x" });
    expect(never.status).toBe(409);
  });
});

// PostgreSQL only: the embedded database is one connection, on which batches and finishing
// cannot overlap at all.
describe.skipIf(!usingPostgres())("finishing while a batch is in flight", () => {
  it("waits for it: the batch that saw the backfill open is committed before the run stages, and counts in it", async () => {
    const db = gw.system.deps.db;
    const p = await onboardPlatform(gw, { name: "在途平台" });
    const sdk = await client(p);
    await ok<Backfill>(await backfill(admin, p.platformId, "start"));
    const entityId = (await sdk.submitMerchants([shopAt("w-late", "赵氏食品店")])).results[0]!.entityId!;
    const lockWaits = async () => (await db.rows<{ n: number }>(sql`select count(*)::int as n from pg_locks where not granted`))[0]!.n;
    const until = async (done: () => Promise<boolean>) => {
      while (!(await done())) await new Promise((r) => setTimeout(r, 10));
    };
    // Hold the batch in its transaction after it read the backfill gate: its insert into `batch`
    // waits behind this lock.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const blocker = db.transaction(async (tx) => {
      await tx.execute(sql`lock table batch in share mode`);
      holding();
      await released;
    });
    await held;
    const sent = sdk.submitEvents(storm("w-late"));
    await until(async () => (await lockWaits()) >= 1);
    let finishedAt: "before" | "after" | undefined;
    let batchDone = false;
    void sent.then(() => (batchDone = true));
    const finishing = backfill(admin, p.platformId, "finish").then((res) => {
      finishedAt ??= batchDone ? "after" : "before";
      return res;
    });
    // finishing waits for the batch's lock on the platform row (or, were it not to, is done)
    await until(async () => finishedAt !== undefined || (await lockWaits()) >= 2);
    expect(finishedAt).toBeUndefined();
    release();
    await blocker;
    expect((await sent).accepted).toBe(41);
    const finished = await ok<Backfill>(await finishing);
    expect(finishedAt).toBe("after");
    await runFinished(gw, finished.runId!, admin.token);
    await rescoresSettled(gw);
    // classified once, by the run, on the batch's events
    expect(await classifications(entityId)).toEqual(["run"]);
    expect(["C", "D"]).toContain((await profileOf(entityId)).riskClass);
  });
});
