// The issue's acceptance test for the relationship graph: "a bad actor's related entities get
// higher risk than identical unrelated ones". Everything enters through the signed exchange API;
// the rescore path refreshes the graph and classifies with the active (expert default) model.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeFeatures } from "../src/classification/features.js";
import { computeRelationshipIndicators, relatedEntityIds } from "../src/classification/relationships.js";
import { dropStaged, stagedRelationshipIndicators, stageFeatures } from "../src/classification/runs-stage.js";
import { compileModel, expertDefaultModel, scoreEntity } from "../src/scoring/index.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { rescoresSettled } from "./support/rescores.js";
import { runFinished } from "./support/runs.js";
import { loginRegulator, onboardPlatform, type OnboardedPlatform } from "./support/platform.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { hex } from "./relationships-fixtures.js";

let gw: TestGateway;
let p: OnboardedPlatform;
const DAY = 86_400_000;
/** The first test's relative of the bad actor and what rescoring stored for it. */
let family: { related: string; unrelated: string; pRelated: number } | undefined;

beforeAll(async () => {
  gw = await startTestGateway();
  // It reports confirmed violations, serious ones too: a regulator-side source.
  p = await onboardPlatform(gw, { name: "Relationship platform", scopes: ["merchants:write", "events:write", "entities:read", "feed:read", "violations:confirm"] });
});
afterAll(async () => gw?.close());


async function post(path: string, records: unknown[]): Promise<Array<{ status: string; entityId?: string }>> {
  const res = await p.signedRequest(path, { records });
  const body = (await res.json()) as { results: Array<{ status: string; entityId?: string }> };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.results.every((r) => r.status === "accepted"), JSON.stringify(body.results)).toBe(true);
  return body.results;
}

