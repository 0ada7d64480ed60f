// The deadline of a rectification case, on whichever job runner the environment gives (in-process
// on PGlite, Bull on PostgreSQL + Redis): a reminder before it and escalation after it, each
// exactly once — also when the gateway restarts in between, when the deadline job runs again
// (redelivery after a crash), and when the hourly sweep runs too. A case submitted in time and
// awaiting review is not escalated; an escalation re-scores the entity and counts at the fence.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { escalateCase, remindCase } from "../src/notices/deadlines.js";
import { DELIVERY_CHECK_JOB, ESCALATE_JOB, ESCALATE_SWEEP_JOB, REMIND_JOB, DEFAULT_NOTICE_OPTIONS } from "../src/notices/index.js";
import { merchant } from "./exchange-fixtures.js";
import { feedOf, HOUR, jobsDone, post, regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T02:00:00Z`);
const OPTIONS = { ...DEFAULT_NOTICE_OPTIONS, reminderBeforeMs: 2 * HOUR };
let gw: TestGateway;
let pa: OnboardedPlatform;

beforeAll(async () => {
  gw = await startTestGateway({ clock, notices: OPTIONS });
  pa = await onboardPlatform(gw, { name: "Deadline A" });
});
afterAll(async () => gw?.close());

const db = () => gw.system.deps.db;
const caseDeps = () => ({ clock, publish: gw.system.outbound.publish, enqueueMany: gw.system.deps.enqueueMany });

/** An officer of the city, logged in again as the clock moves on (tokens expire). */
let officer: { who: LoggedInRegulator; at: number } | undefined;
async function asOfficer(method: string, path: string, body?: unknown): Promise<Response> {
  if (!officer || clock.now().getTime() - officer.at > HOUR) officer = { who: await loginRegulator(gw, { role: "officer", regionPrefix: "5101" }), at: clock.now().getTime() };
  return regulatorCall(gw, officer.who, method, path, body);
}

/** A merchant and a notice an officer issues due in `dueInMs` (POST /v1/regulator/notices); returns the ids. */
async function noticeDueIn(shop: string, dueInMs: number): Promise<{ entityId: string; noticeId: string; caseId: string }> {
  const [r] = await post(pa, "/v1/merchants/batch", [merchant(shop)]);
  const entityId = r!.entityId!;
  const res = await asOfficer("POST", "/v1/regulator/notices", { entityId, facts: "测试事实", dueAt: new Date(clock.now().getTime() + dueInMs).toISOString() });
  expect(res.status).toBe(201);
  const { noticeId, caseId } = (await res.json()) as { noticeId: string; caseId: string };
  return { entityId, noticeId, caseId };
}

/** The case as regulators read it: status, reminder and escalation times, timeline. */
const caseOf = async (caseId: string) =>
  (await (await asOfficer("GET", `/v1/regulator/rectifications/${caseId}`)).json()) as { status: string; remindedAt: string | null; escalatedAt: string | null; timeline: Array<{ action: string }> };
const stepsOf = async (caseId: string) => (await caseOf(caseId)).timeline.map((s) => s.action);

/** The hourly sweep, run now. */
async function runSweep(): Promise<void> {
  await db().transaction((tx) => gw.system.deps.enqueueMany(tx, [{ job: ESCALATE_SWEEP_JOB, payload: {} }]));
  gw.system.deps.kick();
  await jobsDone(gw, ESCALATE_SWEEP_JOB);
}

/** The merchant's evidence, relayed by its platform (signed). */
async function submit(noticeId: string): Promise<void> {
  expect((await pa.signedRequest(`/v1/notices/${noticeId}/evidence`, { text: "已整改" })).status).toBe(200);
}

const updates = async (caseId: string) =>
  (await feedOf(gw, pa)).filter((m) => m.type === "rectification.updated" && m.data.caseId === caseId).map((m) => m.data.action);

async function advanceAndRun(ms: number, job: string, caseId: string): Promise<void> {
  clock.advance(ms);
  gw.system.deps.kick();
  await jobsDone(gw, job, { caseId });
}

describe("a rectification deadline", () => {
  it("reminds once before it and escalates once after it, across a restart, a redelivered job and the sweep", async () => {
    const { entityId, caseId } = await noticeDueIn("late", 6 * HOUR);
    expect(await stepsOf(caseId)).toEqual(["opened"]);

    await advanceAndRun(4 * HOUR + 60_000, REMIND_JOB, caseId);
    expect((await caseOf(caseId)).remindedAt).not.toBeNull();
    expect(await updates(caseId)).toEqual(["reminded"]);

    await gw.restart(); // the escalation job is still pending in the outbox (and, on Bull, not yet relayed)
    await advanceAndRun(2 * HOUR, ESCALATE_JOB, caseId);
    const escalated = await caseOf(caseId);
    expect(escalated.status).toBe("escalated");
    expect(escalated.escalatedAt).not.toBeNull();

    // The job delivered again (a crash between its commit and its acknowledgement), a reminder
    // job redelivered, and the hourly sweep: none of them does anything more.
    expect(await db().transaction((tx) => escalateCase(tx, caseDeps(), caseId))).toBe(false);
    expect(await db().transaction((tx) => remindCase(tx, caseDeps(), caseId))).toBe(false);
    await runSweep();

    expect(await stepsOf(caseId)).toEqual(["opened", "reminded", "escalated"]);
    expect(await updates(caseId)).toEqual(["reminded", "escalated"]);
    // Escalation re-scores the entity, and the fence counts the open escalated case.
    await rescoresSettled(gw);
    const overdue = await db().transaction((tx) => gw.system.notices.overdueRectifications(tx, [entityId]));
    expect(overdue.get(entityId)).toBe(1);
  });

  it("escalates exactly once when the gateway restarts right at the deadline", async () => {
    const { caseId } = await noticeDueIn("edge", 2_000); // due inside the runners' look-ahead: may already be queued
    clock.advance(HOUR);
    gw.system.deps.kick();
    await gw.restart();
    gw.system.deps.kick();
    await jobsDone(gw, ESCALATE_JOB, { caseId });
    expect(await stepsOf(caseId)).toEqual(["opened", "escalated"]);
    expect(await updates(caseId)).toEqual(["escalated"]);
  });

  it("does not escalate a case submitted in time and awaiting review; the sweep leaves it too", async () => {
    const { noticeId, caseId } = await noticeDueIn("ontime", 3 * HOUR);
    await submit(noticeId);
    await advanceAndRun(3 * HOUR + 60_000, ESCALATE_JOB, caseId);
    await runSweep();
    expect((await caseOf(caseId)).status).toBe("submitted");
    expect(await stepsOf(caseId)).toEqual(["opened", "submitted"]);
  });

  it("is escalated by the sweep when its job went missing", async () => {
    const { caseId } = await noticeDueIn("lost", 3 * HOUR);
    // The job is lost (an operator deleted it, a bug): only the sweep is left.
    await db().orm.execute(sql`delete from outbox where job = ${ESCALATE_JOB} and payload->>'caseId' = ${caseId}`);
    clock.advance(3 * HOUR + 60_000);
    await runSweep();
    expect((await caseOf(caseId)).status).toBe("escalated");
    expect(await stepsOf(caseId)).toEqual(["opened", "escalated"]);
  });

  it("keeps the timeline append-only: steps are never changed or removed", async () => {
    const { caseId } = await noticeDueIn("frozen", 3 * HOUR);
    const refusal = (q: Promise<unknown>) => q.then(() => "allowed", (e: Error & { cause?: Error }) => String(e.cause?.message ?? e.message));
    expect(await refusal(db().orm.execute(sql`update rectification_step set actor = 'someone else' where case_id = ${caseId}::uuid`))).toMatch(/append-only/);
    expect(await refusal(db().orm.execute(sql`delete from rectification_step where case_id = ${caseId}::uuid`))).toMatch(/append-only/);
    expect(await stepsOf(caseId)).toEqual(["opened"]);
  });

  it("stops re-sending a notice no platform confirmed once its case is accepted", async () => {
    const { noticeId, caseId } = await noticeDueIn("settled", 10 * HOUR);
    await submit(noticeId);
    expect((await asOfficer("POST", `/v1/regulator/rectifications/${caseId}/review`, { decision: "accept", comment: "整改到位" })).status).toBe(200);
    clock.advance(OPTIONS.deliveryRetryMs);
    gw.system.deps.kick();
    await jobsDone(gw, DELIVERY_CHECK_JOB, { noticeId });
    const sends = (await feedOf(gw, pa)).filter((m) => m.type === "notice.issued" && m.data.noticeId === noticeId);
    expect(sends.map((m) => m.data.attempt)).toEqual([1]);
    expect(await stepsOf(caseId)).toEqual(["opened", "submitted", "accepted"]);
  });
});
