// Tenant isolation and region scope: a platform sees only entities it has shops for and only
// its own batches; a regulator sees only entities inside their region prefix. Plus the
// per-platform rate limit (429 with Retry-After).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type OnboardedPlatform } from "./support/platform.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";

let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;
let wuhouEntity: string;
let batchId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  a = await onboardPlatform(gw, { name: "Access A" });
  b = await onboardPlatform(gw, { name: "Access B" });
  const res = await a.signedRequest("/v1/merchants/batch", {
    records: [merchant("wuhou-1", { regionCode: "510107", uscc: makeUscc("510107"), entityName: "Wuhou Foods Ltd" }), merchant("wuhou-2", { regionCode: "510107", uscc: makeUscc("510107") })],
  });
  const body = (await res.json()) as { batchId: string; results: Array<{ entityId: string }> };
  wuhouEntity = body.results[0]!.entityId;
  batchId = body.batchId;
});
afterAll(async () => {
  await gw?.close();
});

describe("platform isolation", () => {
  it("shows a platform the status of an entity it has shops for", async () => {
    const res = await a.get(`/v1/entities/${wuhouEntity}`);
    expect(res.status).toBe(200);
    // The class arrives asynchronously (the rescore job runs after ingestion): null until then.
    const { riskClass, classifiedAt, ...rest } = (await res.json()) as Record<string, unknown>;
    expect([null, "A", "B", "C", "D"]).toContain(riskClass);
    expect(classifiedAt === null).toBe(riskClass === null);
    expect(rest).toEqual({
      entityId: wuhouEntity,
      name: "Wuhou Foods Ltd",
      regionCode: "510107",
      category: "food",
      sandbox: "outside",
      openNotices: 0,
      shops: ["wuhou-1"],
    });
  });

  it("answers 404 to another platform for the entity and for the batch", async () => {
    const entity = await b.get(`/v1/entities/${wuhouEntity}`);
    expect(entity.status).toBe(404);
    expect(((await entity.json()) as { code: string }).code).toBe("NOT_FOUND");
    expect((await b.get(`/v1/batches/${batchId}`)).status).toBe(404);
    expect((await a.get(`/v1/batches/${batchId}`)).status).toBe(200);
  });

  it("needs the entities:read scope", async () => {
    const res = await a.get(`/v1/entities/${wuhouEntity}`, { scopes: ["merchants:write"] });
    expect(res.status).toBe(403);
  });
});

describe("regulator region scope", () => {
  it("hides an entity in 510107 from a 510104 district regulator", async () => {
    const district = await loginRegulator(gw, { role: "viewer", regionPrefix: "510104" });
    const res = await gw.fetch(`/v1/regulator/entities/${wuhouEntity}`, { headers: { authorization: `Bearer ${district.token}` } });
    expect(res.status).toBe(404);
  });

  it("shows it to a city regulator (5101) with its shops per platform", async () => {
    const city = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
    const res = await gw.fetch(`/v1/regulator/entities/${wuhouEntity}`, { headers: { authorization: `Bearer ${city.token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      entityId: wuhouEntity,
      name: "Wuhou Foods Ltd",
      entityType: "enterprise",
      regionCode: "510107",
      shops: [{ platformId: a.platformId, platformName: "Access A", shopId: "wuhou-1", name: "Shop wuhou-1", url: null }],
    });
  });

  it("refuses a platform token on the regulator route", async () => {
    expect((await a.get(`/v1/regulator/entities/${wuhouEntity}`)).status).toBe(401);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After once a platform's bucket is empty, and only for that platform", async () => {
    gw.system.exchange.rateLimiter.configure({ read: { capacity: 2, refillPerSecond: 0.01 } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await a.get(`/v1/batches/${batchId}`)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const limited = await a.get(`/v1/batches/${batchId}`);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number.isInteger(Number(limited.headers.get("retry-after")))).toBe(true);
      expect(((await limited.json()) as { code: string }).code).toBe("RATE_LIMITED");
      expect((await b.get(`/v1/batches/${batchId}`)).status).toBe(404);
    } finally {
      gw.system.exchange.rateLimiter.configure({ read: { capacity: 200, refillPerSecond: 100 } });
    }
  });
});
