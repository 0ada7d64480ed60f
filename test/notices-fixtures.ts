// Shared steps of the notice tests: signed posts, waiting for jobs by name, a platform's feed,
// regulator calls, and the complaint storm that makes a food merchant's warning and notice.
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import type { ManualClock } from "../src/clock.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { complaint, makeUscc, merchant } from "./exchange-fixtures.js";
import type { TestGateway } from "./support/gateway.js";
import type { LoggedInRegulator, OnboardedPlatform } from "./support/platform.js";
import { rescoresSettled } from "./support/rescores.js";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export type FeedMsg = { id: string; type: string; entityId?: string; data: Record<string, unknown> };

export async function post(p: OnboardedPlatform, path: string, records: unknown[]): Promise<Array<{ entityId?: string }>> {
  const res = await p.signedRequest(path, { records });
  const body = (await res.json()) as { rejected: number; results: Array<{ entityId?: string }> };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.rejected, JSON.stringify(body)).toBe(0);
  return body.results;
}

/** Waits until every outbox row of `job` (whose payload matches, if given) has run. */
export async function jobsDone(gw: TestGateway, job: string, payload: Record<string, string> = {}, timeoutMs = 30_000): Promise<number> {
  const filter = Object.entries(payload).map(([k, v]) => sql` and payload->>${k} = ${v}`);
  const rows = await gw.system.deps.db.rows<{ id: number; status: string }>(
    sql`select id::int as id, status from outbox where job = ${job}${sql.join(filter, sql``)} order by id`,
  );
  for (const r of rows) {
    if (r.status === "done") continue;
    const e = await gw.jobEvents.waitFor((x) => x.id === r.id && (x.type === "done" || x.type === "failed"), timeoutMs);
    expect(e.type, JSON.stringify(e)).toBe("done");
  }
  return rows.length;
}

/** Everything in a platform's feed (waits for the feed horizon first). */
export async function feedOf(gw: TestGateway, p: OnboardedPlatform): Promise<FeedMsg[]> {
  for (let i = 0; !(await feedCaughtUp(gw.system.deps.db)); i++) {
    if (i > 1500) throw new Error("feed horizon stuck");
    await new Promise((r) => setTimeout(r, 20));
  }
  const out: FeedMsg[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await p.get(`/v1/feed?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    const page = (await res.json()) as { messages: FeedMsg[]; nextCursor: string; hasMore: boolean };
    out.push(...page.messages);
    if (!page.hasMore) return out;
    after = page.nextCursor;
  }
}

export const regulatorCall = (gw: TestGateway, who: LoggedInRegulator, method: string, path: string, body?: unknown) =>
  gw.fetch(path, {
    method,
    headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/**
 * A food merchant with a shop on each platform given, then `complaints` complaints on the first
 * platform within the last few hours: with 20 or more the built-in "complaints.storm_high_hazard"
 * rule raises a high warning whose action is warn_and_notice. Waits for the rescore and the
 * warning.raised jobs. Returns the entity id.
 */
export async function complaintStorm(
  gw: TestGateway,
  clock: ManualClock,
  platforms: readonly OnboardedPlatform[],
  shop: string,
  complaints = 22,
  region = "510104",
): Promise<string> {
  const uscc = makeUscc(region);
  let entityId = "";
  for (const [i, p] of platforms.entries()) {
    const [r] = await post(p, "/v1/merchants/batch", [merchant(`${shop}-${i}`, { uscc, regionCode: region, category: "food", name: `${shop} 小吃店` })]);
    entityId = r!.entityId!;
  }
  const at = (k: number) => new Date(clock.now().getTime() - (k + 1) * 10 * 60_000).toISOString();
  await post(
    platforms[0]!,
    "/v1/events/batch",
    Array.from({ length: complaints }, (_, k) => complaint(`${shop}-c${k}`, `${shop}-0`, at(k), { data: { channel: "hotline_12315", reason: "食品变质" } })),
  );
  await rescoresSettled(gw);
  await jobsDone(gw, "warning.raised");
  return entityId;
}

/** The token of a merchant link: it travels in the URL fragment (`/m#t=...`). */
export const linkToken = (merchantUrl: string): string => new URLSearchParams(new URL(merchantUrl).hash.slice(1)).get("t") ?? "";

/** A merchant's call with its link's token as the bearer: GET without a body, POST (JSON) with one. */
export const asMerchant = (gw: TestGateway, token: string, path: string, body?: unknown) =>
  gw.fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
