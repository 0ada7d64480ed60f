// The regulator's overview (GET /v1/regulator/overview) through HTTP, with exact numbers for a
// small scenario on two platforms and two districts:
//   S  锦江 510104, food, shops on Alpha and Beta: a complaint storm on Alpha -> three open warnings
//      (one high, two medium) and the automatic notice N1, which Beta reports read;
//   M  锦江 510104, shop on Beta: admitted to the sandbox by an officer;
//   L  武侯 510107, shop on Alpha: a manual notice N2 from an officer, due in an hour; the clock
//      passes the deadline and the escalation job escalates the case;
//   Q  武侯 510107, shop on Beta: nothing;
//   X  自贡 510302, shop on Alpha: outside every viewer's scope here.
// Classes are set by SQL once every job has settled (S D, M A, L B, Q none, X A), so the class
// counts do not depend on the scoring model. Viewers: the city (5101) and 锦江 (510104).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import type { components } from "../src/generated/openapi.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { complaintStorm, DAY, HOUR, jobsDone, post, regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { rescoresSettled } from "./support/rescores.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";

type Overview = components["schemas"]["RegulatorOverview"];
type FigureRow = components["schemas"]["NoticeFigureRow"];

const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T03:00:00Z`);
let gw: TestGateway;
let alpha: OnboardedPlatform;
let beta: OnboardedPlatform;
let cityViewer: LoggedInRegulator;
let districtViewer: LoggedInRegulator;
const ids = {} as Record<"S" | "M" | "L" | "Q" | "X", string>;

const db = () => gw.system.deps.db;

/** A merchant at an address of its own (a shared one would link the entities and re-score them together). */
async function addMerchant(p: OnboardedPlatform, shop: string, region: string): Promise<string> {
  const [r] = await post(p, "/v1/merchants/batch", [merchant(shop, { uscc: makeUscc(region), regionCode: region, address: `${shop} 号, 成都` })]);
  return r!.entityId!;
}


beforeAll(async () => {
  // Re-sends far away: delivery is not what these tests watch.
  gw = await startTestGateway({ clock, notices: { deliveryRetryMs: 90 * DAY } });
  [alpha, beta] = [await onboardPlatform(gw, { name: "Alpha" }), await onboardPlatform(gw, { name: "Beta" })];
  const officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
  ids.S = await complaintStorm(gw, clock, [alpha, beta], "ov-s", 22, "510104");
  ids.M = await addMerchant(beta, "ov-m", "510104");
  ids.L = await addMerchant(alpha, "ov-l", "510107");
  ids.Q = await addMerchant(beta, "ov-q", "510107");
  ids.X = await addMerchant(alpha, "ov-x", "510302");
  await rescoresSettled(gw);

  // M must be class A for the officer to admit it (the fence refuses while a removal trigger holds).
  await db().orm.execute(sql`update entity set risk_class = 'A' where id = ${ids.M}::uuid`);
  const admitted = await regulatorCall(gw, officer, "POST", `/v1/regulator/sandbox/${ids.M}/admit`, { reason: "现场检查合格" });
  expect(admitted.status, await admitted.clone().text()).toBe(200);
  const [n1] = await db().rows<{ id: string }>(sql`select id::text as id from notice where entity_id = ${ids.S}::uuid`);
  expect((await beta.signedRequest(`/v1/notices/${n1!.id}/receipts`, { status: "read" })).status).toBe(200);
  const manual = await regulatorCall(gw, officer, "POST", "/v1/regulator/notices", {
    entityId: ids.L, facts: "经营场所与登记地址不符。", dueAt: new Date(clock.now().getTime() + HOUR).toISOString(),
  });
  expect(manual.status, await manual.clone().text()).toBe(201);
  const { caseId } = (await manual.json()) as { caseId: string };

  clock.advance(2 * HOUR);
  gw.system.deps.kick();
  await jobsDone(gw, "rectification.escalate", { caseId });
  await rescoresSettled(gw); // the escalation re-scores L
  const classes = { S: "D", M: "A", L: "B", Q: null, X: "A" } as const;
  for (const [k, c] of Object.entries(classes)) await db().orm.execute(sql`update entity set risk_class = ${c} where id = ${ids[k as keyof typeof ids]}::uuid`);

  const stormRules = await db().rows<{ rule_key: string; severity: string }>(
    sql`select rule_key, severity from warning where entity_id = ${ids.S}::uuid and status = 'open' order by rule_key`,
  );
  expect(stormRules).toEqual([
    { rule_key: "complaints.high_frequency", severity: "medium" },
    { rule_key: "complaints.storm_high_hazard", severity: "high" },
    { rule_key: "complaints.sudden_growth", severity: "medium" },
  ]);
  // Logged in after the clock moved, so their tokens are fresh.
  cityViewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  districtViewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "510104" });
}, 120_000);
afterAll(async () => gw?.close());

async function overview(who: LoggedInRegulator, query = ""): Promise<Overview> {
  const res = await regulatorCall(gw, who, "GET", `/v1/regulator/overview${query ? `?${query}` : ""}`);
  const body = (await res.json()) as Overview;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** [issued, delivered, read, acknowledged, rectified, overdue, escalated] as the total row. */
function figures(c: [number, number, number, number, number, number, number]): FigureRow {
  const [issued, delivered, read, acknowledged, rectified, overdue, escalated] = c;
  return { group: "total", label: null, issued, delivered, read, acknowledged, rectified, overdue, escalated, rectificationRate: issued === 0 ? null : rectified / issued };
}

const classes = (A: number, B: number, C: number, D: number, unclassified: number) => ({ total: A + B + C + D + unclassified, byClass: { A, B, C, D, unclassified } });
const noWarnings = { open: 0, openBySeverity: { low: 0, medium: 0, high: 0, critical: 0 } };
/** S's open warnings (the built-in rules checked in beforeAll). */
const STORM = { open: 3, openBySeverity: { low: 0, medium: 2, high: 1, critical: 0 } };

describe("GET /v1/regulator/overview", () => {
  it("a city-wide viewer sees both districts (nothing outside the city)", async () => {
    expect(await overview(cityViewer)).toEqual({
      region: "5101",
      platform: null,
      asOf: clock.now().toISOString(),
      entities: classes(1, 1, 0, 1, 1),
      sandbox: { inside: 1 },
      warnings: STORM,
      notices: figures([2, 1, 1, 0, 0, 1, 1]),
      rectifications: { open: 2, overdue: 1, escalatedOpen: 1 },
    });
    // The notice block is the notice figures' all-time total, for the same scope and platform.
    const forBeta = await regulatorCall(gw, cityViewer, "GET", `/v1/regulator/notice-figures?by=region&platform=${beta.platformId}`);
    expect(((await forBeta.json()) as { total: FigureRow }).total).toEqual((await overview(cityViewer, `platform=${beta.platformId}`)).notices);
  });

  it("region narrows the city viewer's scope to one district", async () => {
    expect(await overview(cityViewer, "region=510107")).toMatchObject({
      region: "510107",
      entities: classes(0, 1, 0, 0, 1),
      sandbox: { inside: 0 },
      warnings: noWarnings,
      notices: figures([1, 0, 0, 0, 0, 1, 1]),
      rectifications: { open: 1, overdue: 1, escalatedOpen: 1 },
    });
  });

  it("a district viewer sees only its district; a wider region does not widen it", async () => {
    const own = await overview(districtViewer);
    expect(own).toMatchObject({
      region: "510104",
      entities: classes(1, 0, 0, 1, 0),
      sandbox: { inside: 1 },
      warnings: STORM,
      notices: figures([1, 1, 1, 0, 0, 0, 0]),
      rectifications: { open: 1, overdue: 0, escalatedOpen: 0 },
    });
    expect(await overview(districtViewer, "region=5101")).toEqual(own);
  });

  it("platform= counts entities with a shop on it, and notices and cases sent to it", async () => {
    // Beta: S, M and Q; N1 only (N2 went to Alpha alone).
    expect(await overview(cityViewer, `platform=${beta.platformId}`)).toMatchObject({
      region: "5101",
      platform: beta.platformId,
      entities: classes(1, 0, 0, 1, 1),
      sandbox: { inside: 1 },
      warnings: STORM,
      notices: figures([1, 1, 1, 0, 0, 0, 0]),
      rectifications: { open: 1, overdue: 0, escalatedOpen: 0 },
    });
    // Alpha: S and L (X is outside the city). Delivered/read are the notice figures' total:
    // N1 counts as read because Beta read it (a notice once, delivered by any platform).
    expect(await overview(cityViewer, `platform=${alpha.platformId}`)).toMatchObject({
      entities: classes(0, 1, 0, 1, 0),
      sandbox: { inside: 0 },
      warnings: STORM,
      notices: figures([2, 1, 1, 0, 0, 1, 1]),
      rectifications: { open: 2, overdue: 1, escalatedOpen: 1 },
    });
    // Both filters at once: 锦江 on Alpha is S alone.
    expect(await overview(districtViewer, `platform=${alpha.platformId}`)).toMatchObject({
      entities: classes(0, 0, 0, 1, 0),
      sandbox: { inside: 0 },
      notices: figures([1, 1, 1, 0, 0, 0, 0]),
      rectifications: { open: 1, overdue: 0, escalatedOpen: 0 },
    });
  });

  it("a region outside the caller's scope gives zeros, not an error", async () => {
    expect(await overview(districtViewer, "region=510107")).toEqual({
      region: "",
      platform: null,
      asOf: clock.now().toISOString(),
      entities: classes(0, 0, 0, 0, 0),
      sandbox: { inside: 0 },
      warnings: noWarnings,
      notices: figures([0, 0, 0, 0, 0, 0, 0]),
      rectifications: { open: 0, overdue: 0, escalatedOpen: 0 },
    });
  });

  it("needs a regulator token; bad parameters are 400", async () => {
    expect((await gw.fetch("/v1/regulator/overview")).status).toBe(401);
    expect((await alpha.get("/v1/regulator/overview")).status).toBe(401);
    expect((await regulatorCall(gw, cityViewer, "GET", "/v1/regulator/overview?region=51x")).status).toBe(400);
    expect((await regulatorCall(gw, cityViewer, "GET", "/v1/regulator/overview?platform=nope")).status).toBe(400);
  });
});
