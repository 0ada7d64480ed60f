// Classification that is right from the first day, through the public interfaces only (the
// platform SDK, the platform's status endpoint and feed, the regulator API), with the default
// fence policy: a merchant established two years ago whose platforms send six months of orderly
// trading is A and admitted at once; a complaint storm with a penalty moves it to C or D and out,
// each platform told once; a merchant established last month is B "until more is known" unless
// its evidence points higher.
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type EventRecord, type FeedMessage, type GatewayClient, type MerchantRecord } from "@credit-sandbox/sdk";
import { ManualClock } from "../src/clock.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { complaint, hashOf, makeUscc, merchant } from "./exchange-fixtures.js";
import { DAY, jobsDone, regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T03:00:00Z`);
let gw: TestGateway;
let sdkA: GatewayClient;
let sdkB: GatewayClient;
let viewer: LoggedInRegulator;

beforeAll(async () => {
  gw = await startTestGateway({ clock });
  const client = async (p: Awaited<ReturnType<typeof onboardPlatform>>) =>
    createGatewayClient({ baseUrl: gw.url, clientId: p.clientId, privateJwk: { ...(await exportJWK(p.keys[0]!.privateKey)), kid: p.keys[0]!.kid }, now: () => clock.now().getTime() });
  sdkA = await client(await onboardPlatform(gw, { name: "平台甲" }));
  sdkB = await client(await onboardPlatform(gw, { name: "平台乙" }));
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
});
afterAll(async () => {
  await gw?.close();
});

const ago = (ms: number) => new Date(clock.now().getTime() - ms).toISOString();
const dayAgo = (days: number) => ago(days * DAY).slice(0, 10);

/** A food merchant on both platforms, registered `establishedDaysAgo` days ago. */
async function foodMerchant(shop: string, establishedDaysAgo: number): Promise<string> {
  const record = (suffix: string) => merchant(`${shop}-${suffix}`, {
    uscc: undefined, name: `${shop}食品店`, legalRepresentativeHash: hashOf(shop), category: "food", regionCode: "510104", url: `https://shop.example/${shop}`,
    establishedOn: dayAgo(establishedDaysAgo), registeredCapitalCents: 50_000_000, registrationAuthority: "成都市锦江区市场监督管理局",
    licences: [{ type: "food_business", number: `JY1510104${shop}`, validUntil: dayAgo(-1000) }],
  });
  const uscc = makeUscc("510104");
  const [a] = (await sdkA.submitMerchants([{ ...record("a"), uscc } as MerchantRecord])).results;
  await sdkB.submitMerchants([{ ...record("b"), uscc } as MerchantRecord]);
  return a!.entityId!;
}

/** Orderly trading: monthly sales with few refunds and good ratings, for `months` months back. */
function orderlyTrading(shop: string, months: number): EventRecord[] {
  return Array.from({ length: months }, (_, m) => [
    { eventId: `${shop}-sales-${m}`, shopId: `${shop}-a`, kind: "sales_summary", occurredAt: ago((m * 30 + 1) * DAY),
      data: { periodStart: dayAgo(m * 30 + 30), periodEnd: dayAgo(m * 30 + 1), orders: 1500, gmvCents: 9_000_000, refunds: 12 } },
    { eventId: `${shop}-rating-${m}`, shopId: `${shop}-a`, kind: "rating", occurredAt: ago((m * 30 + 2) * DAY), data: { score: 4.8, count: 300 } },
  ]).flat() as EventRecord[];
}

/** Dozens of complaints and reports over the last three weeks, and a penalty. */
function complaintStorm(shop: string): EventRecord[] {
  const complaints = Array.from({ length: 48 }, (_, k) =>
    complaint(`${shop}-storm-${k}`, `${shop}-a`, ago((1 + (k % 20)) * DAY + k * 60_000), { data: { channel: "hotline_12315", reason: "食品变质" } }));
  const reports = Array.from({ length: 6 }, (_, k) => ({
    eventId: `${shop}-report-${k}`, shopId: `${shop}-b`, kind: "report", occurredAt: ago((k + 2) * DAY), data: { reason: "销售过期食品", reporterType: "consumer" },
  }));
  const penalty = { eventId: `${shop}-penalty`, shopId: `${shop}-a`, kind: "penalty", occurredAt: ago(3 * DAY), data: { reason: "销售不符合食品安全标准的食品", amountCents: 2_000_000 } };
  return [...complaints, ...reports, penalty] as EventRecord[];
}

