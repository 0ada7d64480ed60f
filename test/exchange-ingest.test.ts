// Signed batch ingestion end to end: per-record results, NDJSON, duplicates, shared entities,
// limits, receipts and the coalesced rescore jobs. Runs on PGlite or PostgreSQL (+ Bull).
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { compactVerify, createRemoteJWKSet, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { rescoresSettled } from "./support/rescores.js";
import { onboardPlatform, type OnboardedPlatform } from "./support/platform.js";
import { breakUscc, complaint, hashOf, makeUscc, merchant, ndjson } from "./exchange-fixtures.js";

type Result = { index: number; status: string; entityId?: string; error?: { code: string; message: string; pointer?: string } };
type BatchResult = { batchId: string; receivedAt: string; accepted: number; duplicates: number; rejected: number; results: Result[]; receipt: string };

let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;

beforeAll(async () => {
  gw = await startTestGateway();
  a = await onboardPlatform(gw, { name: "Platform A" });
  b = await onboardPlatform(gw, { name: "Platform B" });
});
afterAll(async () => {
  await gw?.close();
});

const count = async (query: ReturnType<typeof sql>) => Number((await gw.system.deps.db.rows<{ n: number }>(query))[0]!.n);

async function post(p: OnboardedPlatform, path: string, body: string | object, contentType?: string): Promise<BatchResult> {
  const res = await p.signedRequest(path, body, contentType ? { contentType } : {});
  const json = (await res.json()) as BatchResult;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

describe("merchant batches", () => {
  it("accepts the good records and names the bad ones (index, code, pointer)", async () => {
    const r = await post(a, "/v1/merchants/batch", {
      records: [
        merchant("m-1"),
        merchant("m-2", { uscc: breakUscc(makeUscc()) }),
        merchant("m-3", { uscc: undefined }),
        merchant("m-4", { category: "weapons" }),
        merchant("m-5", { entityType: "individual", uscc: undefined, idNumberHash: hashOf("id-5") }),
        merchant("m-6", { entityType: "individual", uscc: undefined }),
        merchant("m-1", { name: "later copy" }),
      ],
    });
    expect(r.accepted).toBe(2);
    expect(r.rejected).toBe(4);
    expect(r.duplicates).toBe(1);
    const by = (i: number) => r.results.find((x) => x.index === i)!;
    expect(by(0)).toMatchObject({ status: "accepted", entityId: expect.any(String) });
    expect(by(1)).toMatchObject({ status: "rejected", error: { code: "USCC_CHECK_FAILED", pointer: "/records/1/uscc" } });
    expect(by(2)).toMatchObject({ status: "rejected", error: { code: "USCC_REQUIRED", pointer: "/records/2/uscc" } });
    expect(by(3)).toMatchObject({ status: "rejected", error: { code: "VALIDATION_FAILED", pointer: "/records/3/category" } });
    expect(by(4)).toMatchObject({ status: "accepted" });
    expect(by(5)).toMatchObject({ status: "rejected", error: { code: "IDENTIFIER_REQUIRED" } });
    expect(by(6)).toMatchObject({ status: "duplicate", entityId: by(0).entityId, error: { code: "DUPLICATE_IN_BATCH" } });
    expect(await count(sql`select count(*)::int as n from shop where platform_id = ${a.platformId}::uuid`)).toBe(2);
    const [shop] = await gw.system.deps.db.rows<{ name: string }>(sql`select name from shop where platform_shop_id = 'm-1'`);
    expect(shop!.name).toBe("Shop m-1");
  });

  it("reports an identical resend as duplicate and an edit as accepted", async () => {
    const record = merchant("m-resend");
    const first = await post(a, "/v1/merchants/batch", { records: [record] });
    expect(first.accepted).toBe(1);
    const again = await post(a, "/v1/merchants/batch", { records: [record] });
    expect(again).toMatchObject({ accepted: 0, duplicates: 1, results: [{ status: "duplicate", entityId: first.results[0]!.entityId }] });
    const edited = await post(a, "/v1/merchants/batch", { records: [{ ...record, address: "2 Chunxi Road" }] });
    expect(edited.results[0]).toMatchObject({ status: "accepted", entityId: first.results[0]!.entityId });
    const [e] = await gw.system.deps.db.rows<{ address: string }>(sql`select address from entity where id = ${first.results[0]!.entityId}::uuid`);
    expect(e!.address).toBe("2 Chunxi Road");
  });

  it("makes an entity sold on two platforms one entity with two shops", async () => {
    const uscc = makeUscc("510107");
    const ra = await post(a, "/v1/merchants/batch", { records: [merchant("shared-a", { uscc, regionCode: "510107" })] });
    const rb = await post(b, "/v1/merchants/batch", { records: [merchant("shared-b", { uscc, regionCode: "510107" })] });
    const entityId = ra.results[0]!.entityId!;
    expect(rb.results[0]!.entityId).toBe(entityId);
    expect(await count(sql`select count(*)::int as n from entity where uscc = ${uscc}`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from shop where entity_id = ${entityId}::uuid`)).toBe(2);
  });

  it("finds an individual by idNumberHash and adds a USCC later without a second entity", async () => {
    const h = hashOf("individual-77");
    const first = await post(a, "/v1/merchants/batch", { records: [merchant("ind-1", { entityType: "individual", uscc: undefined, idNumberHash: h })] });
    const uscc = makeUscc();
    // The entity's own source adds it (another platform's record would only be a claim).
    const second = await post(a, "/v1/merchants/batch", { records: [merchant("ind-2", { entityType: "individual", uscc, idNumberHash: h })] });
    expect(second.results[0]!.entityId).toBe(first.results[0]!.entityId);
    const [e] = await gw.system.deps.db.rows<{ uscc: string }>(sql`select uscc from entity where id = ${first.results[0]!.entityId}::uuid`);
    expect(e!.uscc).toBe(uscc);
  });
});

describe("event batches", () => {
  let entityId: string;
  beforeAll(async () => {
    const r = await post(a, "/v1/merchants/batch", { records: [merchant("ev-shop-1"), merchant("ev-shop-2")] });
    entityId = r.results[0]!.entityId!;
  });

  it("accepts the good events and names the bad ones", async () => {
    const r = await post(a, "/v1/events/batch", {
      records: [
        complaint("e-1", "ev-shop-1"),
        complaint("e-2", "no-such-shop"),
        complaint("e-3", "ev-shop-1", "1999-12-31T23:59:59Z"),
        complaint("e-4", "ev-shop-1", "2035-01-01T00:00:00Z"),
        complaint("e-5", "ev-shop-1", "2025-12-15T10:00:00Z", { data: { channel: "carrier-pigeon", reason: "x" } }),
        complaint("e-1", "ev-shop-1"),
        { eventId: "e-7", shopId: "ev-shop-2", kind: "sales_summary", occurredAt: "2025-11-30T00:00:00Z", data: { periodStart: "2025-11-01", periodEnd: "2025-11-30", orders: 10, gmvCents: 1000, refunds: 0 } },
      ],
    });
    expect(r).toMatchObject({ accepted: 2, duplicates: 1, rejected: 4 });
    const by = (i: number) => r.results.find((x) => x.index === i)!;
    expect(by(0)).toMatchObject({ status: "accepted", entityId });
    expect(by(1)).toMatchObject({ status: "rejected", error: { code: "UNKNOWN_SHOP", pointer: "/records/1/shopId" } });
    expect(by(2)).toMatchObject({ status: "rejected", error: { code: "OCCURRED_AT_OUT_OF_RANGE", pointer: "/records/2/occurredAt" } });
    expect(by(3)).toMatchObject({ status: "rejected", error: { code: "OCCURRED_AT_OUT_OF_RANGE" } });
    expect(by(4)).toMatchObject({ status: "rejected", error: { code: "VALIDATION_FAILED", pointer: "/records/4/data/channel" } });
    expect(by(5)).toMatchObject({ status: "duplicate", entityId, error: { code: "DUPLICATE_IN_BATCH" } });
    expect(by(6)).toMatchObject({ status: "accepted" });
    expect(await count(sql`select count(*)::int as n from event where platform_id = ${a.platformId}::uuid`)).toBe(2);
  });

  it("takes NDJSON, rejecting a malformed line alone", async () => {
    const body = ndjson([complaint("nd-1", "ev-shop-1"), complaint("nd-2", "ev-shop-1")]).replace("\n", "\n{not json\n");
    const r = await post(a, "/v1/events/batch", body, "application/x-ndjson");
    expect(r).toMatchObject({ accepted: 2, rejected: 1 });
    expect(r.results[1]).toMatchObject({ index: 1, status: "rejected", error: { code: "MALFORMED_LINE", pointer: "/records/1" } });
  });

  it("reports a resend as duplicates and adds no rows", async () => {
    const records = Array.from({ length: 50 }, (_, i) => complaint(`resend-${i}`, i % 2 ? "ev-shop-1" : "ev-shop-2", `2025-${String((i % 12) + 1).padStart(2, "0")}-10T00:00:00Z`));
    const first = await post(a, "/v1/events/batch", { records });
    expect(first.accepted).toBe(50);
    const before = await count(sql`select count(*)::int as n from event`);
    const again = await post(a, "/v1/events/batch", { records });
    expect(again).toMatchObject({ accepted: 0, duplicates: 50, rejected: 0 });
    expect(await count(sql`select count(*)::int as n from event`)).toBe(before);
    // The same eventId from another platform is another event.
    await post(b, "/v1/merchants/batch", { records: [merchant("ev-shop-1")] });
    const other = await post(b, "/v1/events/batch", { records: [records[1]!] });
    expect(other.accepted).toBe(1);
  });

  it("stores awkward text exactly and rejects U+0000 alone", async () => {
    const odd = "tab\there\nnew\\line \u00e9\u{1F600}";
    const r = await post(a, "/v1/events/batch", {
      records: [
        complaint(odd, "ev-shop-1", undefined, { data: { channel: "platform", reason: "back\\slash \"quoted\"\r\n" } }),
        complaint("nul-1", "ev-shop-1", undefined, { data: { channel: "platform", reason: "nul \u0000 inside" } }),
      ],
    });
    expect(r.results.map((x) => x.status)).toEqual(["accepted", "rejected"]);
    expect(r.results[1]!.error!.code).toBe("UNSUPPORTED_CHARACTER");
    // A lone UTF-16 surrogate (JSON can carry one as an escape; PostgreSQL cannot store it) is
    // refused for its record alone, in an event and in a merchant record; a paired one is stored.
    const lone = await post(a, "/v1/events/batch", {
      records: [
        complaint("lone-1", "ev-shop-1", undefined, { data: { channel: "platform", reason: "half \ud800 of a pair" } }),
        complaint("pair-1", "ev-shop-1", undefined, { data: { channel: "platform", reason: "whole \ud83d\ude00 pair" } }),
      ],
    });
    expect(lone.results.map((x) => x.status)).toEqual(["rejected", "accepted"]);
    expect(lone.results[0]!.error!.code).toBe("UNSUPPORTED_CHARACTER");
    const shop = await post(a, "/v1/merchants/batch", { records: [merchant("\udfff"), merchant("ok-surrogate-shop")] });
    expect(shop.results.map((x) => x.status)).toEqual(["rejected", "accepted"]);
    expect(shop.results[0]!.error!.code).toBe("UNSUPPORTED_CHARACTER");
    const [row] = await gw.system.deps.db.rows<{ k: string; reason: string }>(
      sql`select platform_event_id as k, data->>'reason' as reason from event where platform_event_id = ${odd}`,
    );
    expect(row).toEqual({ k: odd, reason: 'back\\slash "quoted"\r\n' });
    const again = await post(a, "/v1/events/batch", { records: [complaint(odd, "ev-shop-1")] });
    expect(again.results[0]!.status).toBe("duplicate");
  });

  it("stores every row of a batch that spans many COPY chunks, one event larger than a chunk included", async () => {
    // Multi-byte text everywhere, so a row's bytes are not its characters; one data object of
    // ~600 KB (more than the 256 KB the COPY path sends at a time) in the middle.
    const big = "长".repeat(200_000);
    const records = Array.from({ length: 3000 }, (_, i) =>
      complaint(`chunk-${i}-事件`, "ev-shop-1", undefined, { data: { channel: "platform", reason: `投诉 ${i}`, ...(i === 1500 ? { note: big } : {}) } }),
    );
    const r = await post(a, "/v1/events/batch", { records });
    expect(r).toMatchObject({ accepted: 3000, rejected: 0 });
    const [stored] = await gw.system.deps.db.rows<{ n: number; reasons: number; note: number }>(sql`
      select count(*)::int as n, count(distinct data->>'reason')::int as reasons, max(length(data->>'note'))::int as note
      from event where platform_event_id like 'chunk-%-事件'`);
    expect(stored).toEqual({ n: 3000, reasons: 3000, note: big.length });
  });

  it("marks each entity of a batch once for rescoring, behind one drain job (coalesced)", async () => {
    const r = await post(a, "/v1/merchants/batch", { records: [merchant("rs-1"), merchant("rs-2")] });
    const [e1, e2] = [r.results[0]!.entityId!, r.results[1]!.entityId!];
    await rescoresSettled(gw);
    const scored = (id: string) => count(sql`select count(*)::int as n from classification where entity_id = ${id}::uuid`);
    const before = [await scored(e1), await scored(e2)];
    const events = Array.from({ length: 30 }, (_, i) => complaint(`rs-e-${i}`, i < 20 ? "rs-1" : "rs-2"));
    await post(a, "/v1/events/batch", { records: events });
    await rescoresSettled(gw);
    // Thirty events, two entities: each classified once more, not once per event.
    expect([await scored(e1), await scored(e2)]).toEqual([before[0]! + 1, before[1]! + 1]);
  });
});

describe("limits", () => {
  it("refuses more than 10,000 records with 400", async () => {
    const records = Array.from({ length: 10_001 }, (_, i) => ({ eventId: `x${i}`, shopId: "s", kind: "rating", occurredAt: "2025-12-01T00:00:00Z", data: { score: 5, count: 1 } }));
    const res = await a.signedRequest("/v1/events/batch", { records });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("VALIDATION_FAILED");
  });

  it("refuses a body over 10 MB with 413", async () => {
    const big = JSON.stringify({ records: [complaint("big", "ev-shop-1", undefined, { data: { channel: "platform", reason: "x".repeat(10 * 1024 * 1024) } })] });
    const res = await a.signedRequest("/v1/events/batch", big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("receipts and batches", () => {
  it("returns a receipt that verifies against the JWKS and names the hash of the bytes sent", async () => {
    const body = JSON.stringify({ records: [merchant("receipt-1")] });
    const res = await a.signedRequest("/v1/merchants/batch", body);
    const r = (await res.json()) as BatchResult;
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await compactVerify(r.receipt, jwks);
    expect(protectedHeader.typ).toBe("receipt+jwt");
    expect(decodeProtectedHeader(r.receipt).kid).toBeTruthy();
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    expect(claims).toEqual({
      batchId: r.batchId,
      platformId: a.platformId,
      bodySha256: createHash("sha256").update(body).digest("hex"),
      accepted: 1,
      rejected: 0,
      receivedAt: r.receivedAt,
    });

    const own = await a.get(`/v1/batches/${r.batchId}`);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ batchId: r.batchId, kind: "merchants", bodySha256: claims.bodySha256, receipt: r.receipt, recordCount: 1, accepted: 1 });
    const [row] = await gw.system.deps.db.rows<{ signature: string; kid: string }>(sql`select signature, kid from batch where id = ${r.batchId}::uuid`);
    expect(row!.kid).toBe(a.keys[0]!.kid);
    expect(row!.signature).toMatch(/^[\w-]+\.\.[\w-]+$/);
  });

  it("publishes batch.processed to the submitting platform", async () => {
    const r = await post(a, "/v1/merchants/batch", { records: [merchant("msg-1")] });
    const rows = await gw.system.deps.db.rows<{ platform_id: string; data: { batchId: string; kind: string } }>(
      sql`select platform_id, data from outbound_message where type = 'batch.processed' and data->>'batchId' = ${r.batchId}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ platform_id: a.platformId, data: { batchId: r.batchId, kind: "merchants", accepted: 1, duplicates: 0, rejected: 0 } });
  });
});
