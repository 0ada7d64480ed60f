// Full runs: a run killed halfway resumes after its last committed chunk and ends with the
// same classes, counts and transitions as an uninterrupted one; one run never executes twice
// at once; the admin API starts runs inside the caller's region and the job finishes them.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClassifyEntities } from "../src/classification/classify.js";
import type { ClassifyEntities } from "../src/classification/contracts.js";
import { computeFeatures } from "../src/classification/features.js";
import { executeRun } from "../src/classification/runs.js";
import { activeVersion } from "../src/classification/runs-job.js";
import { findRun, insertRun } from "../src/classification/runs-store.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform } from "./support/platform.js";
import { seedEntities } from "./reclassify-seed.js";
import { runFinished } from "./support/runs.js";

let gw: TestGateway;
let classify: ClassifyEntities;
const N = 60;

beforeAll(async () => {
  gw = await startTestGateway();
  const [a, b] = [await onboardPlatform(gw, { name: "Runs A" }), await onboardPlatform(gw, { name: "Runs B" })];
  await seedEntities(gw.system.deps.db, { n: N, platformIds: [a.platformId, b.platformId] });
  classify = makeClassifyEntities({ clock: gw.clock, publishToEntityPlatforms: gw.system.outbound.publishToEntityPlatforms, computeFeatures });
});
afterAll(async () => {
  await gw?.close();
});

const db = () => gw.system.deps.db;
const engine = (c: ClassifyEntities) => ({ db: db(), clock: gw.clock, classify: c, activeModelVersion: activeVersion });

async function newRun(chunkSize: number) {
  return insertRun(db().orm, gw.clock, { scope: {}, modelVersion: await activeVersion(db().orm), actor: "test", chunkSize });
}

async function classes(): Promise<Record<string, string | null>> {
  const rows = await db().rows<{ id: string; risk_class: string | null }>(sql`select id, risk_class from entity order by id`);
  return Object.fromEntries(rows.map((r) => [r.id, r.risk_class]));
}

async function resetClasses() {
  await db().rows(sql`update entity set risk_class = null, probability = null, loss = null, model_version = null, classified_at = null`);
}

