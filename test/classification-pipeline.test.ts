// The classification pipeline end to end, through the events API only: a merchant's
// complaints climb, its class moves from A/B to C/D, and every platform with a shop for it
// (and no other) receives classification.changed once per change, in the feed. History keeps
// every classification, and a stored profile adds up: logitPrior + sum(logLR) = logit(p).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { getModelByVersion } from "../src/classification/models.js";
import { contributionsOf, logit } from "../src/scoring/index.js";
import { complaint, makeUscc, merchant } from "./exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { onboardPlatform, type OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;
let c: OnboardedPlatform;
const DAY = 86_400_000;
const uscc = makeUscc("510104", 4242);
let entityId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  [a, b, c] = [await onboardPlatform(gw, { name: "A" }), await onboardPlatform(gw, { name: "B" }), await onboardPlatform(gw, { name: "C" })];
});
afterAll(async () => {
  await gw?.close();
});

const db = () => gw.system.deps.db;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const isoDay = (msAgo: number) => iso(msAgo).slice(0, 10);

async function post(p: OnboardedPlatform, path: string, records: unknown[]): Promise<{ accepted: number; results: { entityId?: string }[] }> {
  const res = await p.signedRequest(path, { records });
  const body = (await res.json()) as { accepted: number; rejected: number; results: { entityId?: string }[] };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.rejected, JSON.stringify(body)).toBe(0);
  return body;
}

const currentClass = async (id: string) =>
  (await db().rows<{ risk_class: string | null }>(sql`select risk_class from entity where id = ${id}::uuid`))[0]!.risk_class;

async function feed(p: OnboardedPlatform): Promise<Array<{ type: string; entityId?: string; data: Record<string, unknown> }>> {
  for (let i = 0; !(await feedCaughtUp(db())); i++) {
    if (i > 1500) throw new Error("feed horizon stuck");
    await new Promise((r) => setTimeout(r, 20));
  }
  const out: Array<{ type: string; entityId?: string; data: Record<string, unknown> }> = [];
  let after: string | undefined;
  for (;;) {
    const res = await p.get(`/v1/feed${after ? `?after=${encodeURIComponent(after)}` : ""}`);
    const page = (await res.json()) as { messages: Array<{ type: string; entityId?: string; data: Record<string, unknown> }>; nextCursor: string; hasMore: boolean };
    out.push(...page.messages);
    if (!page.hasMore) return out;
    after = page.nextCursor;
  }
}

describe("event-driven classification", () => {
  it("complaints climbing through the events API move the merchant to C or D; platforms with a shop hear each change once", async () => {
    const record = {
      uscc, category: "food", url: "https://a.example/shop", openedAt: iso(800 * DAY),
      licences: [{ type: "food_business", number: "JY5101040001", validUntil: isoDay(-900 * DAY) }],
    };
    const first = await post(a, "/v1/merchants/batch", [merchant("shop-a", record)]);
    entityId = first.results[0]!.entityId!;
    await rescoresSettled(gw);
    // registered, no trading record yet: B until more is known
    const registered = (await currentClass(entityId))!;
    expect(registered).toBe("B");
    // B opens its shop for the same entity after the first classification: it hears the
    // changes from then on (the current class is on GET /v1/entities/{entityId}).
    await post(b, "/v1/merchants/batch", [merchant("shop-b", record)]);
    // Another entity elsewhere: sharing the default address would make it family (an address
    // link), and its own classification would re-score this one (relationships-risk.test.ts).
    const other = await post(c, "/v1/merchants/batch", [merchant("shop-c", { category: "apparel", address: "99 Other Road, Wuhou, Chengdu", regionCode: "510107" })]);
    // a good trading history: sales and ratings over the last year
    const history = [0, 1, 2, 3].flatMap((q) => [
      { eventId: `sales-${q}`, shopId: "shop-a", kind: "sales_summary", occurredAt: iso((q * 91 + 1) * DAY),
        data: { periodStart: isoDay((q * 91 + 91) * DAY), periodEnd: isoDay((q * 91 + 1) * DAY), orders: 4000, gmvCents: 40_000_000, refunds: 40 } },
      { eventId: `rating-${q}`, shopId: "shop-a", kind: "rating", occurredAt: iso((q * 45 + 2) * DAY), data: { score: 4.8, count: 800 } },
    ]);
    await post(a, "/v1/events/batch", history);
    await rescoresSettled(gw);
    await rescoresSettled(gw);
    const start = await currentClass(entityId);
    expect(["A", "B"]).toContain(start);

    const seen: string[] = registered === start ? [start] : [registered, start!];
    let n = 0;
    for (let round = 0; round < 12 && !["C", "D"].includes(seen.at(-1)!); round++) {
      const batch = Array.from({ length: 40 }, () => complaint(`c-${++n}`, "shop-a", iso((1 + (n % 20)) * 3_600_000)));
      await post(a, "/v1/events/batch", batch);
      await rescoresSettled(gw);
      const now = (await currentClass(entityId))!;
      if (now !== seen.at(-1)) seen.push(now);
    }
    expect(["C", "D"]).toContain(seen.at(-1));

    // history keeps every classification; its class sequence is the sequence of changes
    const rows = await db().rows<{ risk_class: string; p: number; logit_prior: number; states: number[]; model_version: string; trigger: string }>(sql`
      select risk_class, p, logit_prior, states, model_version, trigger from classification
      where entity_id = ${entityId}::uuid order by computed_at, id`);
    expect(rows.length).toBeGreaterThanOrEqual(seen.length);
    const changes: string[] = [];
    for (const r of rows) if (changes.at(-1) !== r.risk_class) changes.push(r.risk_class);
    expect(changes).toEqual(seen);
    for (const r of rows) {
      expect(r.trigger).toBe("event");
      // history keeps the feature states; with the model version they give back every term
      const model = (await getModelByVersion(db().orm, r.model_version))!;
      const { contributions } = contributionsOf(model.compiled, Number(r.logit_prior), r.states.map(Number));
      const sum = Number(r.logit_prior) + contributions.reduce((s, x) => s + x.logLR, 0);
      expect(Math.abs(sum - logit(r.p))).toBeLessThan(1e-9);
    }

    // each platform with a shop hears each change once, from none to the first class on
    const expected = changes.map((to, i) => ({ from: i === 0 ? null : changes[i - 1], to }));
    for (const [p, from] of [[a, 0], [b, 1]] as const) {
      const msgs = (await feed(p)).filter((m) => m.type === "classification.changed" && m.entityId === entityId);
      expect(msgs.map((m) => ({ from: m.data.from, to: m.data.to }))).toEqual(expected.slice(from));
      expect(msgs.at(-1)!.data).toMatchObject({ modelVersion: rows[0]!.model_version, p: expect.any(Number), loss: expect.any(Number), reasons: expect.any(Array) });
    }
    const toC = (await feed(c)).filter((m) => m.type === "classification.changed");
    expect(toC.every((m) => m.entityId !== entityId)).toBe(true);
    expect(toC).toHaveLength(1); // its own merchant's first class
    const entity = (await db().rows<{ risk_class: string; probability: number; model_version: string; classified_at: Date }>(sql`
      select risk_class, probability, model_version, classified_at from entity where id = ${entityId}::uuid`))[0]!;
    expect(entity.risk_class).toBe(seen.at(-1));
    expect(entity.probability).toBeCloseTo(rows.at(-1)!.p, 12);
  }, 120_000);
});
