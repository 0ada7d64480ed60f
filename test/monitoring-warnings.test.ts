// The warning library end to end: a complaint storm sent through the signed events API raises
// ONE warning (not one per complaint or per evaluation) whose warning.raised job runs; the
// regulator lists and filters it over HTTP within their region; an officer closes it (region
// scoped, audited); triggered supervision reminds inside the sandbox on a first low hit and
// applies the rule's action outside, on a repeat or on severe hits; the daily expiry job closes
// stale warnings. Most cases call evaluation in a transaction (as classification's hook calls it)
// to control asOf; one goes through the hook alone (events API -> rescore job -> warning).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { EXPIRE_WARNINGS_JOB } from "../src/monitoring/index.js";
import { complaint, merchant } from "./exchange-fixtures.js";
import { DAY, evaluate, seeder, spread, warningsOf, type Seeder } from "./monitoring-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

const T0 = new Date("2026-06-15T08:00:00Z");
const clock = new ManualClock(T0);
let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;
let viewer: LoggedInRegulator;
let officer: LoggedInRegulator;
let farOfficer: LoggedInRegulator;
let s: Seeder;
let stormEntity: string;
let stormWarning: string;

beforeAll(async () => {
  gw = await startTestGateway({ clock });
  [a, b] = [await onboardPlatform(gw, { name: "A" }), await onboardPlatform(gw, { name: "B" })];
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
  farOfficer = await loginRegulator(gw, { role: "officer", regionPrefix: "510105" });
  s = await seeder(gw.system.deps.db);
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

const db = () => gw.system.deps.db;
const as = (r: LoggedInRegulator, path: string, init: RequestInit = {}) =>
  gw.fetch(path, { ...init, headers: { authorization: `Bearer ${r.token}`, "content-type": "application/json", ...(init.headers ?? {}) } });

async function post(p: OnboardedPlatform, path: string, records: unknown[]): Promise<{ results: { entityId?: string }[] }> {
  const res = await p.signedRequest(path, { records });
  const body = (await res.json()) as { rejected: number; results: { entityId?: string }[] };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.rejected, JSON.stringify(body)).toBe(0);
  return body;
}

describe("a complaint storm through the events API", () => {
  it("raises one warning, not one per complaint or per evaluation; its warning.raised job runs", async () => {
    const created = await post(a, "/v1/merchants/batch", [merchant("storm-shop", { category: "food", regionCode: "510104" })]);
    stormEntity = created.results[0]!.entityId!;
    let n = 0;
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 10 }, () => complaint(`storm-${++n}`, "storm-shop", new Date(clock.now().getTime() - (n % 7) * 3_600_000 - 60_000).toISOString()));
      await post(a, "/v1/events/batch", batch);
      // What classification's hook does after re-scoring the entity.
      await evaluate(gw, { entityIds: [stormEntity], asOf: clock.now(), trigger: "event" });
      clock.advance(10 * 60_000);
    }
    const storm = (await warningsOf(db(), stormEntity)).filter((w) => w.rule_key === "complaints.storm_high_hazard");
    expect(storm).toHaveLength(1);
    expect(storm[0]).toMatchObject({ severity: "high", action: "warn_and_notice", status: "open" });
    // Fired from the second batch on (20 complaints), refreshed by the third.
    expect(storm[0]!.hit_count).toBeGreaterThanOrEqual(2);
    expect(storm[0]!.evidence.figures.find((f) => "events" in f.metric)!.value).toBe(30);
    stormWarning = storm[0]!.id;
    const jobs = await db().rows<{ id: number; payload: { warningId: string; action: string } }>(sql`
      select id::int as id, payload from outbox where job = 'warning.raised' and payload->>'warningId' = ${stormWarning}`);
    expect(jobs.map((j) => j.payload)).toEqual([{ warningId: stormWarning, action: "warn_and_notice" }]);
    const done = await gw.jobEvents.waitFor((e) => e.id === jobs[0]!.id && (e.type === "done" || e.type === "failed"), 30_000);
    expect(done.type).toBe("done");
  }, 60_000);

  it("through classification's hook alone: re-scoring after each batch keeps one warning current", async () => {
    const created = await post(b, "/v1/merchants/batch", [merchant("hook-shop", { category: "food", regionCode: "510104" })]);
    const id = created.results[0]!.entityId!;
    await rescoresSettled(gw);
    let n = 0;
    for (let round = 0; round < 3; round++) {
      await post(b, "/v1/events/batch", Array.from({ length: 12 }, () => complaint(`hook-${++n}`, "hook-shop", new Date(clock.now().getTime() - n * 60_000).toISOString())));
      await rescoresSettled(gw);
      clock.advance(5 * 60_000);
    }
    const res = await as(viewer, `/v1/regulator/warnings?entity=${id}&rule=complaints.storm_high_hazard`);
    const { warnings } = (await res.json()) as { warnings: Array<{ warningId: string; hitCount: number; action: string; evidence: { trigger: string } }> };
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ action: "warn_and_notice", evidence: { trigger: "event" } });
    expect(warnings[0]!.hitCount).toBeGreaterThanOrEqual(2); // raised at 24 complaints, refreshed at 36
  }, 60_000);

  it("is listed, filtered and read over HTTP within the caller's region", async () => {
    const list = async (who: LoggedInRegulator, q: string) => {
      const res = await as(who, `/v1/regulator/warnings?${q}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { warnings: Array<{ warningId: string; entityId: string }> }).warnings.map((w) => w.warningId);
    };
    expect(await list(viewer, `rule=complaints.storm_high_hazard&platform=${a.platformId}`)).toEqual([stormWarning]);
    expect(await list(viewer, `severity=high&status=open&platform=${a.platformId}&sandbox=outside&entity=${stormEntity}`)).toEqual([stormWarning]);
    expect(await list(viewer, `entity=${stormEntity}&platform=${b.platformId}`)).toEqual([]);
    expect(await list(viewer, `entity=${stormEntity}&sandbox=inside`)).toEqual([]);
    expect(await list(viewer, `entity=${stormEntity}&region=510105`)).toEqual([]);
    expect(await list(farOfficer, `entity=${stormEntity}`)).toEqual([]);
    const one = await as(viewer, `/v1/regulator/warnings/${stormWarning}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ warningId: stormWarning, ruleKey: "complaints.storm_high_hazard", ruleNameZh: "高风险品类集中投诉", entityId: stormEntity, sandboxStatus: "outside" });
    expect((await as(farOfficer, `/v1/regulator/warnings/${stormWarning}`)).status).toBe(404);
    const profile = (await (await as(viewer, `/v1/regulator/entities/${stormEntity}`)).json()) as { warnings: Array<{ warningId: string; status: string }> };
    expect(profile.warnings.map((w) => w.warningId)).toContain(stormWarning);
    expect(profile.warnings.every((w) => w.status === "open")).toBe(true);
  });

  it("pages with a keyset cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await as(viewer, `/v1/regulator/warnings?entity=${stormEntity}&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      const page = (await res.json()) as { warnings: Array<{ warningId: string }>; nextCursor: string | null };
      seen.push(...page.warnings.map((w) => w.warningId));
      cursor = page.nextCursor;
    } while (cursor);
    const all = (await warningsOf(db(), stormEntity)).map((w) => w.id);
    expect(seen).toEqual([...all].sort().reverse());
    expect(all.length).toBeGreaterThan(1); // the storm also trips high-frequency and growth rules
    expect((await as(viewer, "/v1/regulator/warnings?cursor=bm90LWEtY3Vyc29y")).status).toBe(400);
  });

  it("an officer closes it inside their region (audited); outside it is 404, a viewer 403", async () => {
    const close = (who: LoggedInRegulator) => as(who, `/v1/regulator/warnings/${stormWarning}/close`, { method: "POST", body: JSON.stringify({ reason: "merchant contacted, complaints resolved" }) });
    expect((await close(farOfficer)).status).toBe(404);
    expect((await close(viewer)).status).toBe(403);
    const res = await close(officer);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "closed", closedBy: `regulator:${officer.userId}`, closeReason: "merchant contacted, complaints resolved" });
    expect((await close(officer)).status).toBe(409);
    const audit = await db().rows<{ actor: string; data: { reason: string } }>(sql`
      select actor, data from audit_log where action = 'warning.close' and subject_id = ${stormWarning}`);
    expect(audit).toEqual([{ actor: `regulator:${officer.userId}`, data: expect.objectContaining({ reason: "merchant contacted, complaints resolved" }) }]);
    // A later hit inside the same window refreshes the closed warning; it raises no other.
    await evaluate(gw, { entityIds: [stormEntity], asOf: clock.now() });
    const storm = (await warningsOf(db(), stormEntity)).filter((w) => w.rule_key === "complaints.storm_high_hazard");
    expect(storm).toHaveLength(1);
    expect(storm[0]!.status).toBe("closed");
  });
});