describe("a full run", () => {
  it("killed halfway resumes after the last committed chunk with the same result as an uninterrupted run", async () => {
    const whole = await newRun(7);
    const first = await executeRun(engine(classify), whole.id, { owner: "test:whole", lanes: 1 });
    expect(first.outcome).toBe("done");
    const expected = { classes: await classes(), run: await findRun(db().orm, whole.id) };
    expect(expected.run!.processed).toBe(N);
    expect(Object.values(expected.classes).every((c) => c !== null)).toBe(true);
    expect(new Set(Object.values(expected.classes)).size).toBeGreaterThan(1);

    await resetClasses();
    const broken = await newRun(7);
    let chunks = 0;
    const failing: ClassifyEntities = async (on, ids, o) => {
      if (++chunks === 4) throw new Error("killed");
      return classify(on, ids, o);
    };
    await expect(executeRun(engine(failing), broken.id, { owner: "test:first", lanes: 1 })).rejects.toThrow("killed");
    const halfway = (await findRun(db().orm, broken.id))!;
    expect(halfway).toMatchObject({ status: "running", processed: 21, leaseOwner: null });
    // Exactly the three committed chunks were classified; the failed one rolled back whole.
    expect(Object.values(await classes()).filter((c) => c !== null)).toHaveLength(21);
    const runRows = await db().rows<{ n: number }>(sql`select count(*)::int as n from classification where run_id = ${broken.id}::uuid`);
    expect(Number(runRows[0]!.n)).toBe(21);

    // A PostgreSQL crash empties the unlogged staged table: the resume stages it again, as of
    // the run's first instant, and still ends with the uninterrupted run's result.
    expect(halfway.featuresTable).not.toBeNull();
    await db().rows(sql.raw(`truncate "${halfway.featuresTable}"`));
    const staging: string[] = [];
    const resumed = await executeRun(engine(classify), broken.id, { owner: "test:second", onStaging: (phase) => staging.push(phase) });
    expect(resumed.outcome).toBe("done");
    expect(staging).toEqual(["start", "done"]);
    const after = (await findRun(db().orm, broken.id))!;
    expect(after.featuresAsOf).toEqual(halfway.featuresAsOf);
    expect(after.featuresTable).toBeNull();
    const [left] = await db().rows<{ t: string | null }>(sql`select to_regclass(${halfway.featuresTable!})::text as t`);
    expect(left!.t).toBeNull(); // dropped when the run ended
    expect(await classes()).toEqual(expected.classes);
    expect(after.processed).toBe(N);
    expect(after.counts).toEqual(expected.run!.counts);
    expect(after.transitions).toEqual(expected.run!.transitions);
    const total = await db().rows<{ n: number; d: number }>(sql`select count(*)::int as n, count(distinct entity_id)::int as d from classification where run_id = ${broken.id}::uuid`);
    expect(total[0]).toMatchObject({ n: N, d: N });
  });

  it("in two lanes side by side: killed in one lane, both stop, and the resume ends as one uninterrupted run", async () => {
    const whole = await newRun(7);
    expect((await executeRun(engine(classify), whole.id, { owner: "test:whole2", lanes: 1 })).outcome).toBe("done");
    const expected = { classes: await classes(), run: (await findRun(db().orm, whole.id))! };

    await resetClasses();
    const broken = await newRun(7);
    const chunkStarts: string[] = [];
    const failing: ClassifyEntities = async (on, ids, o) => {
      chunkStarts.push(ids[0]!);
      if (chunkStarts.length === 5) throw new Error("killed");
      return classify(on, ids, o);
    };
    await expect(executeRun(engine(failing), broken.id, { owner: "test:lanes", lanes: 2 })).rejects.toThrow("killed");
    const halfway = (await findRun(db().orm, broken.id))!;
    expect(halfway.lanes).toHaveLength(2);
    const bound = halfway.lanes![1]!.from!;
    expect(halfway.lanes![0]!.until).toBe(bound);
    // Both lanes worked.
    expect(chunkStarts.some((id) => id < bound) && chunkStarts.some((id) => id >= bound)).toBe(true);
    // What the row says was done is exactly what was classified: committed chunks only.
    const classified = Object.values(await classes()).filter((c) => c !== null).length;
    expect(halfway.processed).toBe(classified);
    expect(halfway.processed % 7).toBe(0);
    expect(halfway.processed).toBeLessThan(N);
    const [rows] = await db().rows<{ n: number }>(sql`select count(*)::int as n from classification where run_id = ${broken.id}::uuid`);
    expect(Number(rows!.n)).toBe(classified);

    const resumed = await executeRun(engine(classify), broken.id, { owner: "test:lanes-again", lanes: 1 });
    expect(resumed.outcome).toBe("done");
    const after = (await findRun(db().orm, broken.id))!;
    expect(after.lanes!.every((l) => l.done)).toBe(true);
    expect(await classes()).toEqual(expected.classes);
    expect(after).toMatchObject({ processed: N, total: N, counts: expected.run.counts, transitions: expected.run.transitions });
    const [total] = await db().rows<{ n: number; d: number }>(sql`select count(*)::int as n, count(distinct entity_id)::int as d from classification where run_id = ${broken.id}::uuid`);
    expect(total).toMatchObject({ n: N, d: N });
  });

  it("started twice never executes twice at once: every entity is classified once by the run", async () => {
    const run = await newRun(5);
    const results = await Promise.all([
      executeRun(engine(classify), run.id, { owner: "test:x" }),
      executeRun(engine(classify), run.id, { owner: "test:y" }),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(expect.arrayContaining(["done"]));
    const rows = await db().rows<{ n: number; d: number }>(sql`select count(*)::int as n, count(distinct entity_id)::int as d from classification where run_id = ${run.id}::uuid`);
    expect(rows[0]).toMatchObject({ n: N, d: N });
  });

  it("is a job: the admin API starts one inside the caller's region and it finishes with its record", async () => {
    const admin = await loginRegulator(gw, { role: "admin", regionPrefix: "510104" });
    const viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
    const auth = (t: string) => ({ authorization: `Bearer ${t}`, "content-type": "application/json" });
    expect((await gw.fetch("/v1/regulator/reclassifications", { method: "POST", headers: auth(viewer.token), body: JSON.stringify({ reason: "x" }) })).status).toBe(403);
    expect((await gw.fetch("/v1/regulator/reclassifications", { method: "POST", headers: auth(admin.token), body: JSON.stringify({ reason: "x", regionPrefix: "510107" }) })).status).toBe(403);
    const res = await gw.fetch("/v1/regulator/reclassifications", { method: "POST", headers: auth(admin.token), body: JSON.stringify({ reason: "district check" }) });
    expect(res.status).toBe(202);
    const started = (await res.json()) as { runId: string; scope: { regionPrefix?: string }; status: string };
    expect(started.scope).toEqual({ regionPrefix: "510104" });
    const run = await runFinished(gw, started.runId, viewer.token);
    expect(run).toMatchObject({ status: "done", processed: N / 2 });
    expect(run.counts!.total).toBe(N / 2);
    const list = (await (await gw.fetch("/v1/regulator/reclassifications", { headers: auth(viewer.token) })).json()) as { runs: { runId: string }[] };
    expect(list.runs.map((r) => r.runId)).toContain(started.runId);
    // A 510107 district viewer does not see a 510104 run.
    const other = await loginRegulator(gw, { role: "viewer", regionPrefix: "510107" });
    expect((await gw.fetch(`/v1/regulator/reclassifications/${started.runId}`, { headers: auth(other.token) })).status).toBe(404);
    const audit = await db().rows<{ action: string }>(sql`select action from audit_log where subject_id = ${started.runId}`);
    expect(audit.map((a) => a.action)).toEqual(["reclassification.start"]);
  });
});
