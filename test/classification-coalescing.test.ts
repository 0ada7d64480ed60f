// The rescore coalescing window (RESCORE_COALESCE_MS) end to end, through the signed batch API:
// a merchant's record and its events sent moments apart are classified once, after the window,
// from both; and a request stamped by a clock ahead of the draining process's is still taken.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { requestRescore } from "../src/exchange/rescore-job.js";
import { merchant } from "./exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { onboardPlatform, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

const WINDOW_MS = 60_000;
const DAY = 86_400_000;
const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T03:00:00Z`);
let gw: TestGateway;
let p: OnboardedPlatform;

beforeAll(async () => {
  gw = await startTestGateway({ clock, rescoreCoalesceMs: WINDOW_MS });
  p = await onboardPlatform(gw, { name: "A" });
});
afterAll(async () => {
  await gw?.close();
});

const db = () => gw.system.deps.db;
const iso = (msAgo: number) => new Date(clock.now().getTime() - msAgo).toISOString();

async function post(path: string, records: unknown[]): Promise<{ results: { entityId?: string }[] }> {
  const res = await p.signedRequest(path, { records });
  const body = (await res.json()) as { rejected: number; results: { entityId?: string }[] };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.rejected, JSON.stringify(body)).toBe(0);
  return body;
}

const classifications = (entityId: string) =>
  db().rows<{ risk_class: string; override: string | null; computed_at: Date | string }>(
    sql`select risk_class, override, computed_at from classification where entity_id = ${entityId}::uuid order by computed_at`,
  );

const pendingDrains = () =>
  db().rows<{ run_at: Date | string }>(sql`select run_at from outbox where job = 'classification.rescore' and status = 'pending' order by id`);

/**
 * Moves the clock a window on and lets every drain that came due finish, again while drains
 * asked for more (the entities linked to a new one), until none is left.
 */
async function afterTheWindow(): Promise<void> {
  for (let round = 0; round < 5; round++) {
    clock.advance(WINDOW_MS);
    gw.system.deps.kick();
    await rescoresSettled(gw, undefined, clock.now());
    if ((await pendingDrains()).length === 0) return;
  }
  throw new Error("rescore drains still pending after five windows");
}

describe("the rescore coalescing window", () => {
  it("classifies a merchant whose record and events arrive within the window once, after it, from both", async () => {
    const sentAt = clock.now().getTime();
    const [first] = (await post("/v1/merchants/batch", [merchant("shop-1", { category: "apparel", openedAt: iso(900 * DAY) })])).results;
    const entityId = first!.entityId!;
    // a year of good trading, sent right after the record
    await post("/v1/events/batch", [0, 1, 2, 3].flatMap((q) => [
      { eventId: `sales-${q}`, shopId: "shop-1", kind: "sales_summary", occurredAt: iso((q * 91 + 1) * DAY),
        data: { periodStart: iso((q * 91 + 91) * DAY).slice(0, 10), periodEnd: iso((q * 91 + 1) * DAY).slice(0, 10), orders: 3000, gmvCents: 30_000_000, refunds: 20 } },
      { eventId: `rating-${q}`, shopId: "shop-1", kind: "rating", occurredAt: iso((q * 45 + 2) * DAY), data: { score: 4.7, count: 500 } },
    ]));

    // Inside the window nothing has run: two requests wait, their drains are due a window later.
    gw.system.deps.kick();
    expect(await classifications(entityId)).toEqual([]);
    const [waiting] = await db().rows<{ n: number }>(sql`select count(*)::int as n from rescore_pending where entity_id = ${entityId}::uuid`);
    expect(waiting!.n).toBe(2);
    const drains = await pendingDrains();
    expect(drains).toHaveLength(2);
    for (const d of drains) expect(new Date(d.run_at).getTime()).toBeGreaterThanOrEqual(sentAt + WINDOW_MS);

    await afterTheWindow();
    const history = await classifications(entityId);
    // One classification, and it saw the events: a record alone is "B until more is known".
    expect(history).toHaveLength(1);
    expect(history[0]!.override).not.toBe("insufficient_data");
    expect(new Date(history[0]!.computed_at).getTime()).toBeGreaterThanOrEqual(sentAt + WINDOW_MS);
  });

  it("takes a request stamped by a clock ahead of the drain's (another process) with the drain it enqueued", async () => {
    const [first] = (await post("/v1/merchants/batch", [merchant("shop-2", { category: "household", address: "8 Elsewhere Lane, Jinniu, Chengdu", regionCode: "510106" })])).results;
    const entityId = first!.entityId!;
    await afterTheWindow();
    expect(await classifications(entityId)).toHaveLength(1);

    // An api process whose clock runs 30 s ahead asks for the entity again.
    const ahead = new Date(clock.now().getTime() + 30_000);
    await db().transaction((tx) => requestRescore(tx, gw.system.deps.enqueueMany, [entityId], ahead));
    await afterTheWindow(); // the drain runs now, when its request is only 30 s old by this clock
    expect(await classifications(entityId)).toHaveLength(2);
    const [left] = await db().rows<{ n: number }>(sql`select count(*)::int as n from rescore_pending`);
    expect(left!.n).toBe(0);
  });
});
