// Merchant links are issued per platform, each with a recorded id (the token's jti): the token
// travels in the URL's fragment only; actions through a link record the platform that relayed
// it; a merchant's view through one platform's link shows no platform's ids or shop ids; a
// platform can revoke its own link and an officer any link of a notice in their region, and a
// revoked link's token stops working at once while the other platform's keeps working.
import { sql } from "drizzle-orm";
import { runOperation } from "../src/cli/operations.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { asMerchant, linkToken, regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Link {
  url: string;
  token: string;
  linkId: string;
}

let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;
let officer: LoggedInRegulator;
let viewer: LoggedInRegulator;
let noticeId: string;
let caseId: string;
const SHOP_A = "link-shop-on-a";
const SHOP_B = "link-shop-on-b";


/** The platform's current link for the notice, as GET /v1/notices/{id} gives it. */
async function linkOf(p: OnboardedPlatform): Promise<Link> {
  const res = await p.get(`/v1/notices/${noticeId}`);
  expect(res.status).toBe(200);
  const n = (await res.json()) as Json;
  const url = String(n.merchantUrl);
  return { url, token: linkToken(url), linkId: String(n.merchantLinkId) };
}

beforeAll(async () => {
  gw = await startTestGateway();
  [a, b] = [await onboardPlatform(gw, { name: "A" }), await onboardPlatform(gw, { name: "B" })];
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  const uscc = makeUscc("510104");
  let entityId = "";
  for (const [p, shop] of [[a, SHOP_A], [b, SHOP_B]] as const) {
    const res = await p.signedRequest("/v1/merchants/batch", { records: [merchant(shop, { uscc, regionCode: "510104", name: "蓉城小店" })] });
    entityId = ((await res.json()) as Json).results[0].entityId;
  }
  const res = await regulatorCall(gw, officer, "POST", "/v1/regulator/notices", { entityId, facts: "链接测试" });
  expect(res.status).toBe(201);
  ({ noticeId, caseId } = (await res.json()) as Json);
  // Platform A reports delivery to its shop: the timeline's delivered step names A's shop.
  expect((await a.signedRequest(`/v1/notices/${noticeId}/receipts`, { status: "delivered", shopId: SHOP_A })).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

describe("merchant links per platform", () => {
  it("are one per platform, re-signed with the same id on every read, the token in the fragment only", async () => {
    const [la, lb, la2] = [await linkOf(a), await linkOf(b), await linkOf(a)];
    expect(la.linkId).not.toBe(lb.linkId);
    expect(la2.linkId).toBe(la.linkId);
    for (const l of [la, lb]) {
      const u = new URL(l.url);
      expect(u.pathname.endsWith("/m")).toBe(true);
      expect(u.search).toBe("");
      expect(u.pathname).not.toContain(l.token);
      expect(l.token.split(".")).toHaveLength(3);
      const claims = JSON.parse(Buffer.from(l.token.split(".")[1]!, "base64url").toString()) as Json;
      expect(claims.jti).toBe(l.linkId);
    }
    const rows = await gw.system.deps.db.rows<{ platform_id: string }>(
      sql`select platform_id from merchant_link where notice_id = ${noticeId}::uuid and revoked_at is null order by platform_id`,
    );
    expect(rows.map((r) => r.platform_id)).toEqual([a.platformId, b.platformId].sort());
  });

  it("record the platform that relayed each action in the case's timeline", async () => {
    const [la, lb] = [await linkOf(a), await linkOf(b)];
    expect((await asMerchant(gw, lb.token, "/v1/merchant/notice/acknowledge", { note: "收到" })).status).toBe(200);
    expect((await asMerchant(gw, la.token, "/v1/merchant/notice/evidence", { text: "已整改" })).status).toBe(200);
    const res = await regulatorCall(gw, officer, "GET", `/v1/regulator/rectifications/${caseId}`);
    expect(res.status).toBe(200);
    const timeline = ((await res.json()) as Json).timeline as Json[];
    expect(timeline.find((s) => s.action === "acknowledged")).toMatchObject({
      actor: `merchant:${noticeId}`,
      detail: { relayedBy: `platform:${b.platformId}`, linkId: lb.linkId },
    });
    expect(timeline.find((s) => s.action === "submitted")).toMatchObject({
      actor: `merchant:${noticeId}`,
      detail: { relayedBy: `platform:${a.platformId}`, linkId: la.linkId, submission: 1 },
    });
  });

  it("show the merchant no platform's ids or shop ids through either link", async () => {
    const [la, lb] = [await linkOf(a), await linkOf(b)];
    const view = await (await asMerchant(gw, lb.token, "/v1/merchant/notice")).text();
    const html = await (await asMerchant(gw, lb.token, "/v1/merchant/notice/html")).text();
    // The view does have the steps that carried them (delivered to A's shop, relayed by A).
    expect((JSON.parse(view) as Json).timeline.map((s: Json) => s.action)).toEqual(["opened", "delivered", "acknowledged", "submitted"]);
    for (const text of [view, html]) {
      for (const secret of [a.platformId, SHOP_A, la.linkId, b.platformId, SHOP_B, lb.linkId]) expect(text).not.toContain(secret);
    }
  });

  it("can be revoked by their platform: that token stops working at once, the other platform's does not, a new link is issued", async () => {
    const [la, lb] = [await linkOf(a), await linkOf(b)];
    const res = await a.signedRequest(`/v1/notices/${noticeId}/merchant-link/revoke`, { reason: "发错了收件人" });
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toMatchObject({ noticeId, revoked: [{ linkId: la.linkId, platformId: a.platformId }] });
    for (const path of ["/v1/merchant/notice", "/v1/merchant/notice/html"]) expect((await asMerchant(gw, la.token, path)).status).toBe(401);
    expect((await asMerchant(gw, la.token, "/v1/merchant/notice/acknowledge", {})).status).toBe(401);
    expect((await asMerchant(gw, lb.token, "/v1/merchant/notice")).status).toBe(200);
    // Revoking again finds nothing live.
    expect(((await (await a.signedRequest(`/v1/notices/${noticeId}/merchant-link/revoke`, { reason: "再次" })).json()) as Json).revoked).toEqual([]);
    const fresh = await linkOf(a);
    expect(fresh.linkId).not.toBe(la.linkId);
    expect((await asMerchant(gw, fresh.token, "/v1/merchant/notice")).status).toBe(200);
    const audit = await gw.system.deps.db.rows<{ actor: string; subject_id: string }>(
      sql`select actor, subject_id from audit_log where action = 'notice.merchant_link.revoke' order by seq`,
    );
    expect(audit[0]).toEqual({ actor: `platform:${a.platformId}`, subject_id: noticeId });
  });

  it("can be revoked by an officer, one platform's or all; a viewer may not", async () => {
    const [la, lb] = [await linkOf(a), await linkOf(b)];
    const path = `/v1/regulator/notices/${noticeId}/merchant-links/revoke`;
    expect((await regulatorCall(gw, viewer, "POST", path, { reason: "x" })).status).toBe(403);
    const res = await regulatorCall(gw, officer, "POST", path, { reason: "商户反映链接被他人获取", platformId: b.platformId });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).revoked).toEqual([expect.objectContaining({ linkId: lb.linkId, platformId: b.platformId })]);
    expect((await asMerchant(gw, lb.token, "/v1/merchant/notice")).status).toBe(401);
    expect((await asMerchant(gw, la.token, "/v1/merchant/notice")).status).toBe(200);
    const all = await regulatorCall(gw, officer, "POST", path, { reason: "全部撤销" });
    expect(((await all.json()) as Json).revoked).toEqual([expect.objectContaining({ linkId: la.linkId, platformId: a.platformId })]);
    expect((await asMerchant(gw, la.token, "/v1/merchant/notice")).status).toBe(401);
    const audit = await gw.system.deps.db.rows<{ actor: string }>(sql`select actor from audit_log where action = 'notice.merchant_link.revoke' order by seq`);
    expect(audit.map((r) => r.actor).slice(-2)).toEqual([`regulator:${officer.userId}`, `regulator:${officer.userId}`]);
  });

  it("can be revoked from the operator CLI", async () => {
    const lb = await linkOf(b);
    expect((await asMerchant(gw, lb.token, "/v1/merchant/notice")).status).toBe(200);
    const { db, clock } = gw.system.deps;
    const out = (await runOperation(
      { db, clock, rotateGatewayKey: async () => ({ kid: "", retired: [] }) },
      { command: "notice.revoke-links", input: { noticeId, platformId: b.platformId, reason: "运维撤销" } },
    )) as Json;
    expect(out.revoked).toEqual([expect.objectContaining({ linkId: lb.linkId })]);
    expect((await asMerchant(gw, lb.token, "/v1/merchant/notice")).status).toBe(401);
  });
});
