// Finding an entity (GET /v1/regulator/entities?q=) by name fragment, USCC and shop id, in
// keyset pages by name, and never outside the caller's region: a 锦江 officer typing the exact
// USCC or shop id of a 武侯 merchant gets nothing back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { components } from "../src/generated/openapi.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { post, regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator } from "./support/platform.js";

type Page = components["schemas"]["EntitySearchPage"];

let gw: TestGateway;
let city: LoggedInRegulator;
let jinjiang: LoggedInRegulator;
const wuhouUscc = makeUscc("510107");
const ids: Record<string, string> = {};

beforeAll(async () => {
  gw = await startTestGateway();
  const alpha = await onboardPlatform(gw, { name: "Alpha" });
  const records = [
    merchant("se-1", { name: "春熙路火锅店", regionCode: "510104", address: "春熙路 1 号" }),
    merchant("se-2", { name: "春熙路茶馆", regionCode: "510104", address: "春熙路 2 号" }),
    merchant("se-3", { name: "春熙路书店", regionCode: "510104", address: "春熙路 3 号" }),
    merchant("se-w", { name: "武侯春熙路分店", regionCode: "510107", address: "武侯祠大街 9 号", uscc: wuhouUscc }),
  ];
  const results = await post(alpha, "/v1/merchants/batch", records);
  records.forEach((r, k) => (ids[r.shopId as string] = results[k]!.entityId!));
  city = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  jinjiang = await loginRegulator(gw, { role: "viewer", regionPrefix: "510104" });
});
afterAll(async () => {
  await gw?.close();
});

async function search(who: LoggedInRegulator, query: string): Promise<Page> {
  const res = await regulatorCall(gw, who, "GET", `/v1/regulator/entities?${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Page;
}

describe("entity search", () => {
  it("finds by a fragment of the name, ordered by name, in keyset pages", async () => {
    const first = await search(city, `q=${encodeURIComponent("春熙路")}&limit=2`);
    expect(first.entities).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await search(city, `q=${encodeURIComponent("春熙路")}&limit=2&cursor=${first.nextCursor}`);
    const all = [...first.entities, ...second.entities];
    expect(all.map((e) => e.entityId).sort()).toEqual(Object.values(ids).sort());
    expect(second.nextCursor).toBeNull();
    const names = all.map((e) => e.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(all.every((e) => e.matchedBy === "name")).toBe(true);
  });

  it("finds by USCC (any case) and by shop id", async () => {
    const byUscc = await search(city, `q=${wuhouUscc.toLowerCase()}`);
    expect(byUscc.entities.map((e) => [e.entityId, e.matchedBy])).toEqual([[ids["se-w"], "uscc"]]);
    const byShop = await search(city, "q=se-2");
    expect(byShop.entities.map((e) => [e.entityId, e.matchedBy])).toEqual([[ids["se-2"], "shop"]]);
  });

  it("never returns an entity outside the caller's region, however it matches", async () => {
    const names = await search(jinjiang, `q=${encodeURIComponent("春熙路")}`);
    expect(names.entities.map((e) => e.regionCode)).toEqual(["510104", "510104", "510104"]);
    expect((await search(jinjiang, `q=${wuhouUscc}`)).entities).toEqual([]);
    expect((await search(jinjiang, "q=se-w")).entities).toEqual([]);
    // A region outside the scope narrows to nothing rather than widening.
    expect((await search(jinjiang, `q=${encodeURIComponent("春熙路")}&region=510107`)).entities).toEqual([]);
  });

  it("refuses a cursor it did not issue and a call without a token", async () => {
    const res = await regulatorCall(gw, city, "GET", "/v1/regulator/entities?q=x&cursor=bm9wZQ");
    expect(res.status).toBe(400);
    expect((await gw.fetch("/v1/regulator/entities?q=x")).status).toBe(401);
  });
});
