// The feed through HTTP: paging resumes from any cursor without gaps or repeats, platforms
// only see their own messages, fan-out reaches exactly the platforms with shops for the
// entity, and bad cursors / missing scopes are refused.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entity, shop } from "../src/db/schema/entity.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import type { FeedMessage, FeedPage } from "../src/exchange/outbound/feed.js";
import type { OutboundMessage } from "../src/exchange/outbound/types.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type OnboardedPlatform } from "./support/platform.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

async function page(p: OnboardedPlatform, after?: string, limit?: number): Promise<FeedPage> {
  const q = new URLSearchParams();
  if (after !== undefined) q.set("after", after);
  if (limit !== undefined) q.set("limit", String(limit));
  const res = await p.get(`/v1/feed?${q}`, { scopes: ["feed:read"] });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as FeedPage;
}

/**
 * Waits (bounded) until what was committed is visible. On PostgreSQL the horizon is
 * cluster-wide, so transactions of test files running in parallel can hold it back briefly.
 */
async function caughtUp(): Promise<void> {
  for (let i = 0; !(await feedCaughtUp(gw.system.deps.db)); i++) {
    if (i > 500) throw new Error("feed horizon did not pass the last write within 10 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function readAll(p: OnboardedPlatform, limit: number, after?: string): Promise<FeedMessage[]> {
  await caughtUp();
  const out: FeedMessage[] = [];
  let cursor = after;
  for (;;) {
    const pg = await page(p, cursor, limit);
    out.push(...pg.messages);
    if (pg.messages.length > 0) expect(pg.nextCursor).toBe(pg.messages.at(-1)!.cursor);
    cursor = pg.nextCursor;
    if (!pg.hasMore) return out;
  }
}

const publish = (messages: OutboundMessage[]) => gw.system.deps.db.transaction((tx) => gw.system.outbound.publish(tx, messages));

async function entityWithShops(platforms: OnboardedPlatform[]): Promise<string> {
  const db = gw.system.deps.db.orm;
  const [e] = await db.insert(entity).values({ name: "E", entityType: "enterprise", regionCode: "510104", address: "a", category: "food" }).returning({ id: entity.id });
  if (platforms.length > 0) {
    await db.insert(shop).values(
      platforms.map((p) => ({ platformId: p.platformId, platformShopId: `s-${randomBytes(4).toString("hex")}`, entityId: e!.id, name: "S", category: "food", regionCode: "510104", address: "a", record: {} })),
    );
  }
  return e!.id;
}

describe("feed", () => {
  it("pages and resumes from every cursor without gaps or repeats; B never sees A's messages", async () => {
    const a = await onboardPlatform(gw, { scopes: ["feed:read"] });
    const b = await onboardPlatform(gw, { scopes: ["feed:read"] });
    for (let batch = 0; batch < 4; batch++) {
      await publish([
        ...Array.from({ length: 6 }, (_, i): OutboundMessage => ({ platformId: a.platformId, type: "batch.processed", data: { n: batch * 6 + i } })),
        { platformId: b.platformId, type: "batch.processed", data: { forB: batch } },
      ]);
    }
    const full = await readAll(a, 1000);
    expect(full.map((m) => m.data.n)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(new Set(full.map((m) => m.id)).size).toBe(24);
    expect(await readAll(a, 5)).toEqual(full);
    for (let i = 0; i < full.length; i++) expect(await readAll(a, 7, full[i]!.cursor)).toEqual(full.slice(i + 1));

    await caughtUp();
    const first = await page(a, undefined, 10);
    expect(first).toMatchObject({ hasMore: true });
    expect(first.messages).toHaveLength(10);
    // Nothing new: the incoming cursor comes back.
    const end = await page(a, full.at(-1)!.cursor);
    expect(end).toEqual({ messages: [], nextCursor: full.at(-1)!.cursor, hasMore: false });
    // New messages appear after the cursor held at the end.
    await publish([{ platformId: a.platformId, type: "notice.issued", data: { n: 24 } }]);
    expect((await readAll(a, 10, end.nextCursor)).map((m) => m.data.n)).toEqual([24]);

    const forB = await readAll(b, 1000);
    expect(forB.map((m) => m.data)).toEqual([0, 1, 2, 3].map((n) => ({ forB: n })));
    const aIds = new Set(full.map((m) => m.id));
    expect(forB.some((m) => aIds.has(m.id))).toBe(false);
    // A's cursor in B's hands shows only B's messages after that position, never A's.
    expect((await readAll(b, 1000, full[3]!.cursor)).every((m) => "forB" in m.data)).toBe(true);
  });

  it("refuses malformed cursors (400), tokens without feed:read (403) and non-platform callers (401)", async () => {
    const a = await onboardPlatform(gw, { scopes: ["feed:read", "entities:read"] });
    for (const bad of ["not-a-cursor", Buffer.from("1.2.3").toString("base64url"), Buffer.from("99999999999999999999999.1").toString("base64url"), "%%%"]) {
      const res = await a.get(`/v1/feed?after=${encodeURIComponent(bad)}`, { scopes: ["feed:read"] });
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ code: "VALIDATION_FAILED" });
    }
    expect((await a.get("/v1/feed", { scopes: ["entities:read"] })).status).toBe(403);
    const regulator = await loginRegulator(gw, { role: "admin", regionPrefix: "51" });
    expect((await gw.fetch("/v1/feed", { headers: { authorization: `Bearer ${regulator.token}` } })).status).toBe(401);
    expect((await gw.fetch("/v1/feed")).status).toBe(401);
  });

  it("publishToEntityPlatforms reaches exactly the platforms with shops for the entity, once each", async () => {
    const [a, b, c] = [await onboardPlatform(gw), await onboardPlatform(gw), await onboardPlatform(gw)];
    const shared = await entityWithShops([a, a, b]);
    const onlyC = await entityWithShops([c]);
    const orphan = await entityWithShops([]);
    await gw.system.deps.db.transaction((tx) =>
      gw.system.outbound.publishToEntityPlatforms(tx, [
        { entityId: shared, type: "classification.changed", data: { to: "C" } },
        { entityId: onlyC, type: "sandbox.admitted", data: {} },
        { entityId: orphan, type: "sandbox.removed", data: {} },
      ]),
    );
    const seen = async (p: OnboardedPlatform) => (await readAll(p, 100)).map((m) => `${m.type}:${m.entityId}`);
    expect(await seen(a)).toEqual([`classification.changed:${shared}`]);
    expect(await seen(b)).toEqual([`classification.changed:${shared}`]);
    expect(await seen(c)).toEqual([`sandbox.admitted:${onlyC}`]);
  });
});
