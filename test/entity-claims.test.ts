// Entity master data has one owner: a platform naming another platform's entity by its USCC is
// only a claim until it matches (registered name + legal representative) or a regulator confirms
// it. Until then it sees nothing of the entity, gets none of its messages, changes none of its
// data and its events do not count. Serious confirmed violations come only from regulator-side
// sources.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeFeatures } from "../src/classification/index.js";
import { createPublishToEntityPlatforms } from "../src/exchange/outbound/publish.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type OnboardedPlatform } from "./support/platform.js";
import { complaint, hashOf, makeUscc, merchant } from "./exchange-fixtures.js";

let gw: TestGateway;
let owner: OnboardedPlatform;
let rival: OnboardedPlatform;
let honest: OnboardedPlatform;
const uscc = makeUscc("510107");
const legalRep = hashOf("legal-rep-of-real-foods");
let entityId: string;

interface Result {
  status: string;
  entityId?: string;
  link?: string;
  error?: { code: string };
}
async function send(p: OnboardedPlatform, path: string, records: unknown[]): Promise<Result[]> {
  const res = await p.signedRequest(path, { records });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Result[] }).results;
}
const regulatorGet = async (token: string, path: string) => gw.fetch(path, { headers: { authorization: `Bearer ${token}` } });
const recentComplaint = (id: string, shop: string) => complaint(id, shop, new Date(gw.clock.now().getTime() - 86_400_000).toISOString());

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await onboardPlatform(gw, { name: "Claims owner" });
  rival = await onboardPlatform(gw, { name: "Claims rival" });
  honest = await onboardPlatform(gw, { name: "Claims second source" });
  const [r] = await send(owner, "/v1/merchants/batch", [
    merchant("real-1", { uscc, entityName: "Chengdu Real Foods Ltd", legalRepresentativeHash: legalRep, regionCode: "510107", category: "food", establishedOn: "2015-03-01" }),
  ]);
  expect(r).toMatchObject({ status: "accepted", link: "corroborated" });
  entityId = r!.entityId!;
});
afterAll(async () => {
  await gw?.close();
});

describe("a shop claiming another platform's entity by its USCC", () => {
  let claimed: Result | undefined;
  beforeAll(async () => {
    [claimed] = await send(rival, "/v1/merchants/batch", [
      merchant("hijack-1", { uscc, entityName: "Hijacked Name Ltd", regionCode: "510104", category: "electronics", establishedOn: "2001-01-01" }),
    ]);
  });

  it("is accepted as a claimed link", () => {
    expect(claimed).toMatchObject({ status: "accepted", entityId, link: "claimed" });
  });

  it("sees nothing of the entity (404)", async () => {
    expect((await rival.get(`/v1/entities/${entityId}`)).status).toBe(404);
  });

  it("changes none of the entity's master data", async () => {
    const res = await owner.get(`/v1/entities/${entityId}`);
    expect(await res.json()).toMatchObject({ name: "Chengdu Real Foods Ltd", regionCode: "510107", category: "food", shops: ["real-1"] });
    const [e] = await gw.system.deps.db.rows<{ established_on: string }>(sql`select established_on::text from entity where id = ${entityId}::uuid`);
    expect(e!.established_on).toBe("2015-03-01");
  });

  it("gets none of the entity's messages", async () => {
    const { db, clock, enqueueMany } = gw.system.deps;
    await db.transaction((tx) => createPublishToEntityPlatforms({ clock, enqueueMany })(tx, [{ entityId, type: "classification.changed", data: { probe: true } }]));
    const rows = await db.rows<{ platform_id: string }>(sql`select platform_id::text from outbound_message where entity_id = ${entityId}::uuid and data->>'probe' = 'true'`);
    expect(rows.map((r) => r.platform_id)).toEqual([owner.platformId]);
  });

  it("does not count its events for the entity", async () => {
    const before = (await computeFeatures(gw.system.deps.db.orm, [entityId], gw.clock.now())).get(entityId)!;
    const [r] = await send(rival, "/v1/events/batch", [recentComplaint("hijack-complaint-1", "hijack-1")]);
    expect(r).toMatchObject({ status: "accepted", entityId });
    const after = (await computeFeatures(gw.system.deps.db.orm, [entityId], gw.clock.now())).get(entityId)!;
    expect(after.complaints_90d).toBe(before.complaints_90d);
  });

  it("records the disagreements for regulators of the entity's region only", async () => {
    const inside = await loginRegulator(gw, { role: "viewer", regionPrefix: "510107" });
    const res = await regulatorGet(inside.token, `/v1/regulator/master-data-conflicts?entity=${entityId}`);
    expect(res.status).toBe(200);
    const { conflicts } = (await res.json()) as { conflicts: Array<{ field: string; entityValue: string; reportedValue: string; link: string }> };
    expect(conflicts.map((c) => [c.field, c.entityValue, c.reportedValue, c.link]).sort()).toEqual([
      ["category", "food", "electronics", "claimed"],
      ["establishedOn", "2015-03-01", "2001-01-01", "claimed"],
      ["name", "Chengdu Real Foods Ltd", "Hijacked Name Ltd", "claimed"],
      ["regionCode", "510107", "510104", "claimed"],
    ]);
    const claims = (await (await regulatorGet(inside.token, "/v1/regulator/entity-claims")).json()) as { claims: Array<{ platformShopId: string }> };
    expect(claims.claims.map((c) => c.platformShopId)).toContain("hijack-1");
    const outside = await loginRegulator(gw, { role: "viewer", regionPrefix: "510104" });
    expect(((await (await regulatorGet(outside.token, `/v1/regulator/master-data-conflicts?entity=${entityId}`)).json()) as { conflicts: unknown[] }).conflicts).toEqual([]);
    expect(((await (await regulatorGet(outside.token, "/v1/regulator/entity-claims")).json()) as { claims: unknown[] }).claims).toEqual([]);
  });

  it("is corroborated by a regulator officer of the region (audited), not by a viewer or another region", async () => {
    const shopId = (claimsOf: Array<{ shopId: string; platformShopId: string }>) => claimsOf.find((c) => c.platformShopId === "hijack-1")!.shopId;
    const officer = await loginRegulator(gw, { role: "officer", regionPrefix: "510107" });
    const list = (await (await regulatorGet(officer.token, "/v1/regulator/entity-claims")).json()) as { claims: Array<{ shopId: string; platformShopId: string }> };
    const id = shopId(list.claims);
    const confirm = (token: string) =>
      gw.fetch(`/v1/regulator/entity-claims/${id}/confirm`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "business licence checked" }),
      });
    expect((await confirm((await loginRegulator(gw, { role: "viewer", regionPrefix: "510107" })).token)).status).toBe(403);
    expect((await confirm((await loginRegulator(gw, { role: "officer", regionPrefix: "510104" })).token)).status).toBe(404);
    const res = await confirm(officer.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ platformShopId: "hijack-1", link: "corroborated" });
    expect((await confirm(officer.token)).status).toBe(404);
    expect((await rival.get(`/v1/entities/${entityId}`)).status).toBe(200);
    const [audit] = await gw.system.deps.db.rows<{ actor: string }>(sql`select actor from audit_log where action = 'entity.claim_confirm' and subject_id = ${id}`);
    expect(audit!.actor).toBe(`regulator:${officer.userId}`);
    // Its events count from now on.
    const f = (await computeFeatures(gw.system.deps.db.orm, [entityId], gw.clock.now())).get(entityId)!;
    expect(f.complaints_90d).toBeGreaterThan(0);
  });
});

