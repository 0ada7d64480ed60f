// record_changes_365d end to end: merchant records go in through the signed merchants API over
// a year on a ManualClock; the shop_record_change rows the ingestion writes, and the indicator
// read from them (recordChanges365d), are checked against the expected facts and against the
// reference computeIndicators fed the same records as the gateway received them.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { recordChanges365d } from "../src/classification/record-changes.js";
import { computeIndicators, type HeldMerchantRecord, type MerchantRecord } from "../src/scoring/compute-indicators.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { onboardPlatform, type OnboardedPlatform } from "./support/platform.js";

const DAY = 86_400_000;
const clock = new ManualClock("2025-01-01T00:00:00Z");
let gw: TestGateway;
let p1: OnboardedPlatform;
let p2: OnboardedPlatform;

/** Every record the gateway applied or found identical, with its entity: what the reference holds. */
const held: Array<HeldMerchantRecord & { entityId: string }> = [];
const batchIds: string[] = [];

interface BatchResponse {
  batchId: string;
  results: Array<{ index: number; status: string; entityId?: string; error?: { code: string } }>;
}

async function send(p: OnboardedPlatform, records: Record<string, unknown>[]): Promise<string[]> {
  const res = await p.signedRequest("/v1/merchants/batch", { records });
  expect(res.status).toBe(200);
  const body = (await res.json()) as BatchResponse;
  batchIds.push(body.batchId);
  for (const r of body.results) {
    if (r.status === "rejected" || r.error?.code === "DUPLICATE_IN_BATCH") continue;
    held.push({ platformId: p.platformId, recordedAt: clock.now().toISOString(), record: records[r.index] as unknown as MerchantRecord, entityId: r.entityId! });
  }
  return body.results.map((r) => r.status);
}

const usccs = { A: makeUscc("510104", 11), B: makeUscc("510104", 12), C: makeUscc("510104", 13), D: makeUscc("510104", 14), E: makeUscc("510104", 15) };
const entityOf = new Map<string, string>();
const ids = () => ["A", "B", "C", "D", "E"].map((k) => entityOf.get(k)!);

beforeAll(async () => {
  gw = await startTestGateway({ clock });
  p1 = await onboardPlatform(gw, { name: "record-changes-1" });
  p2 = await onboardPlatform(gw, { name: "record-changes-2" });

  // 2025-01-01: five shops on platform 1, one entity each.
  const first = [merchant("a1", { uscc: usccs.A }), merchant("b1", { uscc: usccs.B }), merchant("c1", { uscc: usccs.C }), merchant("d1", { uscc: usccs.D }), merchant("e1", { uscc: usccs.E })];
  expect(await send(p1, first)).toEqual(Array(5).fill("accepted"));
  for (const [i, k] of ["A", "B", "C", "D", "E"].entries()) entityOf.set(k, held[i]!.entityId);

  // 2025-01-10: e1 renamed.
  clock.set("2025-01-10T00:00:00Z");
  expect(await send(p1, [merchant("e1", { uscc: usccs.E, name: "E renamed" })])).toEqual(["accepted"]);

  // 2026-01-05: a1 moves; b1 re-sent unchanged; C opens a second shop c2, and platform 2 a shop
  // with c1's shop id at another address (a new shop); d1 changes category and adds a url (not
  // counted); e1 changes region.
  clock.set("2026-01-05T00:00:00Z");
  expect(await send(p1, [
    merchant("a1", { uscc: usccs.A, address: "9 Tianfu Avenue, Wuhou, Chengdu" }),
    merchant("b1", { uscc: usccs.B }),
    merchant("c2", { uscc: usccs.C, name: "Shop c2" }),
    merchant("d1", { uscc: usccs.D, category: "other", url: "https://shop.example/d1" }),
    merchant("e1", { uscc: usccs.E, name: "E renamed", regionCode: "510105" }),
  ])).toEqual(["accepted", "duplicate", "accepted", "accepted", "accepted"]);
  expect(await send(p2, [merchant("c1", { uscc: usccs.C, address: "2 Renmin Road, Qingyang, Chengdu" })])).toEqual(["accepted"]);

  // An hour later: a1's new record again, identical.
  clock.set("2026-01-05T01:00:00Z");
  expect(await send(p1, [merchant("a1", { uscc: usccs.A, address: "9 Tianfu Avenue, Wuhou, Chengdu" })])).toEqual(["duplicate"]);
});

afterAll(async () => {
  await gw?.close();
});

