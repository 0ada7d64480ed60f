// Model lifecycle: activating a model changes classes only through the recorded run it starts
// (history rows of the new version all belong to that run; afterwards every entity carries
// the new version and the run has its counts and transitions); admin only, audited; roll
// back; train on the gateway's own history with a time split and compare with the active.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getActiveModel, storeModel } from "../src/classification/models.js";
import { deriveModelVersion, type ModelArtifact } from "../src/scoring/index.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator } from "./support/platform.js";
import { seedEntities } from "./reclassify-seed.js";
import { runFinished } from "./support/runs.js";

let gw: TestGateway;
let admin: LoggedInRegulator;
let viewer: LoggedInRegulator;
const N = 140;

beforeAll(async () => {
  gw = await startTestGateway();
  const a = await onboardPlatform(gw, { name: "Models A" });
  await seedEntities(gw.system.deps.db, { n: N, platformIds: [a.platformId] });
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
});
afterAll(async () => {
  await gw?.close();
});

const db = () => gw.system.deps.db;
const headers = (t: string) => ({ authorization: `Bearer ${t}`, "content-type": "application/json" });

const waitForRun = (runId: string) => runFinished(gw, runId, viewer.token);

async function storeVariant(cutoffs: [number, number, number]): Promise<string> {
  const active = await getActiveModel(db().orm, { fresh: true });
  const draft: ModelArtifact = { ...structuredClone(active.artifact), classes: { ...active.artifact.classes, cutoffs } };
  const artifact = { ...draft, version: deriveModelVersion(draft) };
  await storeModel(db().orm, { artifact, source: "trained", metrics: { note: "test variant" }, now: gw.clock.now() });
  return artifact.version;
}

describe("model activation", () => {
  it("changes classes only through the recorded run it starts", async () => {
    const first = await gw.system.classification.ops.startRun({ actor: { kind: "cli" } }, { reason: "baseline" });
    const baseline = await waitForRun(first.runId);
    expect(baseline.status).toBe("done");
    const oldVersion = baseline.modelVersion;
    const before = await db().rows<{ id: string; risk_class: string; model_version: string }>(sql`select id, risk_class, model_version from entity order by id`);
    expect(before.every((e) => e.model_version === oldVersion)).toBe(true);

    // Much lower cut-offs: most entities move up a class under the new model.
    const version = await storeVariant([0.01, 0.02, 0.05]);
    expect((await gw.fetch(`/v1/regulator/models/${version}/activate`, { method: "POST", headers: headers(viewer.token), body: JSON.stringify({ reason: "x" }) })).status).toBe(403);
    const res = await gw.fetch(`/v1/regulator/models/${version}/activate`, { method: "POST", headers: headers(admin.token), body: JSON.stringify({ reason: "better holdout" }) });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { model: { version: string; status: string }; run: { runId: string; modelVersion: string } };
    expect(body.model).toMatchObject({ version, status: "active" });
    expect(body.run.modelVersion).toBe(version);

    const run = await waitForRun(body.run.runId);
    expect(run).toMatchObject({ status: "done", processed: N, modelVersion: version });
    expect(run.counts).toMatchObject({ total: N });
    expect(Object.values(run.transitions!).reduce((s, x) => s + x, 0)).toBeGreaterThan(0);

    const after = await db().rows<{ model_version: string }>(sql`select model_version from entity`);
    expect(after.every((e) => e.model_version === version)).toBe(true);
    // Every classification with the new version was written by that run, one per entity.
    const hist = await db().rows<{ trigger: string; run_id: string | null; n: number }>(sql`
      select trigger, run_id::text as run_id, count(*)::int as n from classification where model_version = ${version} group by 1, 2`);
    expect(hist).toEqual([{ trigger: "run", run_id: body.run.runId, n: N }]);
    const audit = await db().rows<{ action: string; data: unknown }>(sql`select action, data from audit_log where subject_type = 'model' and subject_id = ${version}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.action).toBe("model.activate");

    // Activating it again is a conflict; an unknown version is 404.
    expect((await gw.fetch(`/v1/regulator/models/${version}/activate`, { method: "POST", headers: headers(admin.token), body: JSON.stringify({ reason: "again" }) })).status).toBe(409);
    expect((await gw.fetch(`/v1/regulator/models/nb-nope/activate`, { method: "POST", headers: headers(admin.token), body: JSON.stringify({ reason: "x" }) })).status).toBe(404);

    const list = (await (await gw.fetch("/v1/regulator/models", { headers: headers(viewer.token) })).json()) as { models: { version: string; status: string }[] };
    expect(list.models.find((m) => m.version === version)?.status).toBe("active");
    expect(list.models.find((m) => m.version === oldVersion)?.status).toBe("retired");

    // Roll back: the previous model is active again, through another run.
    const rolled = await gw.system.classification.ops.rollback({ actor: { kind: "cli" } }, { reason: "undo" });
    expect(rolled.model.version).toBe(oldVersion);
    const back = await waitForRun(rolled.run.runId);
    expect(back).toMatchObject({ status: "done", modelVersion: oldVersion });
    const restored = await db().rows<{ id: string; risk_class: string; model_version: string }>(sql`select id, risk_class, model_version from entity order by id`);
    expect(restored).toEqual(before);
  });
});

describe("model training on the gateway's history", () => {
  it("trains with a time split, stores a candidate with holdout metrics, and compares it with the active model", async () => {
    const ops = gw.system.classification.ops;
    const cut = new Date(gw.clock.now().getTime() - 200 * 86_400_000).toISOString().slice(0, 10);
    const trained = await ops.train({ actor: { kind: "cli" } }, { cut, horizonDays: 180 });
    expect(trained.status).toBe("candidate");
    expect(trained.train.rows).toBe(N);
    expect(trained.train.positives).toBeGreaterThan(0);
    expect(trained.holdout.n).toBe(N);
    expect(trained.holdout.positives).toBeGreaterThan(0);
    const compared = await ops.compare({ actor: { kind: "cli" } }, { version: trained.version });
    expect(compared.candidate.version).toBe(trained.version);
    expect(compared.active.version).toBe((await getActiveModel(db().orm, { fresh: true })).version);
    expect(compared.holdout.rows).toBe(N);
    for (const side of [compared.candidate, compared.active]) {
      expect(side.brier).toBeGreaterThanOrEqual(0);
      expect(side.classDistribution).not.toBeNull();
    }
    const listed = await ops.listModels({ actor: { kind: "cli" } });
    expect(listed.find((m) => m.version === trained.version)).toMatchObject({ source: "trained", status: "candidate" });
  });
});