describe("triggered supervision", () => {
  it("inside the sandbox a first low-severity hit is a reminder; outside, on a repeat or on a medium hit the rule's action applies", async () => {
    const T = clock.now();
    const lawsuit = { role: "defendant", caseType: "contract" };
    const inside = await s.merchant({ category: "apparel" });
    const outside = await s.merchant({ category: "apparel" });
    for (const m of [inside, outside]) await s.events(m, "litigation", [new Date(T.getTime() - 20 * DAY)], lawsuit);
    await s.events(inside, "complaint", spread(T, 12, 20, 8), { channel: "platform", reason: "x" });
    await s.inSandbox(inside.entityId, new Date(T.getTime() - 100 * DAY));
    await evaluate(gw, { entityIds: [inside.entityId, outside.entityId], asOf: T });
    const actionOf = async (id: string, rule: string) => (await warningsOf(db(), id)).filter((w) => w.rule_key === rule).map((w) => w.action);
    expect(await actionOf(inside.entityId, "litigation.defendant")).toEqual(["remind"]);
    expect(await actionOf(outside.entityId, "litigation.defendant")).toEqual(["warn"]);
    expect(await actionOf(inside.entityId, "complaints.high_frequency")).toEqual(["warn"]); // medium: full action
    const jobs = await db().rows<{ action: string }>(sql`
      select o.payload->>'action' as action from outbox o join warning w on w.id::text = o.payload->>'warningId'
      where o.job = 'warning.raised' and w.entity_id = ${inside.entityId}::uuid and w.rule_key = 'litigation.defendant'`);
    expect(jobs).toEqual([{ action: "remind" }]);
    // After the 180-day window a new lawsuit hits again: a repeat within 365 days -> full action.
    const later = new Date(T.getTime() + 200 * DAY);
    await s.events(inside, "litigation", [new Date(later.getTime() - 5 * DAY)], lawsuit);
    await evaluate(gw, { entityIds: [inside.entityId], asOf: later });
    expect(await actionOf(inside.entityId, "litigation.defendant")).toEqual(["remind", "warn"]);
  });
});

