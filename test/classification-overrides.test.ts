// Overrides reach the stored class through the public API: a licence event reporting a
// revoked licence forces class D and says why, whenever it was, until a later report says otherwise.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { onboardPlatform, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

let gw: TestGateway;
let p: OnboardedPlatform;
beforeAll(async () => {
  gw = await startTestGateway();
  p = await onboardPlatform(gw, { name: "Overrides" });
});
afterAll(async () => {
  await gw?.close();
});

describe("overrides through the events API", () => {
  it("a revoked licence reported as a licence event forces class D", async () => {
    const res = await p.signedRequest("/v1/merchants/batch", {
      records: [merchant("lic-1", { uscc: makeUscc("510104", 777), category: "food", licences: [{ type: "food_business", number: "JY1" }] })],
    });
    const entityId = ((await res.json()) as { results: { entityId: string }[] }).results[0]!.entityId;
    await rescoresSettled(gw);
    const event = {
      eventId: "lic-ev-1",
      shopId: "lic-1",
      kind: "licence",
      occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
      data: { type: "food_business", number: "JY1", status: "revoked" },
    };
    const sent = (await (await p.signedRequest("/v1/events/batch", { records: [event] })).json()) as { accepted: number };
    expect(sent.accepted).toBe(1);
    await rescoresSettled(gw);
    const [row] = await gw.system.deps.db.rows<{ risk_class: string; override: string | null }>(sql`
      select e.risk_class, c.override from entity e
      join classification c on c.entity_id = e.id
      where e.id = ${entityId}::uuid order by c.computed_at desc limit 1`);
    expect(row).toEqual({ risk_class: "D", override: "licence_revoked" });
  });

  it("the latest licence event counts however old it is; of two at one instant, the later-received", async () => {
    const res = await p.signedRequest("/v1/merchants/batch", {
      records: [merchant("lic-2", { uscc: makeUscc("510104", 778), category: "food", licences: [{ type: "food_business", number: "JY2" }] })],
    });
    const entityId = ((await res.json()) as { results: { entityId: string }[] }).results[0]!.entityId;
    // Five years ago: older than every event window, still the licence's last word.
    const at = new Date(Date.now() - 5 * 365 * 86_400_000).toISOString();
    const licence = (eventId: string, status: string) => ({ eventId, shopId: "lic-2", kind: "licence", occurredAt: at, data: { type: "food_business", number: "JY2", status } });
    const latest = async () => {
      await rescoresSettled(gw);
      const [row] = await gw.system.deps.db.rows<{ risk_class: string; override: string | null }>(sql`
        select e.risk_class, c.override from entity e join classification c on c.entity_id = e.id
        where e.id = ${entityId}::uuid order by c.computed_at desc limit 1`);
      return row;
    };
    expect(((await (await p.signedRequest("/v1/events/batch", { records: [licence("lic-ev-2a", "revoked")] })).json()) as { accepted: number }).accepted).toBe(1);
    expect(await latest()).toEqual({ risk_class: "D", override: "licence_revoked" });
    // Reinstated, reported with the same instant in a later batch: the later report wins.
    expect(((await (await p.signedRequest("/v1/events/batch", { records: [licence("lic-ev-2b", "valid")] })).json()) as { accepted: number }).accepted).toBe(1);
    const after = await latest();
    expect(after?.override).not.toBe("licence_revoked");
    expect(after?.risk_class).not.toBe("D");
  });
});
