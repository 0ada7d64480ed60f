// The regulator's side of notices and rectification, through HTTP: an officer's manual notice
// (one per warning, region-scoped, audited), the notice and case lists with their filters, the
// review (accept closes the warning and tells the platforms; reject sends the case back and, after
// the deadline, escalates it), evidence files served to the regulator, the figures by region,
// platform and period for a small scenario with exact numbers, the templates API (a new version
// applies to notices issued after it only), and the case history where classification, the
// platform's entity status and the regulator's profile read it.
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeFeatures } from "../src/classification/features.js";
import { dropStaged, stagedComputeFeatures, stageFeatures } from "../src/classification/runs-stage.js";
import { computeRelationshipIndicators } from "../src/classification/relationships.js";
import { ManualClock } from "../src/clock.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { complaintStorm, DAY, feedOf, jobsDone, linkToken, post, regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T04:00:00Z`);
let gw: TestGateway;
let pa: OnboardedPlatform;
let pb: OnboardedPlatform;
let pc: OnboardedPlatform;
let viewer: LoggedInRegulator;
let officer: LoggedInRegulator;
let farOfficer: LoggedInRegulator;
let cityOfficer: LoggedInRegulator;
let admin: LoggedInRegulator;
let stormEntity: string;
let stormWarning: string;
let frequencyWarning: string;
let stormNotice: Notice;
let manualNotice: Notice;
/** The figures scenario's entities (A accepted in time, B escalated, C untouched). */
const figureIds = {} as Record<"A" | "B" | "C", string>;

interface Delivery { platformId: string; platformName: string; status: string }
interface Notice { noticeId: string; noticeNo: string; entityId: string; source: string; warningId: string | null; ruleKey: string | null; templateKey: string; templateVersion: number; title: string; body: string; issuedBy: string; dueAt: string; deliveries: Delivery[]; caseId: string; caseStatus: string }
interface Case { caseId: string; noticeId: string; status: string; overdue: boolean; submissions: number; lastComment: string | null; escalatedAt: string | null }

beforeAll(async () => {
  // Re-sends far away: the clock moves by days here, and delivery is not what these tests watch.
  gw = await startTestGateway({ clock, notices: { deliveryRetryMs: 90 * DAY } });
  [pa, pb, pc] = [await onboardPlatform(gw, { name: "Alpha" }), await onboardPlatform(gw, { name: "Beta" }), await onboardPlatform(gw, { name: "Gamma" })];
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
  farOfficer = await loginRegulator(gw, { role: "officer", regionPrefix: "510105" });
  cityOfficer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
  stormEntity = await complaintStorm(gw, clock, [pa, pb], "rs");
  const warnings = await db().rows<{ id: string; rule_key: string }>(sql`select id::text as id, rule_key from warning where entity_id = ${stormEntity}::uuid`);
  stormWarning = warnings.find((w) => w.rule_key === "complaints.storm_high_hazard")!.id;
  frequencyWarning = warnings.find((w) => w.rule_key === "complaints.high_frequency")!.id;
}, 120_000);
afterAll(async () => gw?.close());

const db = () => gw.system.deps.db;
const call = async <T>(who: LoggedInRegulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: T; res: Response }> => {
  const res = await regulatorCall(gw, who, method, path, body);
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, body: (type.includes("json") ? await res.json() : undefined) as T, res };
};
const get = <T>(who: LoggedInRegulator, path: string) => call<T>(who, "GET", path);
const caseIds = async (who: LoggedInRegulator, q: string) => (await get<{ cases: Case[] }>(who, `/v1/regulator/rectifications?${q}`)).body.cases.map((c) => c.caseId);
const noticeIds = async (who: LoggedInRegulator, q: string) => (await get<{ notices: Notice[] }>(who, `/v1/regulator/notices?${q}`)).body.notices.map((n) => n.noticeId);
const review = (who: LoggedInRegulator, caseId: string, decision: "accept" | "reject", comment: string) =>
  call<Case & { code?: string }>(who, "POST", `/v1/regulator/rectifications/${caseId}/review`, { decision, comment });

const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201c3a4b1a30000000049454e44ae426082", "hex");

