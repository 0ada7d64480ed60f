// The whole loop of issue 7, through the public interfaces only (the platform SDK, the merchant
// link over HTTP, the regulator API): events -> warning -> notice -> the platform's webhook and
// feed -> delivered/read receipts -> the merchant acknowledges through the link -> evidence ->
// an officer rejects, the merchant resubmits through the platform relay -> the officer accepts
// -> the warning is closed -> the figures count it; rectification.updated at every step.
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, verifyWebhook, type EventRecord, type FeedMessage, type GatewayClient, type MerchantRecord } from "@credit-sandbox/sdk";
import { ManualClock } from "../src/clock.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { complaint, makeUscc, merchant } from "./exchange-fixtures.js";
import { jobsDone, linkToken, regulatorCall } from "./notices-fixtures.js";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T03:00:00Z`);
let gw: TestGateway;
let sdkA: GatewayClient;
let clientIdA: string;
let sdkB: GatewayClient;
let officer: LoggedInRegulator;
let hook: WebhookReceiver;

// A 1x1 PNG.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

beforeAll(async () => {
  hook = await startWebhookReceiver();
  gw = await startTestGateway({ clock });
  const a = await onboardPlatform(gw, { name: "平台甲", webhookUrl: hook.url });
  clientIdA = a.clientId;
  const b = await onboardPlatform(gw, { name: "平台乙" });
  const client = async (p: typeof a) =>
    createGatewayClient({ baseUrl: gw.url, clientId: p.clientId, privateJwk: { ...(await exportJWK(p.keys[0]!.privateKey)), kid: p.keys[0]!.kid }, now: () => clock.now().getTime() });
  [sdkA, sdkB] = [await client(a), await client(b)];
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
});
afterAll(async () => {
  await gw?.close();
  await hook?.close();
});

async function feed(client: GatewayClient): Promise<FeedMessage[]> {
  while (!(await feedCaughtUp(gw.system.deps.db))) await new Promise((r) => setTimeout(r, 20));
  const out: FeedMessage[] = [];
  for await (const page of client.feed.pages({ limit: 1000 })) out.push(...page.messages);
  return out;
}
const caseUpdates = async (client: GatewayClient, caseId: string) =>
  (await feed(client)).filter((m) => m.type === "rectification.updated" && m.data.caseId === caseId).map((m) => `${m.data.action}:${m.data.status}`);

const merchantCall = (token: string, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
  gw.fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...extra },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe("the notice and rectification loop", () => {
  let entityId: string;
  let noticeId: string;
  let caseId: string;
  let warningId: string;
  let token: string;

  it("events through the SDK raise a warning whose notice reaches both platforms, by webhook and feed", async () => {
    const uscc = makeUscc("510107");
    const rec = (shop: string) => merchant(shop, { uscc, regionCode: "510107", category: "food", name: "成都好味食品店" }) as MerchantRecord;
    const [ra] = (await sdkA.submitMerchants([rec("loop-a")])).results;
    await sdkB.submitMerchants([rec("loop-b")]);
    entityId = ra!.entityId!;
    const events = Array.from({ length: 21 }, (_, k) =>
      complaint(`loop-c${k}`, "loop-a", new Date(clock.now().getTime() - (k + 1) * 300_000).toISOString(), { data: { channel: "hotline_12315", reason: "食品变质" } }) as EventRecord,
    );
    expect((await sdkA.submitEvents(events)).accepted).toBe(21);
    await rescoresSettled(gw);
    await jobsDone(gw, "warning.raised");

    const issued = (await feed(sdkA)).filter((m) => m.type === "notice.issued");
    expect(issued).toHaveLength(1);
    expect((await feed(sdkB)).filter((m) => m.type === "notice.issued")).toHaveLength(1);
    noticeId = String(issued[0]!.data.noticeId);
    caseId = String(issued[0]!.data.caseId);
    token = linkToken(String(issued[0]!.data.merchantUrl));

    await jobsDone(gw, "webhook.deliver");
    const raw = hook.hits.find((p) => p.body.includes(noticeId))!;
    const message = await verifyWebhook({ clientId: clientIdA, body: raw.body, headers: raw.headers, jwksUrl: `${gw.url}/.well-known/jwks.json`, now: () => clock.now().getTime() });
    expect(message).toMatchObject({ type: "notice.issued", data: { noticeId, shopIds: ["loop-a"] } });

    const notice = await sdkA.getNotice(noticeId);
    expect(notice.title).toBe("关于消费投诉集中问题的行政提示书");
    expect(notice.body).toContain("成都好味食品店");
    const warnings = (await (await regulatorCall(gw, officer, "GET", `/v1/regulator/warnings?entity=${entityId}&rule=complaints.storm_high_hazard`)).json()) as { warnings: Array<{ warningId: string; status: string }> };
    warningId = warnings.warnings[0]!.warningId;
    expect(warnings.warnings[0]!.status).toBe("open");
    expect((await sdkA.getEntity(entityId)).openNotices).toBe(1);
  });

  it("takes receipts from the platforms through the SDK", async () => {
    expect((await sdkA.reportNoticeReceipt(noticeId, { status: "delivered", shopId: "loop-a" })).status).toBe("delivered");
    expect((await sdkA.reportNoticeReceipt(noticeId, { status: "read" })).status).toBe("read");
    expect((await sdkB.reportNoticeReceipt(noticeId, { status: "delivered" })).status).toBe("delivered");
  });

  it("lets the merchant open the link, acknowledge and submit evidence with no account", async () => {
    expect((await gw.fetch("/m")).status).toBe(200);
    const content = await merchantCall(token, "GET", "/v1/merchant/notice/html");
    expect(content.status).toBe(200);
    expect(await content.text()).toContain("关于消费投诉集中问题的行政提示书");
    const ack = await merchantCall(token, "POST", "/v1/merchant/notice/acknowledge", { note: "已收到，立即整改" });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ caseId, status: "acknowledged" });
    const evidence = {
      text: "已下架涉事批次并全额退款。",
      links: ["https://shop.example/loop-a/recall"],
      files: [{ name: "退款记录.png", contentType: "image/png", contentBase64: PNG }],
    };
    const key = { "idempotency-key": "merchant-submission-1" };
    const submitted = await merchantCall(token, "POST", "/v1/merchant/notice/evidence", evidence, key);
    expect(submitted.status).toBe(200);
    const first = await submitted.json();
    expect(first).toMatchObject({ status: "submitted", submissions: 1 });
    // The page retries a submission whose answer was lost with the same key: the first answer, nothing stored twice.
    const retried = await merchantCall(token, "POST", "/v1/merchant/notice/evidence", evidence, key);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual(first);
  });

  it("lets a platform revoke its own merchant link through the SDK: that token stops working, a new link is issued", async () => {
    const before = await sdkA.getNotice(noticeId);
    const revoked = await sdkA.revokeMerchantLink(noticeId, "链接误发");
    expect(revoked.revoked).toEqual([expect.objectContaining({ linkId: before.merchantLinkId })]);
    expect((await merchantCall(token, "GET", "/v1/merchant/notice")).status).toBe(401);
    const after = await sdkA.getNotice(noticeId);
    expect(after.merchantLinkId).not.toBe(before.merchantLinkId);
    token = linkToken(after.merchantUrl);
    expect((await merchantCall(token, "GET", "/v1/merchant/notice")).status).toBe(200);
  });

  it("lets an officer reject with a reason; the merchant resubmits through the platform's relay; the officer accepts", async () => {
    const rejected = await regulatorCall(gw, officer, "POST", `/v1/regulator/rectifications/${caseId}/review`, { decision: "reject", comment: "缺少检验报告" });
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ status: "rejected", lastComment: "缺少检验报告" });
    const again = await sdkA.submitRectification(noticeId, { text: "补充第三方检验报告。", files: [{ name: "report.pdf", contentType: "application/pdf", contentBase64: Buffer.from("%PDF-1.4\n%test\n").toString("base64") }] });
    expect(again).toMatchObject({ status: "submitted", submissions: 2 });
    const accepted = await regulatorCall(gw, officer, "POST", `/v1/regulator/rectifications/${caseId}/review`, { decision: "accept", comment: "整改到位" });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ status: "accepted" });
  });

  it("closes the warning, tells the platforms each step, and counts the case in the figures", async () => {
    const w = (await (await regulatorCall(gw, officer, "GET", `/v1/regulator/warnings/${warningId}`)).json()) as { status: string; closedBy: string };
    expect(w).toMatchObject({ status: "closed", closedBy: `rectification:${caseId}` });
    const expected = ["acknowledged:acknowledged", "submitted:submitted", "rejected:rejected", "submitted:submitted", "accepted:accepted"];
    expect(await caseUpdates(sdkA, caseId)).toEqual(expected);
    expect(await caseUpdates(sdkB, caseId)).toEqual(expected);
    expect((await sdkA.getEntity(entityId)).openNotices).toBe(0);

    const detail = (await (await regulatorCall(gw, officer, "GET", `/v1/regulator/rectifications/${caseId}`)).json()) as { timeline: Array<{ action: string }>; evidence: unknown[] };
    expect(detail.timeline.map((s) => s.action)).toEqual(["opened", "delivered", "read", "delivered", "acknowledged", "submitted", "rejected", "submitted", "accepted"]);
    expect(detail.evidence).toHaveLength(5);

    const figures = (await (await regulatorCall(gw, officer, "GET", "/v1/regulator/notice-figures?by=region&region=510107")).json()) as {
      rows: Array<Record<string, unknown>>;
      total: Record<string, unknown>;
    };
    expect(figures.total).toMatchObject({ issued: 1, delivered: 1, read: 1, acknowledged: 1, rectified: 1, overdue: 0, escalated: 0, rectificationRate: 1 });
    expect(figures.rows).toEqual([expect.objectContaining({ group: "510107", label: "武侯区", issued: 1, rectified: 1 })]);
  });
});