describe("shop_record_change", () => {
  it("holds one row per changed existing shop per batch, with the changed fields only", async () => {
    const rows = await gw.system.deps.db.rows<{ shop: string; entity_id: string; platform_id: string; batch_id: string; received_at: Date | string; changed_fields: string[]; before: unknown; after: unknown }>(sql`
      select s.platform_shop_id as shop, c.entity_id, c.platform_id, c.batch_id, c.received_at, c.changed_fields, c.before, c.after
      from shop_record_change c join shop s on s.id = c.shop_id order by c.received_at, s.platform_shop_id`);
    const at = (x: Date | string) => new Date(x).toISOString();
    expect(rows.map((r) => ({ ...r, received_at: at(r.received_at) }))).toEqual([
      { shop: "e1", entity_id: entityOf.get("E"), platform_id: p1.platformId, batch_id: batchIds[1], received_at: "2025-01-10T00:00:00.000Z", changed_fields: ["name"], before: { name: "Shop e1" }, after: { name: "E renamed" } },
      { shop: "a1", entity_id: entityOf.get("A"), platform_id: p1.platformId, batch_id: batchIds[2], received_at: "2026-01-05T00:00:00.000Z", changed_fields: ["address"], before: { address: "1 Chunxi Road, Jinjiang, Chengdu" }, after: { address: "9 Tianfu Avenue, Wuhou, Chengdu" } },
      { shop: "d1", entity_id: entityOf.get("D"), platform_id: p1.platformId, batch_id: batchIds[2], received_at: "2026-01-05T00:00:00.000Z", changed_fields: ["category"], before: { category: "food" }, after: { category: "other" } },
      { shop: "e1", entity_id: entityOf.get("E"), platform_id: p1.platformId, batch_id: batchIds[2], received_at: "2026-01-05T00:00:00.000Z", changed_fields: ["regionCode"], before: { regionCode: "510104" }, after: { regionCode: "510105" } },
    ]);
  });
});

describe("recordChanges365d", () => {
  const counts = async (asOf: string) => {
    const m = await recordChanges365d(gw.system.deps.db.orm, ids(), new Date(asOf));
    return Object.fromEntries(["A", "B", "C", "D", "E"].map((k) => [k, m.get(entityOf.get(k)!)]));
  };

  it("counts a new address as 1; an identical resend, a new shop and a category change as 0", async () => {
    expect(await counts("2026-01-12T00:00:00Z")).toEqual({ A: 1, B: 0, C: 0, D: 0, E: 1 });
  });

  it("windows [T-365d, T): older changes drop out, a change at T itself is not yet counted", async () => {
    // e1's rename (2025-01-10) is inside the window until exactly 365 days later.
    expect((await counts("2026-01-10T00:00:00.000Z")).E).toBe(2);
    expect((await counts("2026-01-10T00:00:00.001Z")).E).toBe(1);
    expect(await counts("2026-01-05T00:00:00.000Z")).toEqual({ A: 0, B: 0, C: 0, D: 0, E: 1 });
    expect(await counts("2027-01-05T00:00:00.000Z")).toEqual({ A: 1, B: 0, C: 0, D: 0, E: 1 });
    expect(await counts("2027-01-05T00:00:00.001Z")).toEqual({ A: 0, B: 0, C: 0, D: 0, E: 0 });
  });

  it("answers 0 for unknown entities and nothing for no entities", async () => {
    const unknown = "00000000-0000-7000-8000-000000000000";
    expect(await recordChanges365d(gw.system.deps.db.orm, [unknown, unknown], new Date("2026-01-12T00:00:00Z"))).toEqual(new Map([[unknown, 0]]));
    expect((await recordChanges365d(gw.system.deps.db.orm, [], new Date())).size).toBe(0);
  });

  it("agrees with the reference computeIndicators on the same records", async () => {
    const asOfs = [
      "2025-01-09T00:00:00.000Z", "2025-01-10T00:00:00.000Z", "2025-01-10T00:00:00.001Z", "2025-06-01T00:00:00.000Z",
      "2026-01-05T00:00:00.000Z", "2026-01-05T00:30:00.000Z", "2026-01-10T00:00:00.000Z", "2026-01-10T00:00:00.001Z",
      "2026-07-01T00:00:00.000Z", "2027-01-05T00:00:00.000Z", "2027-01-05T00:00:00.001Z",
    ];
    for (const asOf of asOfs) {
      const ours = await recordChanges365d(gw.system.deps.db.orm, ids(), new Date(asOf));
      for (const entityId of ids()) {
        const merchants = held.filter((h) => h.entityId === entityId);
        const reference = computeIndicators({ merchants, events: [] }, asOf).record_changes_365d;
        expect({ asOf, entityId, n: ours.get(entityId) }).toEqual({ asOf, entityId, n: reference });
      }
    }
  });
});