describe("expiry", () => {
  it("the daily job closes open warnings whose last hit is older than their window; fresh ones stay", async () => {
    const T = clock.now();
    const stale = await s.merchant({ category: "apparel" });
    const fresh = await s.merchant({ category: "apparel" });
    for (const m of [stale, fresh]) await s.events(m, "litigation", [new Date(T.getTime() - 10 * DAY)], { role: "defendant", caseType: "x" });
    await evaluate(gw, { entityIds: [stale.entityId, fresh.entityId], asOf: T });
    // 181 days on, the fresh one has just been hit again (its lawsuit is still within 365 days).
    const later = new Date(T.getTime() + 181 * DAY);
    await evaluate(gw, { entityIds: [fresh.entityId], asOf: new Date(later.getTime() - DAY) });
    clock.set(later);
    await gw.system.deps.enqueue(db().orm, EXPIRE_WARNINGS_JOB, {});
    gw.system.deps.kick();
    const [row] = await db().rows<{ id: number }>(sql`select max(id)::int as id from outbox where job = ${EXPIRE_WARNINGS_JOB}`);
    const e = await gw.jobEvents.waitFor((x) => x.id === row!.id && (x.type === "done" || x.type === "failed"), 30_000);
    expect(e.type).toBe("done");
    const statusOf = async (id: string) => (await warningsOf(db(), id)).filter((w) => w.rule_key === "litigation.defendant").map((w) => w.status);
    expect(await statusOf(stale.entityId)).toEqual(["expired"]);
    // The fresh entity's first window ended but its later hit opened a second warning, still open;
    // the first one's last hit (T) is 181 days old: expired.
    expect(await statusOf(fresh.entityId)).toEqual(["expired", "open"]);
  }, 60_000);
});

describe("closing by rectification (the notice issue's seam)", () => {
  it("closeWarnings closes the open ones among the ids, set-based, and leaves the rest", async () => {
    const m = await s.merchant({ category: "apparel" });
    await s.events(m, "litigation", [new Date(clock.now().getTime() - DAY)], { role: "defendant", caseType: "x" });
    await evaluate(gw, { entityIds: [m.entityId], asOf: clock.now() });
    const [open] = await warningsOf(db(), m.entityId);
    const closedAlready = stormWarning;
    const closed = await db().transaction((tx) =>
      gw.system.monitoring.closeWarnings(tx, [open!.id, closedAlready], { by: "rectification:case-1", reason: "rectification accepted" }));
    expect(closed).toEqual([open!.id]);
    const reader = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" }); // the clock moved past earlier tokens
    const res = await as(reader, `/v1/regulator/warnings/${open!.id}`);
    expect(await res.json()).toMatchObject({ status: "closed", closedBy: "rectification:case-1", closeReason: "rectification accepted", closedAt: clock.now().toISOString() });
  });
});

describe("registration changes through the merchants API", () => {
  it("three changes of a shop's registered address in a year raise the rule; two do not", async () => {
    const ids: Record<string, string> = {};
    for (const [shop, changes] of [["moving-3", 3], ["moving-2", 2]] as const) {
      const base = merchant(shop, { category: "apparel", regionCode: "510104", address: "1 First Street" });
      ids[shop] = (await post(a, "/v1/merchants/batch", [base])).results[0]!.entityId!;
      for (let i = 1; i <= changes; i++) {
        clock.advance(60_000);
        await post(a, "/v1/merchants/batch", [{ ...base, address: `${i + 1} Other Street` }]);
        await rescoresSettled(gw);
      }
    }
    // A change counts from the next instant on (windows are [T-365d, T)): the next re-scoring
    // (here after a rating event) sees all of them.
    clock.advance(60_000);
    for (const shop of ["moving-3", "moving-2"]) {
      await post(a, "/v1/events/batch", [{ eventId: `rating-${shop}`, shopId: shop, kind: "rating", occurredAt: new Date(clock.now().getTime() - 1000).toISOString(), data: { score: 4.6, count: 20 } }]);
      await rescoresSettled(gw);
    }
    const rulesOf = async (id: string) => (await warningsOf(db(), id)).map((w) => w.rule_key);
    expect(await rulesOf(ids["moving-3"]!)).toContain("registration.abnormal_changes");
    expect(await rulesOf(ids["moving-2"]!)).not.toContain("registration.abnormal_changes");
  }, 60_000);
});