describe("risk reaches related entities", () => {
  it("a bad actor's related entity scores higher than an identical unrelated one", async () => {
    const now = gw.clock.now();
    const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
    const day = (days: number) => ago(days).slice(0, 10);
    const shared = hex("shared-legal-rep");
    const clean = (shopId: string, legalRepresentativeHash: string, address: string) =>
      merchant(shopId, {
        uscc: makeUscc("510104"),
        category: "apparel",
        legalRepresentativeHash,
        address,
        url: `https://shop.example/${shopId}`,
        openedAt: ago(1000),
      });
    const [bad, related, unrelated] = await post("/v1/merchants/batch", [
      clean("bad", shared, "1 Bad Road"),
      clean("related", shared, "2 Other Road"),
      clean("unrelated", hex("someone-else"), "3 Far Road"),
    ]).then((r) => r.map((x) => x.entityId!) as [string, string, string]);

    // Same ordinary activity for all three; two confirmed violations (one serious: class D) for the
    // bad actor only.
    const activity = (shopId: string) => [
      { eventId: `${shopId}-sales`, shopId, kind: "sales_summary", occurredAt: ago(20), data: { periodStart: day(50), periodEnd: day(20), orders: 1000, gmvCents: 5_000_000, refunds: 10 } },
      { eventId: `${shopId}-rating`, shopId, kind: "rating", occurredAt: ago(15), data: { score: 4.7, count: 200 } },
    ];
    const violation = (n: number) => ({ eventId: `bad-violation-${n}`, shopId: "bad", kind: "violation_confirmed", occurredAt: ago(30 + n), data: { violationType: "counterfeit goods", serious: n === 1 } });
    await post("/v1/events/batch", [...activity("bad"), ...activity("related"), ...activity("unrelated"), violation(1), violation(2)]);

    const db = gw.system.deps.db;
    await rescoresSettled(gw);
    const asOf = gw.clock.now();
    expect(await relatedEntityIds(db.orm, [bad])).toEqual([related]);

    // The pipeline classified all three (links refreshed on the rescore path, the bad actor's
    // worsening to D propagated to its relative).
    const stored = async (id: string) => (await db.rows<{ c: string; p: number }>(sql`select risk_class as c, probability as p from entity where id = ${id}`))[0]!;
    const badScore = await stored(bad);
    expect(badScore.c).toBe("D");
    const [pRelated, pUnrelated] = [(await stored(related)).p, (await stored(unrelated)).p];
    expect(pRelated).toBeGreaterThan(pUnrelated);
    family = { related, unrelated, pRelated };

    // Why: identical own indicators, different family.
    const rel = await computeRelationshipIndicators(db.orm, [related, unrelated], asOf);
    expect(rel.get(related)).toEqual({ related_entities: 1, related_worst_class: "D", related_violators_365d: 1, same_address_entities: 0 });
    expect(rel.get(unrelated)).toEqual({ related_entities: 0, related_worst_class: "none", related_violators_365d: 0, same_address_entities: 0 });
    // A full run's chunks look violators up in the set it staged for its as-of instant: the same
    // answers, the window included (400 days on, the violations have left it).
    for (const at of [asOf, new Date(asOf.getTime() + 400 * DAY)]) {
      const table = `reclass_features_${"0".repeat(31)}3`;
      const staged = await db.transaction(async (tx) => {
        await stageFeatures(db, tx, table, null, at);
        const read = await stagedRelationshipIndicators(table)(tx, [related, unrelated], at);
        await dropStaged(tx, table);
        return read;
      });
      expect(staged).toEqual(await computeRelationshipIndicators(db.orm, [related, unrelated], at));
    }
    expect((await computeRelationshipIndicators(db.orm, [related], new Date(asOf.getTime() + 400 * DAY))).get(related)!.related_violators_365d).toBe(0);
    const rows = await computeFeatures(db.orm, [related, unrelated], asOf);
    const own = (id: string) => Object.fromEntries(Object.entries(rows.get(id)!).filter(([k]) => !k.startsWith("related_") && k !== "same_address_entities"));
    expect(own(related)).toEqual(own(unrelated));

    // And the same difference from the scoring core directly: only the relationship terms differ.
    const model = compileModel(expertDefaultModel());
    const [sRelated, sUnrelated] = [scoreEntity(model, rows.get(related)!), scoreEntity(model, rows.get(unrelated)!)];
    expect(sRelated.p).toBeGreaterThan(sUnrelated.p);
    expect(sRelated.p).toBeCloseTo(pRelated, 4); // what the pipeline stored
    const relTerms = sRelated.contributions.filter((c) => c.indicator.startsWith("related_"));
    expect(relTerms.reduce((sum, c) => sum + c.logLR, 0)).toBeGreaterThan(0);
  });

  it("a full run started through the regulator API scores the relative as rescoring did: its related violator counts", async () => {
    const { related, unrelated, pRelated } = family!;
    const admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
    const auth = { authorization: `Bearer ${admin.token}`, "content-type": "application/json" };
    const res = await gw.fetch("/v1/regulator/reclassifications", { method: "POST", headers: auth, body: JSON.stringify({ reason: "relationships" }) });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect((await runFinished(gw, runId, admin.token)).status).toBe("done");
    const ran = await gw.system.deps.db.rows<{ p: number }>(sql`select p from classification where run_id = ${runId}::uuid and entity_id = ${related}::uuid`);
    expect(ran).toHaveLength(1);
    expect(ran[0]!.p).toBeCloseTo(pRelated, 4);
    const termOf = async (id: string) => {
      const profile = (await (await gw.fetch(`/v1/regulator/entities/${id}`, { headers: auth })).json()) as { contributions: Array<{ indicator: string; logLR: number }> };
      return profile.contributions.find((c) => c.indicator === "related_violators_365d")!.logLR;
    };
    expect(await termOf(related)).toBeGreaterThan(await termOf(unrelated));
  });

  it("a newcomer linked to a known entity gets that entity re-scored too (its family changed)", async () => {
    const db = gw.system.deps.db;
    const person = hex("newcomer-legal-rep");
    const shop = (shopId: string, address: string) =>
      merchant(shopId, { uscc: makeUscc("510104"), category: "apparel", legalRepresentativeHash: person, address });
    const [known] = await post("/v1/merchants/batch", [shop("known", "5 Quiet Road")]).then((r) => r.map((x) => x.entityId!));
    await rescoresSettled(gw);
    const historyOf = async (id: string) => (await db.rows<{ n: number }>(sql`select count(*)::int as n from classification where entity_id = ${id}::uuid`))[0]!.n;
    const before = await historyOf(known!);
    expect(before).toBe(1);

    // Only the newcomer's record arrives; the link to `known` is found on its rescore path.
    const [newcomer] = await post("/v1/merchants/batch", [shop("newcomer", "6 Quiet Road")]).then((r) => r.map((x) => x.entityId!));
    await rescoresSettled(gw);
    expect(await relatedEntityIds(db.orm, [newcomer!])).toEqual([known]);
    expect(await historyOf(known!)).toBe(before + 1);
    const rel = await computeRelationshipIndicators(db.orm, [known!], gw.clock.now());
    expect(rel.get(known!)?.related_entities).toBe(1);
  });
});
