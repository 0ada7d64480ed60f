// The first day of a rollout, as the README's procedure runs it: a simulated city's platforms
// (src/sim: merchants with their establishment dates, four years of events) loaded with
// `npm run cli -- history load` — merchants, then events, then ONE full run — on the embedded
// database or, with DATABASE_URL, a fresh PostgreSQL database. The classes must look like a
// city's (a clear majority A, small C and D), and the first full run must admit to the sandbox
// the entities the default fence policy finds eligible, from their history alone.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client.js";
import { generatePopulation, toApiEvent, toApiMerchant } from "../src/sim/index.js";
import { SIM_PLATFORMS } from "../src/sim/reference.js";
import { createCliDatabase, runCli, type CliDatabase } from "./support/cli.js";

const DAY = 86_400_000;
const ENTITIES = 400;
let cliDb: CliDatabase;
const platformIds = new Map(SIM_PLATFORMS.map((p, i) => [p.id, `00000000-0000-7000-8000-0000000001${String(i).padStart(2, "0")}`]));

const cli = (args: string[]) => runCli(cliDb.env, args);
const query: CliDatabase["query"] = (q) => cliDb.query(q);

/** Each simulated platform's shops (their latest records) and events, as the API spells them. */
function writeCity(): Array<{ platformId: string; merchants: string; events: string }> {
  const now = Date.now();
  const files = new Map<string, { merchants: string[]; events: string[] }>();
  const of = (sim: string) => files.get(sim) ?? files.set(sim, { merchants: [], events: [] }).get(sim)!;
  const start = new Date(now - 4 * 365 * DAY).toISOString().slice(0, 10);
  const cut = new Date(now - 366 * DAY).toISOString().slice(0, 10);
  for (const cluster of generatePopulation({ entities: ENTITIES, seed: "rollout", start, cutDates: [cut], horizonDays: 365 })) {
    for (const e of cluster.entities) {
      const latest = new Map(e.merchants.map((m) => [`${m.platformId}/${m.record.shopId}`, m]));
      for (const m of latest.values()) of(m.platformId).merchants.push(JSON.stringify(toApiMerchant(m.record)));
      for (const ev of e.events) if (Date.parse(ev.event.occurredAt) < now) of(ev.platformId).events.push(JSON.stringify(toApiEvent(ev.event)));
    }
  }
  return [...files].map(([sim, f]) => {
    const path = (kind: string) => join(cliDb.dir, `${sim}-${kind}.ndjson`);
    writeFileSync(path("merchants"), f.merchants.join("\n") + "\n");
    writeFileSync(path("events"), f.events.join("\n") + "\n");
    return { platformId: platformIds.get(sim)!, merchants: path("merchants"), events: path("events") };
  });
}

beforeAll(async () => {
  // The simulated histories carry the regulator's own confirmed (serious) violations, which only a
  // regulator-side source may send: the simulated platforms hold that scope here.
  cliDb = await createCliDatabase("csg-rollout-", (db: Database) =>
    db.rows(sql`insert into platform (id, name, client_id, scopes)
      select (x->>'id')::uuid, x->>'name', 'plt_' || (x->>'name'), '["violations:confirm"]'::jsonb from jsonb_array_elements(${JSON.stringify([...platformIds].map(([name, id]) => ({ id, name })))}::jsonb) x`));
}, 120_000);

afterAll(async () => {
  await cliDb?.close();
});

describe("the first day of a rollout", () => {
  it("history load, then one full run: a city's class distribution and the eligible entities admitted to the sandbox", async () => {
    const city = writeCity();
    for (const kind of ["merchants", "events"] as const) {
      for (const p of city) {
        const run = await cli(["history", "load", p[kind], "--platform", p.platformId, "--records", kind, "--no-run"]);
        expect(run.code, run.stderr).toBe(0);
        const summary = JSON.parse(run.stdout) as { rows: number; accepted: number; rejected: number };
        expect(summary.rejected, `${p[kind]}: ${run.stdout}`).toBe(0);
        expect(summary.accepted).toBe(summary.rows);
      }
    }
    // no per-entity rescoring during the loads: nothing is classified before the run
    expect(await query(sql`select 1 from entity where risk_class is not null`)).toEqual([]);
    const run = await cli(["reclassify", "--all"]);
    expect(run.code, run.stderr).toBe(0);

    const classes = await query<{ c: string; n: number }>(sql`select risk_class as c, count(*)::int as n from entity group by 1 order by 1`);
    const n = Object.fromEntries(classes.map((r) => [r.c, Number(r.n)])) as Record<"A" | "B" | "C" | "D", number>;
    const total = n.A + n.B + (n.C ?? 0) + (n.D ?? 0);
    expect(total).toBe(ENTITIES);
    expect(n.A / total).toBeGreaterThan(0.5);
    expect(n.A).toBeGreaterThan(n.B);
    expect(((n.C ?? 0) + (n.D ?? 0)) / total).toBeLessThan(0.25);
    expect((n.D ?? 0) / total).toBeLessThan(0.12);

    // Every entity that is A, has held it over its history (checked back over the policy's 90
    // days), is 180 days in business and has no blocking warning or overdue case is inside; no
    // other entity is. The first run admits them: nothing else ran.
    const inside = await query<{ id: string; c: string }>(sql`
      select e.id::text as id, e.risk_class as c from sandbox_membership m join entity e on e.id = m.entity_id where m.status = 'inside'`);
    const eligible = await query<{ id: string }>(sql`
      select e.id::text as id from entity e
      where e.risk_class = 'A' and e.class_since <= now() - interval '90 days' and e.operating_since <= now() - interval '180 days'
        and not exists (select 1 from warning w where w.entity_id = e.id and w.status = 'open' and w.severity in ('high', 'critical'))`);
    expect(inside.every((r) => r.c === "A")).toBe(true);
    expect(new Set(inside.map((r) => r.id))).toEqual(new Set(eligible.map((r) => r.id)));
    expect(inside.length / n.A).toBeGreaterThan(0.5);
    const audit = await query<{ rule: string; n: number }>(sql`select rule, count(*)::int as n from fence_audit group by rule`);
    expect(audit).toEqual([{ rule: "admission.criteria_met", n: inside.length }]);

    // Every entity was new to classification: the run staged the check-back (90 days before its
    // instant) beside its features, and dropped both when done. The next run, over classified
    // entities, stages none.
    const again = await cli(["reclassify", "--all"]);
    expect(again.code, again.stderr).toBe(0);
    const runs = await query<{ back: number | null; table: string | null }>(sql`
      select extract(epoch from features_as_of - held_features_as_of)::float8 / 86400 as back, features_table as table from reclass_run order by started_at`);
    expect(runs.map((r) => (r.back === null ? null : Math.round(Number(r.back))))).toEqual([90, null]);
    expect(runs.map((r) => r.table)).toEqual([null, null]);
    expect(await query(sql`select relname from pg_class where relname ~ '^reclass_(held)?(features|violators)_'`)).toEqual([]);
  }, 600_000);
});