async function submit(client: GatewayClient, events: EventRecord[], entityId: string): Promise<void> {
  const out = await client.submitEvents(events);
  expect(out.rejected).toBe(0);
  await rescoresSettled(gw);
}

async function messages(client: GatewayClient, entityId: string): Promise<FeedMessage[]> {
  while (!(await feedCaughtUp(gw.system.deps.db))) await new Promise((r) => setTimeout(r, 20));
  const out: FeedMessage[] = [];
  for await (const page of client.feed.pages({ limit: 1000 })) out.push(...page.messages);
  return out.filter((m) => m.entityId === entityId);
}
const sandboxMessages = async (client: GatewayClient, entityId: string) =>
  (await messages(client, entityId)).filter((m) => m.type.startsWith("sandbox.")).map((m) => m.type);

interface Profile {
  riskClass: string;
  override: string | null;
  reasons: Array<{ indicator: string; textZh: string }>;
  registration: { establishedOn: string | null; registeredCapitalCents: number | null; registrationAuthority: string | null; operatingSince: string | null };
}
const profileOf = async (entityId: string) => {
  const res = await regulatorCall(gw, viewer, "GET", `/v1/regulator/entities/${entityId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Profile;
};

describe("an established merchant with an orderly record", () => {
  let entityId: string;

  it("is B until its trading record arrives, then A and admitted to the sandbox at once, each platform told once", async () => {
    entityId = await foodMerchant("clean", 730);
    await rescoresSettled(gw);
    // registered, nothing known of its trading yet: general risk until more is known
    expect(await profileOf(entityId)).toMatchObject({ riskClass: "B", override: "insufficient_data" });

    await submit(sdkA, orderlyTrading("clean", 6), entityId);
    for (const client of [sdkA, sdkB]) expect(await client.getEntity(entityId)).toMatchObject({ riskClass: "A", sandbox: "inside" });
    const profile = await profileOf(entityId);
    expect(profile).toMatchObject({
      riskClass: "A", override: null,
      registration: { establishedOn: dayAgo(730), registeredCapitalCents: 50_000_000, registrationAuthority: "成都市锦江区市场监督管理局" },
    });
    expect(Date.parse(profile.registration.operatingSince!)).toBe(Date.parse(`${dayAgo(730)}T00:00:00Z`));
    for (const client of [sdkA, sdkB]) expect(await sandboxMessages(client, entityId)).toEqual(["sandbox.admitted"]);
  });

  it("a complaint storm and a penalty move it to C or D and out of the sandbox at once, each platform told exactly once", async () => {
    await submit(sdkA, complaintStorm("clean").filter((e) => e.shopId === "clean-a"), entityId);
    await submit(sdkB, complaintStorm("clean").filter((e) => e.shopId === "clean-b"), entityId);
    const profile = await profileOf(entityId);
    expect(["C", "D"]).toContain(profile.riskClass);
    expect(profile.override).toBeNull();
    expect(profile.reasons.map((r) => r.indicator)).toContain("complaints_90d");
    const heard: string[][] = [];
    for (const client of [sdkA, sdkB]) {
      expect(await client.getEntity(entityId)).toMatchObject({ riskClass: profile.riskClass, sandbox: "outside" });
      expect(await sandboxMessages(client, entityId)).toEqual(["sandbox.admitted", "sandbox.removed"]);
      // the first class (B, registration only) reached the platforms whose shops existed then;
      // every later change once, each worse than the last (two batches may pass C on the way to D)
      const changes = (await messages(client, entityId)).filter((m) => m.type === "classification.changed")
        .map((m) => `${m.data.from}->${m.data.to}`).filter((c) => c !== "null->B");
      expect(changes[0]).toBe("B->A");
      expect(changes.at(-1)!.endsWith(`->${profile.riskClass}`)).toBe(true);
      const worsening = changes.slice(1).map((c) => c.split("->"));
      expect(worsening.every(([from, to], i) => from! < to! && (i === 0 ? from === "A" : from === worsening[i - 1]![1]))).toBe(true);
      heard.push(changes);
    }
    expect(heard[0]).toEqual(heard[1]);
  });
});

describe("a merchant established last month", () => {
  it("is B with the override reason while its record is short and clean", async () => {
    const entityId = await foodMerchant("young", 30);
    await submit(sdkA, orderlyTrading("young", 1), entityId);
    const profile = await profileOf(entityId);
    expect(profile).toMatchObject({ riskClass: "B", override: "insufficient_data", registration: { establishedOn: dayAgo(30) } });
    expect(profile.reasons[0]!.textZh).toContain("经营时间短或数据不足");
    expect(await sdkA.getEntity(entityId)).toMatchObject({ riskClass: "B", sandbox: "outside" });
  });

  it("the same young merchant with a complaint storm is C or D: the evidence stands", async () => {
    const entityId = await foodMerchant("young-storm", 30);
    await submit(sdkA, [...orderlyTrading("young-storm", 1), ...complaintStorm("young-storm").filter((e) => e.shopId.endsWith("-a"))], entityId);
    const profile = await profileOf(entityId);
    expect(["C", "D"]).toContain(profile.riskClass);
    expect(profile.override).toBeNull();
    expect(profile.reasons.map((r) => r.indicator)).toContain("complaints_90d");
  });
});

describe("a seller with no registration date that has traded for years", () => {
  it("counts its time in business from its first event, even one older than the longest window", async () => {
    // Classification reads event rows back only as far as the longest indicator window (three
    // years); the first event is kept apart, so five years of trading stay five years.
    const idNumberHash = hashOf("veteran-seller");
    const [r] = (await sdkA.submitMerchants([
      merchant("veteran", { uscc: undefined, idNumberHash, entityType: "individual", category: "apparel", name: "老字号服装店" }) as MerchantRecord,
    ])).results;
    const entityId = r!.entityId!;
    const first = ago(5 * 365 * DAY);
    await submit(sdkA, [
      { eventId: "veteran-first", shopId: "veteran", kind: "rating", occurredAt: first, data: { score: 4.7, count: 40 } },
      ...orderlyTrading("veteran", 6).map((e) => ({ ...e, shopId: "veteran" })),
    ] as EventRecord[], entityId);
    const profile = await profileOf(entityId);
    expect(Date.parse(profile.registration.operatingSince!)).toBe(Date.parse(first));
    expect(profile.override).not.toBe("insufficient_data");
  });
});

describe("registration facts", () => {
  it("an establishment date in the future or before 1949 is rejected for that record alone", async () => {
    const uscc = makeUscc("510104");
    const out = await sdkA.submitMerchants([
      merchant("future", { uscc, establishedOn: dayAgo(-2) }),
      merchant("ancient", { uscc: makeUscc("510104"), establishedOn: "1948-12-31" }),
      merchant("fine", { uscc: makeUscc("510104"), establishedOn: "1949-10-01" }),
    ] as MerchantRecord[]);
    expect(out.results.map((r) => [r.status, r.error?.code ?? null, r.error?.pointer ?? null])).toEqual([
      ["rejected", "ESTABLISHED_ON_OUT_OF_RANGE", "/records/0/establishedOn"],
      ["rejected", "ESTABLISHED_ON_OUT_OF_RANGE", "/records/1/establishedOn"],
      ["accepted", null, null],
    ]);
  });

  it("are kept per entity: the first value stays when another platform reports a different one", async () => {
    const uscc = makeUscc("510104");
    const [a] = (await sdkA.submitMerchants([merchant("reg-a", { uscc, establishedOn: "2015-03-02", registrationAuthority: "成都市锦江区市场监督管理局" }) as MerchantRecord])).results;
    await sdkB.submitMerchants([merchant("reg-b", { uscc, establishedOn: "2020-01-01", registeredCapitalCents: 1_000_000 }) as MerchantRecord]);
    expect((await profileOf(a!.entityId!)).registration).toMatchObject({
      establishedOn: "2015-03-02", registrationAuthority: "成都市锦江区市场监督管理局", registeredCapitalCents: 1_000_000,
    });
  });
});
