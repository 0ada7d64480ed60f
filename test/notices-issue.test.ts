// Notices issued from warnings and delivered through platforms: a complaint storm against a food
// merchant raises a warn_and_notice warning, whose warning.raised job issues ONE notice (never a
// second, however often the job runs); each platform with a shop of the merchant gets
// notice.issued in its feed and by signed webhook, with its own shop ids and a merchant link;
// platforms report delivered/read; a platform that never confirms is re-sent the notice on a
// backoff and, after the last try, its delivery is undeliverable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { verifyWebhook } from "@credit-sandbox/sdk";
import { complaint } from "./exchange-fixtures.js";
import { complaintStorm, DAY, feedOf, HOUR, jobsDone, post, regulatorCall, type FeedMsg } from "./notices-fixtures.js";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T03:00:00Z`);
let gw: TestGateway;
let pa: OnboardedPlatform;
let pb: OnboardedPlatform;
let pc: OnboardedPlatform; // sells nothing for the stormed merchant
let officer: LoggedInRegulator;
let hook: WebhookReceiver;
let entityId: string;
let noticeId: string;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  gw = await startTestGateway({ clock, notices: { deliveryRetryMs: HOUR, deliveryMaxAttempts: 3 } });
  pa = await onboardPlatform(gw, { name: "Notice A", webhookUrl: hook.url });
  pb = await onboardPlatform(gw, { name: "Notice B" });
  pc = await onboardPlatform(gw, { name: "Notice C" });
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
  entityId = await complaintStorm(gw, clock, [pa, pb], "storm");
});
afterAll(async () => {
  await gw?.close();
  await hook?.close();
});

type NoticeView = { noticeId: string; caseId: string; warningId: string | null; templateKey: string; title: string; body: string; facts: string; issuedAt: string; dueAt: string; deliveryStatus: string };
const noticesFor = async (entity: string): Promise<NoticeView[]> =>
  ((await (await regulatorCall(gw, officer, "GET", `/v1/regulator/notices?entity=${entity}`)).json()) as { notices: NoticeView[] }).notices;
const noticeOf = async (id: string): Promise<NoticeView> => (await (await regulatorCall(gw, officer, "GET", `/v1/regulator/notices/${id}`)).json()) as NoticeView;
const timelineOf = async (id: string): Promise<Array<{ action: string; actor: string }>> =>
  ((await (await regulatorCall(gw, officer, "GET", `/v1/regulator/rectifications/${(await noticeOf(id)).caseId}`)).json()) as { timeline: Array<{ action: string; actor: string }> }).timeline;
const noticesOf = (p: OnboardedPlatform) => async (): Promise<FeedMsg[]> => (await feedOf(gw, p)).filter((m) => m.type === "notice.issued");

describe("a notice from a warning", () => {
  it("is issued once for the storm's warn_and_notice warning, with the template's Chinese text and the evidence's facts", async () => {
    const { warnings } = (await (await regulatorCall(gw, officer, "GET", `/v1/regulator/warnings?entity=${entityId}`)).json()) as { warnings: Array<{ warningId: string; ruleKey: string }> };
    const storm = warnings.find((w) => w.ruleKey === "complaints.storm_high_hazard");
    expect(storm, JSON.stringify(warnings)).toBeDefined();
    const notices = await noticesFor(entityId);
    // Only the storm rule issues notices (complaints.high_frequency warns only).
    expect(notices).toHaveLength(1);
    const n = notices[0]!;
    noticeId = n.noticeId;
    expect(n.warningId).toBe(storm!.warningId);
    expect(n.templateKey).toBe("warning.complaints");
    expect(n.title).toBe("关于消费投诉集中问题的行政提示书");
    expect(n.facts).toContain("高风险品类集中投诉");
    expect(n.facts).toMatch(/近7日消费投诉2\d次/);
    expect(n.body).toContain("storm 小吃店");
    expect(n.body).toContain("《中华人民共和国消费者权益保护法》");
    expect(n.body).not.toMatch(/\{\{/);
    expect(new Date(n.dueAt).getTime() - new Date(n.issuedAt).getTime()).toBe(15 * DAY);
    expect(n.deliveryStatus).toBe("pending");
  });

  it("is never issued twice for one warning: the job run again, more hits in the window, a duplicate job", async () => {
    const w = { id: (await noticeOf(noticeId)).warningId! };
    await gw.system.notices.onWarningRaised({ warningId: w!.id, action: "warn_and_notice" }, { jobId: 0, attempt: 2 });
    await Promise.all([1, 2, 3].map(() => gw.system.notices.onWarningRaised({ warningId: w!.id, action: "warn_and_notice" }, { jobId: 0, attempt: 1 })));
    // More complaints in the window: the warning is refreshed, not raised again.
    await post(pa, "/v1/events/batch", Array.from({ length: 5 }, (_, k) => complaint(`storm-more-${k}`, "storm-0", new Date(clock.now().getTime() - k * 60_000).toISOString())));
    await rescoresSettled(gw);
    await jobsDone(gw, "warning.raised");
    const warning = (await (await regulatorCall(gw, officer, "GET", `/v1/regulator/warnings/${w.id}`)).json()) as { hitCount: number };
    expect(warning.hitCount).toBeGreaterThan(1);
    expect(await noticesFor(entityId)).toHaveLength(1);
  });

  it("goes to every platform with a shop of the merchant, feed and signed webhook, each with its own shops and a merchant link", async () => {
    const [a, b, c] = await Promise.all([noticesOf(pa)(), noticesOf(pb)(), noticesOf(pc)()]);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    expect(c).toHaveLength(0);
    expect(a[0]!.data).toMatchObject({ noticeId, entityId, shopIds: ["storm-0"], attempt: 1, caseStatus: "open" });
    expect(b[0]!.data).toMatchObject({ noticeId, shopIds: ["storm-1"] });
    const link = String(a[0]!.data.merchantUrl);
    // The token travels in the fragment only: never in the path or query, which proxies log.
    expect(link.startsWith(`${gw.url}/m#t=`)).toBe(true);
    expect(new URL(link).search).toBe("");
    expect(new URL(link).pathname.endsWith("/m")).toBe(true);
    expect(a[0]!.data.merchantLinkId).not.toBe(b[0]!.data.merchantLinkId);
    expect(new Date(String(a[0]!.data.merchantUrlExpiresAt)).getTime()).toBe(new Date(String(a[0]!.data.dueAt)).getTime() + 30 * DAY);

    await jobsDone(gw, "webhook.deliver");
    const pushed = hook.hits.map((r) => JSON.parse(r.body.toString()) as FeedMsg).filter((m) => m.type === "notice.issued");
    expect(pushed.map((m) => m.id)).toEqual([a[0]!.id]);
    const raw = hook.hits.find((r) => r.body.includes('"notice.issued"'))!;
    const verified = await verifyWebhook({ clientId: pa.clientId, body: raw.body, headers: raw.headers, jwksUrl: `${gw.url}/.well-known/jwks.json`, now: () => clock.now().getTime() });
    expect(verified.data).toMatchObject({ noticeId });

    const own = await pa.get(`/v1/notices/${noticeId}`);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ noticeId, shopIds: ["storm-0"], delivery: { status: "pending", attempts: 1 } });
    expect((await pc.get(`/v1/notices/${noticeId}`)).status).toBe(404);
  });

  it("takes delivered and read receipts, signed, per platform; read implies delivered; repeats change nothing", async () => {
    const unsigned = await pa.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "delivered" }, { headerOverrides: { "x-jws-signature": null } });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { code: string }).code).toBe("SIGNATURE_MISSING");
    expect((await pa.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "delivered" }, { scopes: ["entities:read"] })).status).toBe(403);
    expect((await pc.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "delivered" })).status).toBe(404);
    expect((await pa.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "opened" })).status).toBe(400);

    // A platform clock behind the gateway's: the time is kept no earlier than the notice's issue.
    const { issuedAt } = await noticeOf(noticeId);
    const at = new Date(issuedAt).toISOString();
    const early = new Date(new Date(issuedAt).getTime() - DAY).toISOString();
    const delivered = await pa.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "delivered", at: early, shopId: "storm-0" });
    expect(delivered.status).toBe(200);
    expect(await delivered.json()).toMatchObject({ status: "delivered", deliveredAt: at, readAt: null });
    const read = await pa.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "read" });
    expect(await read.json()).toMatchObject({ status: "read", deliveredAt: at, readAt: clock.now().toISOString() });
    const again = await pa.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "delivered" });
    expect(await again.json()).toMatchObject({ status: "read" });

    expect((await noticeOf(noticeId)).deliveryStatus).toBe("read");
    const steps = await timelineOf(noticeId);
    expect(steps.map((s) => s.action)).toEqual(["opened", "delivered", "read"]);
    expect(steps[1]!.actor).toBe(`platform:${pa.platformId}`);
  });

  it("is re-sent to a platform that never confirms, on a doubling backoff, then marked undeliverable there", async () => {
    clock.advance(HOUR);
    gw.system.deps.kick();
    await jobsDone(gw, "notice.delivery-check", { noticeId });
    let b = await noticesOf(pb)();
    expect(b.map((m) => m.data.attempt)).toEqual([1, 2]);
    expect((await noticesOf(pa)()).map((m) => m.data.attempt)).toEqual([1]); // A confirmed: never re-sent

    clock.advance(2 * HOUR);
    gw.system.deps.kick();
    await jobsDone(gw, "notice.delivery-check", { noticeId });
    b = await noticesOf(pb)();
    expect(b.map((m) => m.data.attempt)).toEqual([1, 2, 3]);

    clock.advance(4 * HOUR);
    gw.system.deps.kick();
    await jobsDone(gw, "notice.delivery-check", { noticeId });
    expect((await noticesOf(pb)()).map((m) => m.data.attempt)).toEqual([1, 2, 3]);
    const own = (await (await pb.get(`/v1/notices/${noticeId}`)).json()) as { delivery: { status: string; attempts: number; undeliverableAt: string } };
    expect(own.delivery).toMatchObject({ status: "undeliverable", attempts: 3, undeliverableAt: clock.now().toISOString() });
    // Platform A read it, so the notice as a whole is not undeliverable.
    expect((await noticeOf(noticeId)).deliveryStatus).toBe("read");
    // A late receipt still counts.
    const late = await pb.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "delivered" });
    expect(await late.json()).toMatchObject({ status: "delivered" });
  });

  it("is undeliverable as a whole when no platform confirms it", async () => {
    const lonely = await complaintStorm(gw, clock, [pc], "lonely");
    const [n] = await noticesFor(lonely);
    for (const step of [HOUR, 2 * HOUR, 4 * HOUR]) {
      clock.advance(step);
      gw.system.deps.kick();
      await jobsDone(gw, "notice.delivery-check", { noticeId: n!.noticeId });
    }
    // Regulators find it among the undeliverable notices (hours later: a fresh login).
    officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
    const { notices } = (await (await regulatorCall(gw, officer, "GET", "/v1/regulator/notices?delivery=undeliverable")).json()) as { notices: NoticeView[] };
    expect(notices.map((x) => x.noticeId)).toEqual([n!.noticeId]);
    expect((await timelineOf(n!.noticeId)).map((s) => s.action)).toEqual(["opened", "undeliverable"]);
  });
});
