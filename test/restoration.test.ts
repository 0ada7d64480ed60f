// Credit restoration end to end, through HTTP: the merchant's notice link shows, in Chinese, what
// keeps its entity outside the sandbox (reasons it can act on, the fence's blockers) and when it
// could next be admitted; it applies with evidence (one open application at a time); its platform
// sees the same explanation and may relay an application; a district officer of another region
// sees nothing of it; accepting re-scores the entity at once and the platform's feed carries
// restoration.updated; a rejection carries the officer's comment.
import { createGatewayClient, GatewayError } from "@credit-sandbox/sdk";
import { sql } from "drizzle-orm";
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { asMerchant, complaintStorm, feedOf, linkToken, post, regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T04:00:00Z`);
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201c3a4b1a30000000049454e44ae426082", "hex");
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestGateway;
let pa: OnboardedPlatform;
let pb: OnboardedPlatform;
let officer: LoggedInRegulator;
let farOfficer: LoggedInRegulator;
let admin: LoggedInRegulator;
let storm: string;
let calm: string;
let stormToken: string;
let calmToken: string;
let applicationId: string;

const db = () => gw.system.deps.db;
const reg = async (who: LoggedInRegulator, method: string, path: string, body?: unknown) => {
  const res = await regulatorCall(gw, who, method, path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
/** The merchant link the platform received with a notice for the entity. */
async function linkOf(entityId: string): Promise<string> {
  const msg = (await feedOf(gw, pa)).find((m) => m.type === "notice.issued" && m.entityId === entityId);
  expect(msg, `notice.issued for ${entityId}`).toBeDefined();
  return linkToken(String(msg!.data.merchantUrl));
}

/** The platform's SDK client, on the test's clock (its client assertions must match the gateway's time). */
const sdkOf = async (p: OnboardedPlatform) =>
  createGatewayClient({ baseUrl: gw.url, clientId: p.clientId, privateJwk: { ...(await exportJWK(p.keys[0]!.privateKey)), kid: p.keys[0]!.kid }, now: () => clock.now().getTime() });

beforeAll(async () => {
  gw = await startTestGateway({ clock });
  [pa, pb] = [await onboardPlatform(gw, { name: "Alpha" }), await onboardPlatform(gw, { name: "Beta" })];
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
  farOfficer = await loginRegulator(gw, { role: "officer", regionPrefix: "510105" });
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
  // Class B may enter: a clean new merchant is then held back by time alone (days in class, history).
  const policy = (await reg(admin, "GET", "/v1/regulator/sandbox/policy")).body;
  const saved = await reg(admin, "PUT", "/v1/regulator/sandbox/policy", {
    reason: "B 类可准入（测试）",
    expectedVersion: policy.version,
    policy: { ...policy.policy, admission: { ...policy.policy.admission, classes: ["A", "B"] } },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  storm = await complaintStorm(gw, clock, [pa], "rst");
  stormToken = await linkOf(storm);
  const [c] = await post(pa, "/v1/merchants/batch", [merchant("calm-0", { uscc: makeUscc("510104"), name: "安宁小吃店", category: "apparel", openedAt: new Date(clock.now().getTime() - 30 * 86_400_000).toISOString() })]);
  calm = c!.entityId!;
  await rescoresSettled(gw);
  const manual = await reg(officer, "POST", "/v1/regulator/notices", { entityId: calm, facts: "请核实并更新经营者信息公示" });
  expect(manual.status, JSON.stringify(manual.body)).toBe(201);
  calmToken = await linkOf(calm);
}, 180_000);
afterAll(async () => gw?.close());

describe("the explanation", () => {
  it("tells the merchant in Chinese what keeps it out and what it can act on", async () => {
    const res = await asMerchant(gw, stormToken, "/v1/merchant/restoration");
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ entityId: storm, sandbox: "outside", openApplication: null });
    expect(body.summaryZh).toMatch(/^目前未纳入信用沙盒：/);
    const complaints = body.reasons.find((r: Json) => r.indicator.startsWith("complaint"));
    expect(complaints, JSON.stringify(body.reasons)).toMatchObject({ kind: "actionable" });
    expect(complaints.textZh).toMatch(/投诉/);
    expect(complaints.adviceZh).toMatch(/投诉/);
    // The high warning from the storm blocks admission until the notice is rectified: no date yet.
    expect(body.blockers.map((b: Json) => b.rule)).toContain("blocked.warning");
    expect(body.blockers.find((b: Json) => b.rule === "blocked.warning").kind).toBe("actionable");
    expect(body.nextEligibleAt).toBeNull();
    expect(body.nextEligibleZh).toMatch(/整改/);
  });

  it("gives a merchant held back by time alone the date it could next be admitted", async () => {
    const body = (await (await asMerchant(gw, calmToken, "/v1/merchant/restoration")).json()) as Json;
    expect(body).toMatchObject({ entityId: calm, sandbox: "outside" });
    expect(body.blockers.length).toBeGreaterThan(0);
    expect(body.blockers.every((b: Json) => b.kind === "time" && typeof b.until === "string")).toBe(true);
    const policy = (await reg(admin, "GET", "/v1/regulator/sandbox/policy")).body.policy;
    const [e] = await db().rows<{ class_since: Date | string; operating_since: Date | string }>(sql`select class_since, operating_since from entity where id = ${calm}::uuid`);
    const expected = Math.max(
      new Date(e!.class_since).getTime() + policy.admission.minDaysInClass * 86_400_000,
      new Date(e!.operating_since).getTime() + policy.admission.minHistoryDays * 86_400_000,
    );
    expect(new Date(body.nextEligibleAt).getTime()).toBe(expected);
    expect(body.nextEligibleZh).toContain(`最早可于${new Date(expected).toISOString().slice(0, 10)}纳入沙盒`);
  });

  it("is shown on the merchant page without inline script", async () => {
    // The page's script loads the notice's content with the link's token; the section is in it.
    const res = await gw.fetch("/v1/merchant/notice/html", { headers: { authorization: `Bearer ${calmToken}` } });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("信用修复");
    expect(html).toContain("最早可于");
    expect(html).not.toContain("<script");
    const page = await gw.fetch("/m");
    expect(page.headers.get("content-security-policy")).not.toContain("unsafe-inline");
  });

  it("is served to a platform with shops for the entity (through the SDK), and to no other", async () => {
    const sdk = await sdkOf(pa);
    const mine = await sdk.getRestoration(calm);
    expect(mine).toMatchObject({ entityId: calm, sandbox: "outside" });
    expect(mine.nextEligibleAt).not.toBeNull();
    expect((await pa.get(`/v1/entities/${storm}/restoration`)).status).toBe(200);
    expect((await pb.get(`/v1/entities/${storm}/restoration`)).status).toBe(404);
  });
});

describe("applications and their review", () => {
  it("takes one open application per entity, with evidence", async () => {
    const res = await asMerchant(gw, stormToken, "/v1/merchant/restoration/applications", {
      text: "已逐一处理全部投诉并完成退款，更换了食材供应商。",
      links: ["https://example.com/report"],
      files: [{ name: "整改报告.png", contentType: "image/png", contentBase64: PNG.toString("base64") }],
    });
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ entityId: storm, status: "open", links: ["https://example.com/report"], reviewedAt: null });
    expect(body.files).toEqual([expect.objectContaining({ fileName: "整改报告.png", contentType: "image/png", sizeBytes: PNG.length })]);
    applicationId = body.applicationId;
    const again = await asMerchant(gw, stormToken, "/v1/merchant/restoration/applications", { text: "再次申请" });
    expect(again.status).toBe(409);
    const relayed = await pa.signedRequest(`/v1/entities/${storm}/restoration/applications`, { text: "平台代为提交" });
    expect(relayed.status).toBe(409);
    expect((await asMerchant(gw, stormToken, "/v1/merchant/restoration/applications", {})).status).toBe(400);
    const view = (await (await asMerchant(gw, stormToken, "/v1/merchant/restoration")).json()) as Json;
    expect(view.openApplication.applicationId).toBe(applicationId);
  });

  it("is invisible to a district officer of another region", async () => {
    expect((await reg(farOfficer, "GET", "/v1/regulator/restoration/applications")).body.applications).toEqual([]);
    expect((await reg(farOfficer, "GET", `/v1/regulator/restoration/applications/${applicationId}`)).status).toBe(404);
    expect((await reg(farOfficer, "POST", `/v1/regulator/restoration/applications/${applicationId}/review`, { decision: "accept", comment: "越权" })).status).toBe(404);
    const mine = await reg(officer, "GET", "/v1/regulator/restoration/applications?status=open");
    expect(mine.body.applications.map((a: Json) => a.applicationId)).toEqual([applicationId]);
    const detail = await reg(officer, "GET", `/v1/regulator/restoration/applications/${applicationId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.restoration.entityId).toBe(storm);
    const filePath = `/v1/regulator/restoration/applications/${applicationId}/files/${detail.body.files[0].fileId}`;
    const file = await regulatorCall(gw, officer, "GET", filePath);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await regulatorCall(gw, farOfficer, "GET", filePath)).status).toBe(404);
  });

  it("accepted: the entity is re-scored at once and the platform hears restoration.updated", async () => {
    const before = (await db().rows<{ n: number }>(sql`select count(*)::int as n from classification where entity_id = ${storm}::uuid`))[0]!.n;
    const res = await reg(officer, "POST", `/v1/regulator/restoration/applications/${applicationId}/review`, { decision: "accept", comment: "整改到位，同意信用修复。" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: "accepted", reviewComment: "整改到位，同意信用修复。" });
    await rescoresSettled(gw);
    const after = (await db().rows<{ n: number }>(sql`select count(*)::int as n from classification where entity_id = ${storm}::uuid`))[0]!.n;
    expect(after).toBe(before + 1);
    const updates = (await feedOf(gw, pa)).filter((m) => m.type === "restoration.updated" && m.entityId === storm).map((m) => m.data);
    expect(updates).toEqual([
      { applicationId, status: "open" },
      { applicationId, status: "accepted", comment: "整改到位，同意信用修复。" },
    ]);
    expect((await reg(officer, "POST", `/v1/regulator/restoration/applications/${applicationId}/review`, { decision: "reject", comment: "再审" })).status).toBe(409);
    const audit = await db().rows<{ actor: string; data: Json }>(sql`select actor, data from audit_log where action = 'restoration.review' and subject_id = ${applicationId}`);
    expect(audit).toEqual([{ actor: `regulator:${officer.userId}`, data: expect.objectContaining({ decision: "accept", entityId: storm }) }]);
  });

  it("rejected: the comment reaches the platform, and the merchant may apply again", async () => {
    const sdk = await sdkOf(pa);
    const app = await sdk.applyForRestoration(calm, { text: "已补全经营者信息公示" });
    expect(app).toMatchObject({ entityId: calm, status: "open", appliedBy: `platform:${pa.platformId}` });
    const twice = await sdk.applyForRestoration(calm, { text: "重复" }).catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(GatewayError);
    expect((twice as GatewayError).status).toBe(409);
    expect((await pb.signedRequest(`/v1/entities/${calm}/restoration/applications`, { text: "不是我的" })).status).toBe(404);
    const res = await reg(officer, "POST", `/v1/regulator/restoration/applications/${app.applicationId}/review`, { decision: "reject", comment: "缺少公示页面截图" });
    expect(res.body).toMatchObject({ status: "rejected", reviewComment: "缺少公示页面截图" });
    const updates = (await feedOf(gw, pa)).filter((m) => m.type === "restoration.updated" && m.entityId === calm).map((m) => m.data);
    expect(updates.at(-1)).toEqual({ applicationId: app.applicationId, status: "rejected", comment: "缺少公示页面截图" });
    expect((await reg(officer, "GET", "/v1/regulator/restoration/applications?status=rejected")).body.applications.map((a: Json) => a.applicationId)).toEqual([app.applicationId]);
    const again = await asMerchant(gw, calmToken, "/v1/merchant/restoration/applications", { text: "已补充公示页面截图" });
    expect(again.status).toBe(201);
  });
});
