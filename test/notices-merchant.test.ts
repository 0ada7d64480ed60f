// The merchant link end to end, through HTTP: a notice issued for an entity selling on two
// platforms reaches both feeds with a merchantUrl (the token in its fragment); the link opens the
// HTML page, whose script loads the notice's content with the token as a bearer, as does the
// JSON API; the merchant acknowledges (once, however often asked) and submits
// evidence (text, link, a PNG) that only its own case's link can download; files of another type
// or too large are refused with nothing kept; a rejected case takes a resubmission, an accepted
// one none; forged, foreign and (last, by moving the clock) expired tokens get 401. The platform
// relay's authorisation is checked on the shared verbs directly.
import { generateKeyPair, SignJWT, decodeProtectedHeader } from "jose";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { applyStep, lockCase } from "../src/notices/cases.js";
import { acknowledgeNotice, submitEvidence } from "../src/notices/merchant-verbs.js";
import { DEFAULT_NOTICE_OPTIONS, issueNotice, type Issued } from "../src/notices/index.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { asMerchant, linkToken } from "./notices-fixtures.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";

const DAY = 24 * 3_600_000;
const T0 = new Date("2026-06-15T08:00:00Z");
const clock = new ManualClock(T0);
// A 1x1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

type FeedMsg = { type: string; data: Record<string, unknown> };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;
let outsider: OnboardedPlatform;
let viewer: LoggedInRegulator;
let first: Issued & { token: string; url: string; title: string };
let second: Issued & { token: string; url: string };
let fileId: string;

const db = () => gw.system.deps.db;

async function feedOf(p: OnboardedPlatform): Promise<FeedMsg[]> {
  while (!(await feedCaughtUp(db()))) await new Promise((r) => setTimeout(r, 20));
  const res = await p.get("/v1/feed?limit=1000");
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: FeedMsg[] }).messages;
}

async function issue(entityId: string, facts: string): Promise<Issued> {
  const sys = gw.system;
  const link = { signer: sys.auth.signer, clock, issuer: gw.url };
  const issued = await db().transaction((tx) =>
    issueNotice(
      tx,
      { clock, publish: sys.outbound.publish, enqueueMany: sys.deps.enqueueMany, options: DEFAULT_NOTICE_OPTIONS, link },
      { entityId, source: "manual", facts, dueAt: new Date(T0.getTime() + 15 * DAY), issuedBy: "system:test" },
    ),
  );
  return issued!;
}

/** The merchant link a platform received for a notice (its notice.issued message). */
async function linkFrom(p: OnboardedPlatform, noticeId: string): Promise<{ url: string; token: string; title: string }> {
  const msg = (await feedOf(p)).find((m) => m.type === "notice.issued" && m.data.noticeId === noticeId);
  expect(msg, `notice.issued for ${noticeId}`).toBeDefined();
  const url = String(msg!.data.merchantUrl);
  expect(url.startsWith(`${gw.url}/m#t=`)).toBe(true);
  return { url, token: linkToken(url), title: String(msg!.data.title) };
}

/** The notice's content as the page's script loads it. */
const contentOf = async (token: string) => {
  const res = await asMerchant(gw, token, "/v1/merchant/notice/html");
  expect(res.status).toBe(200);
  return res.text();
};

const evidenceCount = async (caseId: string) =>
  (await db().rows<{ n: number }>(sql`select count(*)::int as n from rectification_evidence where case_id = ${caseId}::uuid`))[0]!.n;
const fileCount = async () => (await db().rows<{ n: number }>(sql`select count(*)::int as n from rectification_file`))[0]!.n;

/** A regulator's decision, through the state machine (the review API is another part's). */
async function decide(caseId: string, action: "accepted" | "rejected", comment: string) {
  await db().transaction(async (tx) => {
    const row = await lockCase(tx, { caseId });
    await applyStep(tx, { clock, publish: gw.system.outbound.publish }, row!, { action, actor: "regulator:test-officer", comment });
  });
}

