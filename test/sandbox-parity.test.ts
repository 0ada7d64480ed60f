// The same data gives the same fence decisions on PGlite and PostgreSQL: a fixed scenario
// (entities, memberships, warnings and violations written straight to the database at fixed
// times) evaluated at a fixed instant, its decisions asserted literally. CI runs this file on
// both backends. Also: evaluate is idempotent, and set-based (the same number of statements for
// 20 entities as for 2,000).
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Executor } from "../src/db/client.js";
import { makeEvaluate, type Evaluate } from "../src/sandbox/evaluate.js";
import type { IndicatorRow } from "../src/scoring/index.js";
import { updateFencePolicy } from "../src/sandbox/verbs.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { onboardPlatform, type OnboardedPlatform } from "./support/platform.js";

const AS_OF = new Date("2026-05-20T10:00:00Z");
const DAY = 86_400_000;
const ago = (days: number) => new Date(AS_OF.getTime() - days * DAY).toISOString();
const idOf = (label: string) => {
  const h = createHash("md5").update(label).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

interface Case {
  label: string;
  cls: "A" | "B" | "C" | "D" | null;
  inClassDays?: number;
  historyDays?: number;
  member?: { status: "inside" | "outside"; sinceDays: number; removedDays?: number; actor?: string };
  warning?: { severity: "low" | "medium" | "high" | "critical"; status: "open" | "closed" };
  violation?: { daysAgo: number; serious: boolean };
  overdue?: number;
}

// Policy v2 (below): admission [A] for 30 days with 60 days of history; removal [C, D]; cool-down 30; hold 10.
const CASES: Case[] = [
  { label: "clean", cls: "A" },
  { label: "young", cls: "A", historyDays: 10 },
  { label: "short-in-class", cls: "A", inClassDays: 5 },
  { label: "band-b-inside", cls: "B", member: { status: "inside", sinceDays: 50 } },
  { label: "band-b-outside", cls: "B" },
  { label: "c-inside", cls: "C", member: { status: "inside", sinceDays: 50 } },
  { label: "d-inside-held", cls: "D", member: { status: "inside", sinceDays: 1, actor: "regulator:officer-1" } },
  { label: "c-inside-held", cls: "C", member: { status: "inside", sinceDays: 1, actor: "regulator:officer-1" } },
  { label: "serious-inside", cls: "A", member: { status: "inside", sinceDays: 50 }, violation: { daysAgo: 100, serious: true } },
  { label: "old-serious-inside", cls: "A", member: { status: "inside", sinceDays: 50 }, violation: { daysAgo: 400, serious: true } },
  { label: "minor-violation-inside", cls: "A", member: { status: "inside", sinceDays: 50 }, violation: { daysAgo: 20, serious: false } },
  { label: "critical-warning-inside", cls: "A", member: { status: "inside", sinceDays: 50 }, warning: { severity: "critical", status: "open" } },
  { label: "closed-critical-inside", cls: "A", member: { status: "inside", sinceDays: 50 }, warning: { severity: "critical", status: "closed" } },
  { label: "high-warning-outside", cls: "A", warning: { severity: "high", status: "open" } },
  { label: "medium-warning-outside", cls: "A", warning: { severity: "medium", status: "open" } },
  { label: "cooling-down", cls: "A", member: { status: "outside", sinceDays: 10, removedDays: 10 } },
  { label: "cooled-down", cls: "A", member: { status: "outside", sinceDays: 40, removedDays: 40 } },
  { label: "unclassified", cls: null },
  { label: "overdue-inside", cls: "A", member: { status: "inside", sinceDays: 50 }, overdue: 1 },
  { label: "overdue-outside", cls: "A", overdue: 2 },
];

const EXPECTED = [
  "band-b-inside: none",
  "band-b-outside: none",
  "c-inside: remove removal.class",
  "c-inside-held: none",
  "clean: admit admission.criteria_met",
  "closed-critical-inside: none",
  "cooled-down: admit admission.criteria_met",
  "cooling-down: none",
  "critical-warning-inside: remove removal.warning",
  "d-inside-held: remove removal.class",
  "high-warning-outside: none",
  "medium-warning-outside: admit admission.criteria_met",
  "minor-violation-inside: none",
  "old-serious-inside: none",
  "overdue-inside: remove removal.overdue_rectification",
  "overdue-outside: none",
  "serious-inside: remove removal.serious_violation",
  "short-in-class: none",
  "unclassified: none",
  "young: none",
];

let gw: TestGateway;
let p1: OnboardedPlatform;
let p2: OnboardedPlatform;
let evaluate: Evaluate;
const db = () => gw.system.deps.db;

async function seed(): Promise<void> {
  for (const month of ["2025-04-01", "2025-05-01", "2026-02-01", "2026-04-01", "2026-05-01"]) {
    await db().rows(sql`select ensure_event_partition(${month}::date)`);
  }
  const [rule] = await db().rows<{ id: string }>(sql`
    insert into monitoring_rule (id, key, version, enabled, definition, updated_by, updated_at)
    values (${idOf("rule")}::uuid, 'test.parity', 1, true, '{}'::jsonb, 'test', ${AS_OF.toISOString()}::timestamptz) returning id::text as id`);
  const entities = CASES.map((c) => ({
    i: idOf(c.label), n: c.label, c: c.cls,
    s: c.cls ? ago(c.inClassDays ?? 100) : null,
    t: ago(c.historyDays ?? 400),
  }));
  await db().rows(sql`
    insert into entity (id, name, entity_type, region_code, address, category, risk_class, class_since, classified_at, operating_since, created_at, updated_at)
    select i, n, 'enterprise', '510104', n || ' Road', 'apparel', c, s, s, t, t, t
    from jsonb_to_recordset(${JSON.stringify(entities)}::jsonb) as r(i uuid, n text, c text, s timestamptz, t timestamptz)`);
  // every entity sells on p1; every other one on p2 too
  const shops = CASES.flatMap((c, k) => [
    { i: idOf(`shop1-${c.label}`), p: p1.platformId, e: idOf(c.label), s: `s1-${c.label}` },
    ...(k % 2 === 0 ? [{ i: idOf(`shop2-${c.label}`), p: p2.platformId, e: idOf(c.label), s: `s2-${c.label}` }] : []),
  ]);
  await db().rows(sql`
    insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, record, created_at, updated_at)
    select i, p, s, e, s, 'apparel', '510104', 'Road', '{}'::jsonb, ${ago(400)}::timestamptz, ${ago(400)}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(shops)}::jsonb) as r(i uuid, p uuid, e uuid, s text)`);
  const members = CASES.filter((c) => c.member).map((c) => ({
    e: idOf(c.label), s: c.member!.status, since: ago(c.member!.sinceDays),
    r: c.member!.removedDays === undefined ? null : ago(c.member!.removedDays), a: c.member!.actor ?? "system",
  }));
  await db().rows(sql`
    insert into sandbox_membership (entity_id, status, since, last_admitted_at, last_removed_at, last_actor, policy_version, region_code, updated_at)
    select e, s, since, case when s = 'inside' then since end, r, a, 1, '510104', since
    from jsonb_to_recordset(${JSON.stringify(members)}::jsonb) as x(e uuid, s text, since timestamptz, r timestamptz, a text)`);
  const warnings = CASES.filter((c) => c.warning).map((c) => ({ i: idOf(`w-${c.label}`), e: idOf(c.label), v: c.warning!.severity, s: c.warning!.status }));
  await db().rows(sql`
    insert into warning (id, rule_id, rule_key, rule_version, entity_id, region_code, severity, status, window_start, window_end,
                         first_hit_at, last_hit_at, evidence, action, sandbox_status, updated_at)
    select i, ${rule!.id}::uuid, 'test.parity', 1, e, '510104', v, s, ${ago(5)}::timestamptz, ${ago(-25)}::timestamptz,
           ${ago(5)}::timestamptz, ${ago(5)}::timestamptz, '{}'::jsonb, 'warn', 'inside', ${ago(5)}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(warnings)}::jsonb) as x(i uuid, e uuid, v text, s text)`);
  const violations = CASES.filter((c) => c.violation).map((c) => ({
    i: idOf(`v-${c.label}`), e: idOf(c.label), sh: idOf(`shop1-${c.label}`), k: `v-${c.label}`, o: ago(c.violation!.daysAgo),
    d: { violationType: "food_safety", serious: c.violation!.serious },
  }));
  await db().rows(sql`
    insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
    select i, ${p1.platformId}::uuid, sh, e, k, 'violation_confirmed', o, o, md5('batch')::uuid, d
    from jsonb_to_recordset(${JSON.stringify(violations)}::jsonb) as x(i uuid, e uuid, sh uuid, k text, o timestamptz, d jsonb)`);
}

/** The notices module's seam, as a fixed table for this scenario. */
const overdueRectifications = async (_tx: Executor, ids: readonly string[]) => {
  const out = new Map<string, number>();
  for (const c of CASES) if (c.overdue && ids.includes(idOf(c.label))) out.set(idOf(c.label), c.overdue);
  return out;
};

beforeAll(async () => {
  gw = await startTestGateway();
  [p1, p2] = [await onboardPlatform(gw, { name: "P1" }), await onboardPlatform(gw, { name: "P2" })];
  evaluate = makeEvaluate({ publishToEntityPlatforms: gw.system.outbound.publishToEntityPlatforms, overdueRectifications });
  await updateFencePolicy(
    { db: db(), clock: gw.clock, actor: { kind: "regulator", userId: "admin-1", role: "admin", regionPrefix: "5101" } },
    {
      reason: "parity scenario",
      policy: {
        admission: { classes: ["A"], minDaysInClass: 30, minHistoryDays: 60, blockingWarningSeverity: "high", requireNoOverdueRectification: true },
        removal: { classes: ["C", "D"], onSeriousViolation: true, onOverdueRectification: true, warningSeverity: "critical" },
        coolDownDays: 30,
        manualHoldDays: 10,
      },
    },
  );
  await seed();
});
afterAll(async () => gw?.close());

const labelOf = new Map(CASES.map((c) => [idOf(c.label), c.label]));

describe("fence decisions are the same on every backend", () => {
  it("a fixed scenario decides exactly as written, and a second evaluation changes nothing", async () => {
    const ids = CASES.map((c) => idOf(c.label));
    const first = await db().transaction((tx) => evaluate(tx, { entityIds: ids, asOf: AS_OF, trigger: "run" }));
    expect(first).toMatchObject({ evaluated: CASES.length, admitted: 3, removed: 5, policyVersion: 2 });
    const changed = new Map(first.changes.map((c) => [labelOf.get(c.entityId)!, `${c.action} ${c.rule}`]));
    expect(CASES.map((c) => c.label).sort().map((l) => (changed.has(l) ? `${l}: ${changed.get(l)}` : `${l}: none`))).toEqual(EXPECTED);

    // the trail: one fence_audit row per change, by the system, under policy v2
    const audit = await db().rows<{ entity_id: string; action: string; rule: string; actor: string; policy_version: number; evidence: { trigger: string; riskClass: string | null } }>(sql`
      select entity_id::text as entity_id, action, rule, actor, policy_version, evidence from fence_audit order by entity_id`);
    expect(audit).toHaveLength(8);
    expect(new Set(audit.map((a) => `${a.actor} v${a.policy_version} ${a.evidence.trigger}`))).toEqual(new Set(["system v2 run"]));
    const members = await db().rows<{ entity_id: string; status: string; since: Date; last_actor: string }>(sql`
      select entity_id::text as entity_id, status, since, last_actor from sandbox_membership where entity_id = ${idOf("clean")}::uuid or entity_id = ${idOf("c-inside")}::uuid order by status`);
    expect(members.map((m) => [labelOf.get(m.entity_id), m.status, new Date(m.since).toISOString(), m.last_actor])).toEqual([
      ["clean", "inside", AS_OF.toISOString(), "system"],
      ["c-inside", "outside", AS_OF.toISOString(), "system"],
    ]);

    // one message per change per platform with a shop (every other entity sells on both)
    const msgs = await db().rows<{ platform_id: string; type: string; entity_id: string; data: Record<string, unknown> }>(sql`
      select platform_id::text as platform_id, type, entity_id::text as entity_id, data from outbound_message where type like 'sandbox.%'`);
    const expectedMessages = first.changes.reduce((n, c) => n + (CASES.findIndex((x) => idOf(x.label) === c.entityId) % 2 === 0 ? 2 : 1), 0);
    expect(msgs).toHaveLength(expectedMessages);
    const clean = msgs.filter((m) => m.entity_id === idOf("clean"));
    expect(clean.map((m) => m.platform_id).sort()).toEqual([p1.platformId, p2.platformId].sort());
    expect(clean[0]).toMatchObject({ type: "sandbox.admitted", data: { entityId: idOf("clean"), rule: "admission.criteria_met", at: AS_OF.toISOString(), policyVersion: 2, class: "A", by: "system" } });
    expect(msgs.find((m) => m.entity_id === idOf("serious-inside"))).toMatchObject({ type: "sandbox.removed", data: { rule: "removal.serious_violation" } });

    // idempotent: the same facts again change nothing, write nothing, tell no one
    const again = await db().transaction((tx) => evaluate(tx, { entityIds: ids, asOf: AS_OF, trigger: "run" }));
    expect(again).toMatchObject({ evaluated: CASES.length, admitted: 0, removed: 0, changes: [] });
    expect(await db().rows(sql`select 1 from fence_audit`)).toHaveLength(8);
    expect(await db().rows(sql`select 1 from outbound_message where type like 'sandbox.%'`)).toHaveLength(expectedMessages);
  });

  it("reads serious violations from the classify hook's indicator rows when given", async () => {
    const id = idOf("indicator-serious");
    await db().rows(sql`
      insert into entity (id, name, entity_type, region_code, address, category, risk_class, class_since, classified_at, operating_since, created_at, updated_at)
      values (${id}::uuid, 'indicator', 'enterprise', '510104', 'Road', 'apparel', 'A', ${ago(100)}::timestamptz, ${ago(100)}::timestamptz, ${ago(400)}::timestamptz, ${ago(400)}::timestamptz, ${ago(400)}::timestamptz)`);
    await db().rows(sql`
      insert into sandbox_membership (entity_id, status, since, last_admitted_at, last_actor, policy_version, region_code, updated_at)
      values (${id}::uuid, 'inside', ${ago(50)}::timestamptz, ${ago(50)}::timestamptz, 'system', 1, '510104', ${ago(50)}::timestamptz)`);
    // no violation events: the events query finds nothing
    expect(await db().transaction((tx) => evaluate(tx, { entityIds: [id], asOf: AS_OF, trigger: "event" }))).toMatchObject({ removed: 0 });
    // the features classify just computed say otherwise (an event the same transaction stored)
    const indicators = new Map([[id, { serious_violations_365d: 1 } as unknown as IndicatorRow]]);
    const out = await db().transaction((tx) => evaluate(tx, { entityIds: [id], asOf: AS_OF, trigger: "event", indicators }));
    expect(out.changes.map((c) => [c.action, c.rule])).toEqual([["remove", "removal.serious_violation"]]);
  });

  it("is set-based: as many statements for 2,000 entities as for 20", async () => {
    const bulk = Array.from({ length: 2000 }, (_, i) => ({ i: idOf(`bulk-${i}`), n: `bulk ${i}` }));
    await db().rows(sql`
      insert into entity (id, name, entity_type, region_code, address, category, risk_class, class_since, classified_at, operating_since, created_at, updated_at)
      select i, n, 'enterprise', '510107', 'Bulk Road', 'apparel', 'A', ${ago(100)}::timestamptz, ${ago(100)}::timestamptz, ${ago(400)}::timestamptz, ${ago(400)}::timestamptz, ${ago(400)}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(bulk)}::jsonb) as r(i uuid, n text)`);
    await db().rows(sql`
      insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, record, created_at, updated_at)
      select md5('bulk-shop' || r.i::text)::uuid, ${p1.platformId}::uuid, 'bulk-' || r.i::text, r.i, 'bulk', 'apparel', '510107', 'Road', '{}'::jsonb,
             ${ago(400)}::timestamptz, ${ago(400)}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(bulk)}::jsonb) as r(i uuid)`);
    const counted = async (ids: string[]) => {
      let statements = 0;
      const outcome = await db().transaction(async (tx) => {
        const counting = new Proxy(tx, {
          get(target, prop, receiver) {
            const v = Reflect.get(target, prop, receiver);
            if (prop === "execute" && typeof v === "function") return (...args: unknown[]) => (statements++, v.apply(target, args));
            return typeof v === "function" ? v.bind(target) : v;
          },
        });
        return evaluate(counting, { entityIds: ids, asOf: AS_OF, trigger: "run" });
      });
      return { statements, admitted: outcome.admitted };
    };
    const small = await counted(bulk.slice(0, 20).map((b) => b.i));
    const large = await counted(bulk.slice(20).map((b) => b.i).concat(bulk.slice(0, 20).map((b) => b.i)));
    expect(small.admitted).toBe(20);
    expect(large.admitted).toBe(1980);
    expect(large.statements).toBe(small.statements);
    expect(small.statements).toBeLessThanOrEqual(8);
  }, 60_000);
});