describe("a second source matching the registered name and legal representative", () => {
  it("is corroborated at once, but still moves neither region nor category", async () => {
    const [r] = await send(honest, "/v1/merchants/batch", [
      merchant("second-1", { uscc, entityName: "Chengdu Real Foods Ltd", legalRepresentativeHash: legalRep, regionCode: "510108", category: "household" }),
    ]);
    expect(r).toMatchObject({ status: "accepted", entityId, link: "corroborated" });
    expect(await (await honest.get(`/v1/entities/${entityId}`)).json()).toMatchObject({ regionCode: "510107", category: "food", shops: ["second-1"] });
  });

  it("a matching name without the legal representative is only a claim", async () => {
    const other = await onboardPlatform(gw, { name: "Claims name only" });
    const [r] = await send(other, "/v1/merchants/batch", [merchant("name-only", { uscc, entityName: "Chengdu Real Foods Ltd", legalRepresentativeHash: hashOf("someone else") })]);
    expect(r).toMatchObject({ status: "accepted", link: "claimed" });
  });
});

describe("serious confirmed violations", () => {
  const serious = (eventId: string, shopId: string, data: Record<string, unknown>) => ({
    eventId, shopId, kind: "violation_confirmed", occurredAt: new Date(gw.clock.now().getTime() - 86_400_000).toISOString(), data,
  });

  it("are rejected per record from a platform", async () => {
    const results = await send(owner, "/v1/events/batch", [
      serious("v-serious", "real-1", { violationType: "counterfeit", serious: true }),
      serious("v-minor", "real-1", { violationType: "labelling", serious: false }),
      serious("v-severity", "real-1", { violationType: "counterfeit", serious: false, severity: "serious" }),
    ]);
    expect(results.map((r) => r.error?.code ?? r.status)).toEqual(["SERIOUS_VIOLATION_NOT_ACCEPTED", "accepted", "SERIOUS_VIOLATION_NOT_ACCEPTED"]);
  });

  it("are accepted from a regulator-side source", async () => {
    const enforcement = await onboardPlatform(gw, {
      name: "Enforcement system",
      scopes: ["merchants:write", "events:write", "entities:read", "violations:confirm"],
    });
    await send(enforcement, "/v1/merchants/batch", [merchant("case-shop", { uscc: makeUscc("510107") })]);
    const [r] = await send(enforcement, "/v1/events/batch", [serious("v-1", "case-shop", { violationType: "counterfeit", serious: true })]);
    expect(r).toMatchObject({ status: "accepted" });
  });
});