beforeAll(async () => {
  gw = await startTestGateway({ clock });
  [a, b, outsider] = [await onboardPlatform(gw, { name: "A" }), await onboardPlatform(gw, { name: "B" }), await onboardPlatform(gw, { name: "C" })];
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  const uscc = makeUscc("510104");
  let entityId = "";
  for (const [i, p] of [a, b].entries()) {
    const res = await p.signedRequest("/v1/merchants/batch", { records: [merchant(`m-shop-${i}`, { uscc, name: "锦江<小吃>店", category: "food" })] });
    entityId = ((await res.json()) as Json).results[0].entityId;
  }
  const res = await a.signedRequest("/v1/merchants/batch", { records: [merchant("other-shop", { category: "food" })] });
  const otherEntity = ((await res.json()) as Json).results[0].entityId as string;
  const one = await issue(entityId, "近期累计收到消费者投诉 22 件，主要反映食品变质。\n请核查。");
  first = { ...one, ...(await linkFrom(a, one.noticeId)) };
  const two = await issue(otherEntity, "另一商户的事实。");
  second = { ...two, ...(await linkFrom(a, two.noticeId)) };
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

describe("the merchant link", () => {
  it("reaches every platform of the entity; the page carries no token and loads the notice with the link's token", async () => {
    const fromB = await linkFrom(b, first.noticeId);
    for (const url of [first.url, fromB.url]) {
      // The token is in the fragment: not in the path or query, so never in a request line.
      const parsed = new URL(url);
      expect(parsed.pathname).toBe(`${new URL(gw.url).pathname.replace(/\/$/, "")}/m`);
      expect(parsed.search).toBe("");
      expect(parsed.hash.startsWith("#t=")).toBe(true);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await res.text();
      // The same page for every notice: nothing of the notice in it.
      expect(html).not.toContain(first.noticeNo);
      expect(html).toContain('<html lang="zh-CN">');
      expect(html).toContain('name="viewport"');
      const csp = res.headers.get("content-security-policy")!;
      const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      // The script is the gateway's own file; no inline script.
      expect(csp).toContain("script-src 'self'");
      for (const d of ["default-src 'none'", "connect-src 'self'", "form-action 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(d);
      expect(html.match(/<script/g)).toEqual(["<script"]);
      expect(html).toContain('<script src="m/assets/notice.js" defer></script>');
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const script = await fetch(`${gw.url}/m/assets/notice.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain("location.hash");
    // The content the script loads: escaped, line breaks kept, for either platform's link.
    for (const token of [first.token, fromB.token]) {
      const res = await asMerchant(gw, token, "/v1/merchant/notice/html");
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      expect(html).toContain(first.noticeNo);
      expect(html).toContain(first.title);
      expect(html).toContain("锦江&lt;小吃&gt;店");
      expect(html).not.toContain("锦江<小吃>店");
      expect(html).toContain("食品变质。<br>请核查。");
      expect(html).toContain("待确认收悉");
      expect(html).not.toContain("<script");
    }
  });

  it("refuses a link in the old form (the token in the path) with a page saying so, without using the token", async () => {
    const res = await fetch(`${gw.url}/m/${first.token}`);
    expect(res.status).toBe(410);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("链接已停用");
    expect(html).not.toContain(first.noticeNo);
  });

  it("as a bearer opens GET /v1/merchant/notice: the notice, its open case, no evidence yet, the limits", async () => {
    const res = await asMerchant(gw, first.token, "/v1/merchant/notice");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ noticeId: first.noticeId, noticeNo: first.noticeNo, title: first.title, entityName: "锦江<小吃>店", evidence: [] });
    expect(body.case).toMatchObject({ caseId: first.caseId, status: "open", submissions: 0, overdue: false });
    expect(body.limits).toEqual({ maxFiles: 5, maxFileBytes: 4 * 1024 * 1024, contentTypes: ["image/jpeg", "image/png", "image/webp", "application/pdf"] });
    expect(body.timeline.map((s: Json) => s.action)).toEqual(["opened"]);
  });

  it("acknowledges once, however often asked", async () => {
    const r1 = await asMerchant(gw, first.token, "/v1/merchant/notice/acknowledge", { note: "已收到" });
    const r2 = await asMerchant(gw, first.token, "/v1/merchant/notice/acknowledge", {});
    expect([r1.status, r2.status]).toEqual([200, 200]);
    const [c1, c2] = [(await r1.json()) as Json, (await r2.json()) as Json];
    expect(c1.status).toBe("acknowledged");
    expect(c2).toEqual(c1);
    const view = (await (await asMerchant(gw, first.token, "/v1/merchant/notice")).json()) as Json;
    const acks = view.timeline.filter((s: Json) => s.action === "acknowledged");
    // The merchant sees kinds of actor only.
    expect(acks).toEqual([expect.objectContaining({ actor: "merchant", comment: "已收到", detail: {} })]);
  });

  it("refuses a file whose bytes are not its declared type (400) and keeps nothing of the submission", async () => {
    const files0 = await fileCount();
    const res = await asMerchant(gw, first.token, "/v1/merchant/notice/evidence", {
      text: "整改说明",
      files: [
        { name: "ok.png", contentType: "image/png", contentBase64: PNG.toString("base64") },
        { name: "page.png", contentType: "image/png", contentBase64: Buffer.from("<html><script>alert(1)</script></html>").toString("base64") },
      ],
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Json;
    expect(problem.code).toBe("VALIDATION_FAILED");
    expect(problem.errors).toEqual([expect.objectContaining({ pointer: "/files/1/contentBase64" })]);
    expect(await evidenceCount(first.caseId)).toBe(0);
    expect(await fileCount()).toBe(files0);
    const view = (await (await asMerchant(gw, first.token, "/v1/merchant/notice")).json()) as Json;
    expect(view.case).toMatchObject({ status: "acknowledged", submissions: 0 });
  });

  it("refuses a file over 4 MiB (413, naming it) and keeps nothing, just over the limit or well over it", async () => {
    for (const size of [4 * 1024 * 1024 + 1024, 6 * 1024 * 1024]) {
      const big = Buffer.concat([PNG, Buffer.alloc(size - PNG.length)]);
      const res = await asMerchant(gw, first.token, "/v1/merchant/notice/evidence", {
        text: "整改说明",
        files: [{ name: "巨大.png", contentType: "image/png", contentBase64: big.toString("base64") }],
      });
      expect(res.status).toBe(413);
      const problem = (await res.json()) as Json;
      expect(problem.code).toBe("PAYLOAD_TOO_LARGE");
      expect(problem.detail).toContain("巨大.png");
    }
    expect(await evidenceCount(first.caseId)).toBe(0);
  });

  it("takes evidence (text, link, PNG): the case is submitted, the items listed, the file downloadable with safe headers", async () => {
    const res = await asMerchant(gw, first.token, "/v1/merchant/notice/evidence", {
      text: "已下架问题商品，并对投诉逐一回访。",
      links: ["https://shop.example.com/notice/rectified"],
      files: [{ name: "../整改 照片.png", contentType: "image/png", contentBase64: PNG.toString("base64") }],
    });
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toMatchObject({ caseId: first.caseId, status: "submitted", submissions: 1 });
    const view = (await (await asMerchant(gw, first.token, "/v1/merchant/notice")).json()) as Json;
    expect(view.evidence.map((e: Json) => [e.submission, e.kind])).toEqual([
      [1, "text"],
      [1, "link"],
      [1, "file"],
    ]);
    const file = view.evidence[2];
    expect(file).toMatchObject({ fileName: "整改 照片.png", contentType: "image/png", sizeBytes: PNG.length, submittedBy: "merchant" });
    expect(file).not.toHaveProperty("contentBase64");
    expect(view.timeline.at(-1)).toMatchObject({ action: "submitted", detail: { submission: 1, items: 3, files: 1 } });
    fileId = file.evidenceId;

    const dl = await asMerchant(gw, first.token, `/v1/merchant/notice/evidence/${fileId}`);
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer())).toEqual(PNG);
    expect(dl.headers.get("content-type")).toBe("image/png");
    expect(dl.headers.get("content-disposition")).toBe(`attachment; filename="_ _.png"; filename*=UTF-8''${encodeURIComponent("整改 照片.png")}`);
    expect(dl.headers.get("x-content-type-options")).toBe("nosniff");
    expect(dl.headers.get("content-security-policy")).toContain("sandbox");
    expect(dl.headers.get("cache-control")).toBe("private, no-store");

    // The page lists the evidence and no longer offers the form.
    const html = await contentOf(first.token);
    expect(html).toContain("整改 照片.png");
    expect(html).toContain("整改材料已提交，等待审核");
    expect(html).not.toContain('id="evidence"');
  });

  it("opens only its own notice: another notice's link cannot read the first's evidence", async () => {
    const own = (await (await asMerchant(gw, second.token, "/v1/merchant/notice")).json()) as Json;
    expect(own.noticeId).toBe(second.noticeId);
    expect(own.evidence).toEqual([]);
    expect((await asMerchant(gw, second.token, `/v1/merchant/notice/evidence/${fileId}`)).status).toBe(404);
    const html = await contentOf(second.token);
    expect(html).toContain(second.noticeNo);
    expect(html).not.toContain(first.noticeNo);
  });

  it("refuses forged tokens and other gateway tokens (401 on the API and the page's content)", async () => {
    const [h, p] = first.token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Json;
    // The payload altered to name the second notice, the signature kept.
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: second.noticeId, ent: claims.ent })).toString("base64url")}.${first.token.split(".")[2]}`;
    // Signed by a key that is not the gateway's (same kid, typ, issuer, audience).
    const { privateKey } = await generateKeyPair("ES256");
    const foreign = await new SignJWT({ ...claims }).setProtectedHeader(decodeProtectedHeader(first.token) as { alg: string }).sign(privateKey);
    const platformToken = await a.token();
    for (const token of [altered, foreign, viewer.token, platformToken]) {
      const api = await asMerchant(gw, token, "/v1/merchant/notice");
      expect(api.status).toBe(401);
      expect(api.headers.get("www-authenticate")).toContain("invalid_token");
      expect((await asMerchant(gw, token, "/v1/merchant/notice/html")).status).toBe(401);
    }
    expect((await gw.fetch("/v1/merchant/notice")).status).toBe(401);
  });

  it("a rejected case takes a resubmission; an accepted one refuses evidence (409)", async () => {
    await decide(first.caseId, "rejected", "材料不全，请补充进货凭证。");
    const page = await contentOf(first.token);
    expect(page).toContain("材料不全，请补充进货凭证。");
    expect(page).toContain("重新提交整改材料");
    const res = await asMerchant(gw, first.token, "/v1/merchant/notice/evidence", { text: "补充说明：进货凭证见附件。" });
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toMatchObject({ status: "submitted", submissions: 2 });
    await decide(first.caseId, "accepted", "整改到位。");
    const late = await asMerchant(gw, first.token, "/v1/merchant/notice/evidence", { text: "再补充" });
    expect(late.status).toBe(409);
    // Acknowledging an accepted case changes nothing.
    expect(((await (await asMerchant(gw, first.token, "/v1/merchant/notice/acknowledge", {})).json()) as Json).status).toBe("accepted");
    const view = (await (await asMerchant(gw, first.token, "/v1/merchant/notice")).json()) as Json;
    expect(view.evidence.map((e: Json) => e.submission)).toEqual([1, 1, 1, 2]);
    // The officer stays anonymous to the merchant.
    expect(view.timeline.filter((s: Json) => s.action === "rejected" || s.action === "accepted").map((s: Json) => s.actor)).toEqual(["regulator", "regulator"]);
    // Both platforms were told of every step.
    for (const p of [a, b]) {
      const updates = (await feedOf(p)).filter((m) => m.type === "rectification.updated" && m.data.noticeId === first.noticeId);
      expect(updates.map((m) => m.data.action)).toEqual(["acknowledged", "submitted", "rejected", "submitted", "accepted"]);
    }
  });

  it("the platform relay (shared verbs) acts only on notices sent to it", async () => {
    const principal = (p: OnboardedPlatform, scopes = ["notices:write", "entities:read"]) => ({ kind: "platform" as const, platformId: p.platformId, clientId: p.clientId, scopes });
    const deps = { db: db(), clock, publish: gw.system.outbound.publish, kick: () => gw.system.deps.kick() };
    const as = (actor: Parameters<typeof acknowledgeNotice>[0]["actor"]) => ({ ...deps, actor });
    await expect(acknowledgeNotice(as(principal(b)), { noticeId: second.noticeId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(submitEvidence(as(principal(outsider)), { noticeId: second.noticeId, submission: { text: "x" } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(acknowledgeNotice(as(principal(a, ["entities:read"])), { noticeId: second.noticeId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const acked = await acknowledgeNotice(as(principal(a)), { noticeId: second.noticeId, note: "平台代为确认" });
    expect(acked.status).toBe("acknowledged");
    const submitted = await submitEvidence(as(principal(a)), { noticeId: second.noticeId, submission: { links: ["https://a.example/proof"] } });
    expect(submitted).toMatchObject({ status: "submitted", submissions: 1 });
    const view = (await (await asMerchant(gw, second.token, "/v1/merchant/notice")).json()) as Json;
    // The merchant sees that a platform relayed it, not which one.
    expect(view.evidence).toEqual([expect.objectContaining({ kind: "link", submittedBy: "platform" })]);
    // A merchant link is its own notice's only.
    const link = { kind: "merchant" as const, noticeId: first.noticeId, entityId: "x", linkId: "x", platformId: a.platformId };
    await expect(acknowledgeNotice(as(link), { noticeId: second.noticeId })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("stops working once the link has expired (the deadline plus the grace period): 401 on the API and the page's content", async () => {
    const [row] = await db().rows<{ link_expires_at: Date | string }>(sql`select link_expires_at from notice where id = ${second.noticeId}::uuid`);
    clock.set(new Date(new Date(row!.link_expires_at).getTime() + 60_000));
    const api = await asMerchant(gw, second.token, "/v1/merchant/notice");
    expect(api.status).toBe(401);
    expect((await asMerchant(gw, second.token, "/v1/merchant/notice/html")).status).toBe(401);
  });
});