/** The merchant answers through its link (from the notice.issued message): a text and, optionally, a PNG. */
async function submit(n: Notice, withFile = false): Promise<void> {
  const platform = [pa, pb, pc].find((p) => p.platformId === n.deliveries[0]!.platformId)!;
  const sent = (await feedOf(gw, platform)).find((m) => m.type === "notice.issued" && m.data.noticeId === n.noticeId)!;
  const token = linkToken(String(sent.data.merchantUrl));
  const body = { text: "已整改，附说明。", ...(withFile ? { files: [{ name: "整改照片.png", contentType: "image/png", contentBase64: PNG.toString("base64") }] } : {}) };
  const res = await gw.fetch("/v1/merchant/notice/evidence", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** After the clock moves by days the regulators' tokens have expired: log them in again. */
async function relogin(): Promise<void> {
  for (const r of [viewer, officer, farOfficer, cityOfficer, admin]) {
    const res = await gw.fetch("/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: r.username, password: r.password }) });
    r.token = ((await res.json()) as { token: string }).token;
  }
}

const updatesOf = async (p: OnboardedPlatform, caseId: string) =>
  (await feedOf(gw, p)).filter((m) => m.type === "rectification.updated" && m.data.caseId === caseId).map((m) => m.data);

describe("manual notices", () => {
  it("an officer issues one about a warning of an entity in their region (201, audited, sent to its platforms); one per warning", async () => {
    const [auto] = await db().rows<{ id: string }>(sql`select id::text as id from notice where warning_id = ${stormWarning}::uuid`);
    stormNotice = (await get<Notice>(viewer, `/v1/regulator/notices/${auto!.id}`)).body;
    clock.advance(60_000);
    const body = { entityId: stormEntity, warningId: frequencyWarning, facts: "近30日消费投诉集中，涉及食品变质。" };
    expect((await call(viewer, "POST", "/v1/regulator/notices", body)).status).toBe(403);
    expect((await call(farOfficer, "POST", "/v1/regulator/notices", body)).status).toBe(404);
    const notTheirs = await call<{ errors: Array<{ pointer: string }> }>(officer, "POST", "/v1/regulator/notices", { ...body, warningId: uuidv7() });
    expect(notTheirs.status).toBe(400);
    expect(notTheirs.body.errors[0]!.pointer).toBe("/warningId");
    const taken = await call<{ noticeId: string }>(officer, "POST", "/v1/regulator/notices", { ...body, warningId: stormWarning });
    expect(taken.status).toBe(409);
    expect(taken.body.noticeId).toBe(stormNotice.noticeId);

    const created = await call<Notice>(officer, "POST", "/v1/regulator/notices", body);
    expect(created.status).toBe(201);
    manualNotice = created.body;
    expect(manualNotice).toMatchObject({
      entityId: stormEntity, source: "manual", warningId: frequencyWarning, ruleKey: "complaints.high_frequency", templateKey: "manual.default",
      templateVersion: 1, issuedBy: `regulator:${officer.userId}`, caseStatus: "open", dueAt: new Date(clock.now().getTime() + 15 * DAY).toISOString(),
    });
    expect(manualNotice.body).toContain(manualNotice.noticeNo);
    expect(manualNotice.body).toContain(body.facts);
    expect(manualNotice.deliveries.map((d) => [d.platformName, d.status])).toEqual([["Alpha", "pending"], ["Beta", "pending"]]);

    const again = await call<{ noticeId: string }>(officer, "POST", "/v1/regulator/notices", body);
    expect(again.status).toBe(409);
    expect(again.body.noticeId).toBe(manualNotice.noticeId);
    const audit = await db().rows<{ actor: string; subject_id: string }>(sql`select actor, subject_id from audit_log where action = 'notice.issue'`);
    expect(audit).toEqual([{ actor: `regulator:${officer.userId}`, subject_id: manualNotice.noticeId }]);
    for (const p of [pa, pb]) {
      const sent = (await feedOf(gw, p)).filter((m) => m.type === "notice.issued" && m.data.noticeId === manualNotice.noticeId);
      expect(sent).toHaveLength(1);
    }
  });
});

describe("lists", () => {
  it("notices: newest first, filtered, paged, inside the caller's region only", async () => {
    const both = [manualNotice.noticeId, stormNotice.noticeId];
    expect(await noticeIds(viewer, `entity=${stormEntity}`)).toEqual(both);
    expect(await noticeIds(viewer, `entity=${stormEntity}&source=manual`)).toEqual([manualNotice.noticeId]);
    expect(await noticeIds(viewer, `entity=${stormEntity}&source=warning`)).toEqual([stormNotice.noticeId]);
    expect(await noticeIds(viewer, `entity=${stormEntity}&platform=${pa.platformId}`)).toEqual(both);
    expect(await noticeIds(viewer, `entity=${stormEntity}&platform=${pc.platformId}`)).toEqual([]);
    expect(await noticeIds(viewer, `entity=${stormEntity}&delivery=pending`)).toEqual(both);
    expect(await noticeIds(viewer, `entity=${stormEntity}&delivery=read`)).toEqual([]);
    expect(await noticeIds(officer, `entity=${stormEntity}&region=510104`)).toEqual(both);
    expect(await noticeIds(officer, `entity=${stormEntity}&region=510105`)).toEqual([]);
    expect(await noticeIds(farOfficer, `entity=${stormEntity}`)).toEqual([]);

    const first = await get<{ notices: Notice[]; nextCursor: string | null }>(viewer, `/v1/regulator/notices?entity=${stormEntity}&limit=1`);
    expect(first.body.notices.map((n) => n.noticeId)).toEqual([manualNotice.noticeId]);
    const second = await get<{ notices: Notice[]; nextCursor: string | null }>(viewer, `/v1/regulator/notices?entity=${stormEntity}&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.notices.map((n) => n.noticeId)).toEqual([stormNotice.noticeId]);
    expect(second.body.nextCursor).toBeNull();
    expect((await get(viewer, "/v1/regulator/notices?cursor=bm90LWEtY3Vyc29y")).status).toBe(400);

    const one = await get<Notice>(viewer, `/v1/regulator/notices/${manualNotice.noticeId}`);
    expect(one.body).toEqual(manualNotice);
    expect((await get(farOfficer, `/v1/regulator/notices/${manualNotice.noticeId}`)).status).toBe(404);
    expect(stormNotice).toMatchObject({ source: "warning", warningId: stormWarning, ruleKey: "complaints.storm_high_hazard", issuedBy: "system:monitoring" });
  });

  it("cases: by status, rule, platform, region and escalation", async () => {
    const [m, s] = [manualNotice.caseId, stormNotice.caseId];
    expect(await caseIds(viewer, `entity=${stormEntity}`)).toEqual([m, s]);
    expect(await caseIds(viewer, `entity=${stormEntity}&status=open`)).toEqual([m, s]);
    expect(await caseIds(viewer, `entity=${stormEntity}&status=submitted`)).toEqual([]);
    expect(await caseIds(viewer, "rule=complaints.storm_high_hazard")).toEqual([s]);
    expect(await caseIds(viewer, "rule=complaints.high_frequency")).toEqual([m]);
    expect(await caseIds(viewer, `entity=${stormEntity}&platform=${pb.platformId}`)).toEqual([m, s]);
    expect(await caseIds(viewer, `entity=${stormEntity}&platform=${pc.platformId}`)).toEqual([]);
    expect(await caseIds(viewer, `entity=${stormEntity}&region=510105`)).toEqual([]);
    expect(await caseIds(farOfficer, `entity=${stormEntity}`)).toEqual([]);
    expect(await caseIds(viewer, `entity=${stormEntity}&escalated=true`)).toEqual([]);
    expect(await caseIds(viewer, `entity=${stormEntity}&overdue=true`)).toEqual([]);
    expect(await caseIds(viewer, `entity=${stormEntity}&overdue=false&escalated=false`)).toEqual([m, s]);
    const page = await get<{ cases: Case[]; nextCursor: string }>(viewer, `/v1/regulator/rectifications?entity=${stormEntity}&limit=1`);
    expect(await caseIds(viewer, `entity=${stormEntity}&limit=1&cursor=${page.body.nextCursor}`)).toEqual([s]);
  });
});

describe("review", () => {
  it("only a submitted case, only an officer of its region", async () => {
    const open = await review(officer, stormNotice.caseId, "accept", "ok");
    expect(open.status).toBe(409);
    await submit(stormNotice, true);
    expect((await review(viewer, stormNotice.caseId, "accept", "ok")).status).toBe(403);
    expect((await review(farOfficer, stormNotice.caseId, "accept", "ok")).status).toBe(404);
  });

  it("accepting closes the warning, tells both platforms, re-scores the entity and is audited", async () => {
    const comment = "投诉已逐一处理，问题商品已下架，整改到位。";
    const accepted = await review(officer, stormNotice.caseId, "accept", comment);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ caseId: stormNotice.caseId, status: "accepted", lastComment: comment, submissions: 1, overdue: false });
    expect((await review(officer, stormNotice.caseId, "accept", comment)).status).toBe(409);

    const warning = await get<{ status: string; closedBy: string; closeReason: string }>(viewer, `/v1/regulator/warnings/${stormWarning}`);
    expect(warning.body).toMatchObject({ status: "closed", closedBy: `rectification:${stormNotice.caseId}`, closeReason: comment });
    for (const p of [pa, pb]) {
      const updates = await updatesOf(p, stormNotice.caseId);
      expect(updates.map((u) => u.action)).toEqual(["submitted", "accepted"]);
      expect(updates[1]).toMatchObject({ status: "accepted", actorKind: "regulator", comment });
    }
    const audit = await db().rows<{ actor: string; data: { decision: string; closedWarnings: string[] } }>(sql`
      select actor, data from audit_log where action = 'rectification.review' and subject_id = ${stormNotice.caseId}`);
    expect(audit).toEqual([{ actor: `regulator:${officer.userId}`, data: expect.objectContaining({ decision: "accept", closedWarnings: [stormWarning] }) }]);
    const rescores = await db().rows<{ n: number }>(sql`select count(*)::int as n from rescore_pending where entity_id = ${stormEntity}::uuid`);
    const drains = await db().rows<{ n: number }>(sql`
      select count(*)::int as n from outbox where job = 'classification.rescore' and created_at >= ${clock.now().toISOString()}::timestamptz`);
    expect(rescores[0]!.n + drains[0]!.n).toBeGreaterThanOrEqual(1);
    await rescoresSettled(gw);
  });

  it("the case's detail carries its notice, evidence and timeline; its file is served as an attachment to regulators in scope", async () => {
    const detail = await get<Case & { notice: Notice; evidence: Array<{ evidenceId: string; kind: string; fileName?: string; sizeBytes?: number }>; timeline: Array<{ action: string; actor: string }> }>(
      viewer, `/v1/regulator/rectifications/${stormNotice.caseId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.notice.noticeId).toBe(stormNotice.noticeId);
    expect(detail.body.evidence.map((e) => e.kind)).toEqual(["text", "file"]);
    expect(detail.body.timeline.map((s) => s.action)).toEqual(["opened", "submitted", "accepted"]);
    expect(detail.body.timeline[2]!.actor).toBe(`regulator:${officer.userId}`);
    expect((await get(farOfficer, `/v1/regulator/rectifications/${stormNotice.caseId}`)).status).toBe(404);

    const file = detail.body.evidence.find((e) => e.kind === "file")!;
    const res = await regulatorCall(gw, viewer, "GET", `/v1/regulator/rectifications/${stormNotice.caseId}/evidence/${file.evidenceId}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="_.png"; filename*=UTF-8''${encodeURIComponent("整改照片.png")}`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect((await regulatorCall(gw, farOfficer, "GET", `/v1/regulator/rectifications/${stormNotice.caseId}/evidence/${file.evidenceId}`)).status).toBe(404);
    expect((await regulatorCall(gw, viewer, "GET", `/v1/regulator/rectifications/${manualNotice.caseId}/evidence/${file.evidenceId}`)).status).toBe(404);
  });

  it("rejecting sends the case back with the reason; the merchant submits again and is accepted", async () => {
    const caseId = manualNotice.caseId;
    await submit(manualNotice);
    const rejected = await review(officer, caseId, "reject", "整改材料不全，请补充投诉处理记录。");
    expect(rejected.body).toMatchObject({ status: "rejected", lastComment: "整改材料不全，请补充投诉处理记录。", escalatedAt: null, submissions: 1 });
    expect((await updatesOf(pa, caseId)).map((u) => [u.action, u.status])).toEqual([["submitted", "submitted"], ["rejected", "rejected"]]);
    await submit(manualNotice);
    expect(await caseIds(viewer, `entity=${stormEntity}&status=submitted`)).toEqual([caseId]);
    const accepted = await review(officer, caseId, "accept", "补充材料齐全。");
    expect(accepted.body).toMatchObject({ status: "accepted", submissions: 2 });
    expect((await get<{ status: string }>(viewer, `/v1/regulator/warnings/${frequencyWarning}`)).body.status).toBe("closed");
  });
});

describe("figures and deadlines", () => {
  // Three notices after `from`: A (武侯, Alpha + Beta) read on Alpha, accepted in time; B (武侯,
  // Alpha) due in 2 days, submitted, rejected after the deadline -> escalated; C (成华, Beta) the
  // next day, delivered on Beta, untouched.
  let from: string;
  let dayA: string;
  let dayC: string;
  const ids: Record<"A" | "B" | "C", { entityId: string; notice: Notice }> = {} as never;

  async function issue(key: "A" | "B" | "C", platforms: OnboardedPlatform[], region: string, dueInDays?: number): Promise<void> {
    const uscc = makeUscc(region);
    let entityId = "";
    for (const [i, p] of platforms.entries()) entityId = (await post(p, "/v1/merchants/batch", [merchant(`fig-${key}-${i}`, { uscc, regionCode: region })]))[0]!.entityId!;
    const dueAt = dueInDays === undefined ? {} : { dueAt: new Date(clock.now().getTime() + dueInDays * DAY).toISOString() };
    const res = await call<Notice>(cityOfficer, "POST", "/v1/regulator/notices", { entityId, facts: `事实 ${key}`, ...dueAt });
    expect(res.status).toBe(201);
    ids[key] = { entityId, notice: res.body };
    figureIds[key] = entityId;
  }

  it("a rejection after the deadline escalates; overdue and escalated filter the cases", async () => {
    clock.advance(5 * DAY);
    await relogin();
    from = clock.now().toISOString();
    dayA = from.slice(0, 10);
    await issue("A", [pa, pb], "510107");
    await issue("B", [pa], "510107", 2);
    clock.advance(DAY);
    await relogin();
    dayC = clock.now().toISOString().slice(0, 10);
    await issue("C", [pb], "510108");
    expect((await pa.signedRequest(`/v1/notices/${ids.A.notice.noticeId}/receipts`, { status: "read" })).status).toBe(200);
    expect((await pb.signedRequest(`/v1/notices/${ids.C.notice.noticeId}/receipts`, { status: "delivered" })).status).toBe(200);
    await submit(ids.A.notice);
    expect((await review(cityOfficer, ids.A.notice.caseId, "accept", "整改到位")).status).toBe(200);
    await submit(ids.B.notice);
    expect(await caseIds(viewer, "region=510107&overdue=true")).toEqual([]);

    clock.advance(DAY + 60_000); // B's deadline has passed while it awaits review: not escalated
    await relogin();
    gw.system.deps.kick();
    await jobsDone(gw, "rectification.escalate", { caseId: ids.B.notice.caseId });
    expect(await caseIds(viewer, "region=510107&overdue=true")).toEqual([ids.B.notice.caseId]);
    expect(await caseIds(viewer, "region=510107&escalated=true")).toEqual([]);
    const rejected = await review(cityOfficer, ids.B.notice.caseId, "reject", "逾期且材料不符");
    expect(rejected.body).toMatchObject({ status: "escalated", overdue: true, lastComment: "逾期且材料不符" });
    expect(rejected.body.escalatedAt).toBe(clock.now().toISOString());
    expect((await updatesOf(pa, ids.B.notice.caseId)).map((u) => u.action)).toEqual(["submitted", "rejected", "escalated"]);
    expect(await caseIds(viewer, "region=510107&escalated=true")).toEqual([ids.B.notice.caseId]);
    expect(await caseIds(viewer, "region=510107&overdue=false")).toEqual([ids.A.notice.caseId]);
    expect(await caseIds(viewer, "region=510108&overdue=false")).toEqual([ids.C.notice.caseId]);
  });

  const row = (group: string, label: string | null, c: number[]) => {
    const [issued, delivered, read, acknowledged, rectified, overdue, escalated] = c as [number, number, number, number, number, number, number];
    return { group, label, issued, delivered, read, acknowledged, rectified, overdue, escalated, rectificationRate: issued === 0 ? null : Math.round((rectified / issued) * 1e4) / 1e4 };
  };
  const figures = async (who: LoggedInRegulator, q: string) => {
    const res = await get<{ by: string; rows: unknown[]; total: unknown }>(who, `/v1/regulator/notice-figures?${q}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const TOTAL = row("total", null, [3, 2, 1, 2, 1, 1, 1]);

  it("by region, platform and period, with exact numbers", async () => {
    const f = `from=${encodeURIComponent(from)}`;
    expect(await figures(viewer, `by=region&${f}`)).toEqual({
      by: "region", from, to: null, total: TOTAL,
      rows: [row("510107", "武侯区", [2, 1, 1, 2, 1, 1, 1]), row("510108", "成华区", [1, 1, 0, 0, 0, 0, 0])],
    });
    expect(TOTAL.rectificationRate).toBe(0.3333);
    expect((await figures(viewer, `by=platform&${f}`)).rows).toEqual([
      { ...row(pa.platformId, "Alpha", [2, 1, 1, 2, 1, 1, 1]) },
      { ...row(pb.platformId, "Beta", [2, 1, 0, 1, 1, 0, 0]) },
    ]);
    expect((await figures(viewer, `by=platform&platform=${pb.platformId}&${f}`)).rows).toEqual([row(pb.platformId, "Beta", [2, 1, 0, 1, 1, 0, 0])]);
    const byDay = await figures(viewer, `by=period&period=day&${f}`);
    expect(byDay.rows).toEqual([row(dayA, null, [2, 1, 1, 2, 1, 1, 1]), row(dayC, null, [1, 1, 0, 0, 0, 0, 0])]);
    expect(byDay.total).toEqual(TOTAL);
    const month = (d: string) => `${d.slice(0, 7)}-01`;
    const byMonth = await figures(viewer, `by=period&${f}`);
    expect(byMonth.rows).toEqual(month(dayA) === month(dayC)
      ? [row(month(dayA), null, [3, 2, 1, 2, 1, 1, 1])]
      : [row(month(dayA), null, [2, 1, 1, 2, 1, 1, 1]), row(month(dayC), null, [1, 1, 0, 0, 0, 0, 0])]);
    // [from, to): the second day is left out; a region outside the caller's scope sees nothing.
    const to = `${dayC}T00:00:00.000Z`;
    expect((await figures(viewer, `by=region&${f}&to=${encodeURIComponent(to)}`)).total).toEqual(row("total", null, [2, 1, 1, 2, 1, 1, 1]));
    expect((await figures(viewer, `by=region&${f}&region=510108`)).rows).toEqual([row("510108", "成华区", [1, 1, 0, 0, 0, 0, 0])]);
    expect(await figures(farOfficer, `by=region&${f}`)).toMatchObject({ rows: [], total: row("total", null, [0, 0, 0, 0, 0, 0, 0]) });
    // All time, the storm merchant's two accepted notices count too.
    expect((await figures(viewer, "by=region")).rows).toContainEqual(row("510104", "锦江区", [2, 0, 0, 2, 2, 0, 0]));
  });
});

describe("the case history where others read it", () => {
  it("classification: an escalated case counts against the entity (features SQL, per id and staged), an accepted one for it", async () => {
    const [A, B, C] = [figureIds.A, figureIds.B, figureIds.C];
    const asOf = clock.now();
    const perId = await computeFeatures(db().orm, [A, B, C], asOf);
    expect([A, B, C].map((id) => perId.get(id)!.rectifications_overdue_365d)).toEqual([0, 1, 0]);
    const fresh = (await post(pc, "/v1/merchants/batch", [merchant("no-notice", { regionCode: "510107" })]))[0]!.entityId!;
    expect((await computeFeatures(db().orm, [fresh], asOf)).get(fresh)!.rectifications_overdue_365d).toBeNull();
    const table = `reclass_features_${"0".repeat(31)}7`;
    const staged = await db().transaction(async (tx) => {
      await stageFeatures(db(), tx, table, sql`e.region_code in ('510107', '510108')`, asOf);
      const rows = await stagedComputeFeatures(table, computeRelationshipIndicators)(tx, [A, B, C, fresh], asOf);
      await dropStaged(tx, table);
      return rows;
    });
    expect([A, B, C, fresh].map((id) => staged.get(id)!.rectifications_overdue_365d)).toEqual([0, 1, 0, null]);
    // The escalation re-scored B: its class now carries the overdue rectification as a reason.
    await rescoresSettled(gw);
    const profile = await get<{ contributions: Array<{ indicator: string; logLR: number }> }>(viewer, `/v1/regulator/entities/${B}`);
    expect(profile.body.contributions.find((c) => c.indicator === "rectifications_overdue_365d")!.logLR).toBeGreaterThan(0);
  });

  it("a platform's entity status counts the open notices sent to it; the regulator's profile lists the notices", async () => {
    const status = async (p: OnboardedPlatform, id: string) => {
      const res = await p.get(`/v1/entities/${id}`);
      return res.status === 200 ? ((await res.json()) as { openNotices: number }).openNotices : res.status;
    };
    expect(await status(pa, figureIds.A)).toBe(0);
    expect(await status(pa, figureIds.B)).toBe(1);
    expect(await status(pb, figureIds.C)).toBe(1);
    expect(await status(pa, figureIds.C)).toBe(404);
    expect(await status(pa, stormEntity)).toBe(0);
    const profile = await get<{ notices: Array<{ noticeId: string; caseStatus: string; noticeNo: string }> }>(viewer, `/v1/regulator/entities/${stormEntity}`);
    expect(profile.body.notices.map((n) => [n.noticeId, n.caseStatus])).toEqual([[manualNotice.noticeId, "accepted"], [stormNotice.noticeId, "accepted"]]);
    const b = await get<{ notices: Array<{ caseStatus: string; noticeNo: string }> }>(viewer, `/v1/regulator/entities/${figureIds.B}`);
    expect(b.body.notices).toMatchObject([{ caseStatus: "escalated", noticeNo: expect.stringMatching(/^行提〔\d{4}〕510107-\d{6}$/) }]);
  });
});

describe("templates", () => {
  const v2 = {
    title: "行政提示书（第二版）",
    body: "V2 {{noticeNo}}\n{{entityName}}：\n{{facts}}\n依据{{legalBasis}}，请于{{dueDate}}前整改：\n{{rectify}}\n{{issuedDate}}",
    legalBasis: "《网络交易监督管理办法》",
    rectify: "请自查整改并提交材料。",
  };

  it("any regulator reads them; only an admin saves a version (audited); unknown placeholders and stale versions are refused", async () => {
    const list = await get<{ templates: Array<{ key: string; version: number }> }>(viewer, "/v1/regulator/notice-templates");
    expect(list.body.templates.find((t) => t.key === "manual.default")).toMatchObject({ version: 1 });
    expect(list.body.templates.map((t) => t.key)).toContain("warning.complaints");
    const put = (who: LoggedInRegulator, body: unknown) => call<{ version: number; errors?: Array<{ pointer: string; message: string }> }>(who, "PUT", "/v1/regulator/notice-templates/manual.default", body);
    expect((await put(officer, { ...v2, expectedVersion: 1 })).status).toBe(403);
    const typo = await put(admin, { ...v2, body: `${v2.body} {{deadline}}`, expectedVersion: 1 });
    expect(typo.status).toBe(400);
    expect(typo.body.errors).toEqual([{ pointer: "/body", message: expect.stringContaining("{{deadline}}") }]);
    const saved = await put(admin, { ...v2, expectedVersion: 1 });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ key: "manual.default", version: 2, title: v2.title, savedBy: `regulator:${admin.userId}` });
    expect((await put(admin, { ...v2, expectedVersion: 1 })).status).toBe(409);
    const audit = await db().rows<{ actor: string; subject_id: string }>(sql`select actor, subject_id from audit_log where action = 'notice.template.save'`);
    expect(audit).toEqual([{ actor: `regulator:${admin.userId}`, subject_id: "manual.default@2" }]);
  });

  it("a notice issued after the edit uses the new version; one issued before keeps its text", async () => {
    const before = await get<Notice>(viewer, `/v1/regulator/notices/${manualNotice.noticeId}`);
    expect(before.body).toMatchObject({ templateVersion: 1, title: "行政提示书", body: manualNotice.body });
    const after = await call<Notice>(cityOfficer, "POST", "/v1/regulator/notices", { entityId: figureIds.C, facts: "新模板下的事实" });
    expect(after.status).toBe(201);
    expect(after.body).toMatchObject({ templateKey: "manual.default", templateVersion: 2, title: v2.title, rectify: v2.rectify });
    expect(after.body.body.startsWith(`V2 ${after.body.noticeNo}\n`)).toBe(true);
    expect(after.body.body).toContain("新模板下的事实");
  });
});
