// A small city for the console: merchants and their history from src/sim (five platforms,
// Chengdu's districts), sent through the signed exchange API like real platforms would, so
// classes, reasons, warnings and the sandbox come from the real pipeline; plus one complaint
// storm in each of two districts (a warning, an automatic notice and its rectification case),
// where the 锦江 merchant has acknowledged and submitted evidence through its platform.
import { deflateSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { ManualClock } from "../../src/clock.js";
import { generatePopulation, toApiEvent, toApiMerchant } from "../../src/sim/index.js";
import { makeUscc, merchant } from "../exchange-fixtures.js";
import { complaintStorm, jobsDone, post } from "../notices-fixtures.js";
import type { TestGateway } from "../support/gateway.js";
import { onboardPlatform, type OnboardedPlatform } from "../support/platform.js";
import { PLATFORM_SCOPES } from "../../src/auth/platforms.js";

const DAY = 86_400_000;
const BATCH = 2_000;

export interface SeededCity {
  platforms: OnboardedPlatform[];
  /** The storm merchants: 锦江 (its case submitted) and 武侯. */
  jinjiang: { entityId: string; name: string; caseId: string; warningId: string };
  wuhou: { entityId: string; name: string };
  /** A 锦江 merchant with no record against it (nothing keeps it out of the sandbox). */
  jinjiangQuiet: { entityId: string; name: string };
}

async function inBatches(p: OnboardedPlatform, path: string, records: unknown[]): Promise<number> {
  let rejected = 0;
  for (let i = 0; i < records.length; i += BATCH) {
    const res = await p.signedRequest(path, { records: records.slice(i, i + BATCH) });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    rejected += ((await res.json()) as { rejected: number }).rejected;
  }
  return rejected;
}

/** Waits until no job is pending or running (a job may enqueue more, so until the queue holds still). */
export async function jobsSettled(gw: TestGateway, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await gw.system.deps.db.rows<{ n: number }>(sql`select count(*)::int as n from outbox where status in ('pending', 'running', 'dispatched') and run_at <= now() + interval '1 minute'`);
    if (Number(row!.n) === 0) return;
    if (Date.now() > until) throw new Error(`jobs still pending after ${timeoutMs} ms: ${row!.n}`);
    gw.system.deps.kick();
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function seedCity(gw: TestGateway, entities: number): Promise<SeededCity> {
  const names: Record<string, string> = { "taobao-sim": "淘宝（模拟）", "jd-sim": "京东（模拟）", "pdd-sim": "拼多多（模拟）", "douyin-sim": "抖音（模拟）", "meituan-sim": "美团（模拟）" };
  const platforms: Record<string, OnboardedPlatform> = {};
  // Every scope, violations:confirm included: the sim's serious violations stand for the
  // regulator's own confirmed cases, which only a regulator-side source may send.
  for (const [id, name] of Object.entries(names)) platforms[id] = await onboardPlatform(gw, { name, scopes: [...PLATFORM_SCOPES] });
  const now = Date.now();
  // The latest record of each shop (the sim keeps a shop's address changes as later records).
  const merchants = new Map<string, Map<string, Record<string, unknown>>>();
  const events = new Map<string, unknown[]>();
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  for (const cluster of generatePopulation({ entities, seed: "console", start: iso(now - 3 * 365 * DAY), cutDates: [iso(now - 366 * DAY)], horizonDays: 365 })) {
    for (const e of cluster.entities) {
      for (const m of e.merchants) {
        const record = toApiMerchant(m.record) as unknown as Record<string, unknown>;
        const shops = merchants.get(m.platformId) ?? new Map<string, Record<string, unknown>>();
        shops.set(record.shopId as string, record);
        merchants.set(m.platformId, shops);
      }
      for (const ev of e.events) if (Date.parse(ev.event.occurredAt) < now) events.set(ev.platformId, [...(events.get(ev.platformId) ?? []), ev.event]);
    }
  }
  let rejected = 0;
  let sent = 0;
  for (const [id, shops] of merchants) await post(platforms[id]!, "/v1/merchants/batch", [...shops.values()]);
  for (const [id, records] of events) {
    sent += records.length;
    rejected += await inBatches(platforms[id]!, "/v1/events/batch", records.map((r) => toApiEvent(r as never)));
  }
  // The sim's records in the API's spelling (src/sim/api-records.ts) all pass its validation.
  if (rejected > 0) throw new Error(`the gateway rejected ${rejected} of ${sent} sim events`);

  const clock = new ManualClock(new Date().toISOString());
  const [a, b] = [platforms["taobao-sim"]!, platforms["jd-sim"]!];
  const jinjiangId = await complaintStorm(gw, clock, [a, b], "ui-jj", 24, "510104");
  const wuhouId = await complaintStorm(gw, clock, [a, b], "ui-wh", 24, "510107");
  const [quiet] = await post(a, "/v1/merchants/batch", [merchant("ui-jj-quiet", { name: "锦江安居服装店", uscc: makeUscc("510104"), regionCode: "510104", category: "apparel" })]);
  await jobsSettled(gw);
  const db = gw.system.deps.db;
  const [n] = await db.rows<{ notice_id: string; case_id: string; warning_id: string }>(sql`
    select n.id::text as notice_id, c.id::text as case_id, n.warning_id::text as warning_id
    from notice n join rectification_case c on c.notice_id = n.id where n.entity_id = ${jinjiangId}::uuid`);
  if (!n) throw new Error("the storm raised no notice");
  const png = solidPng(96, 64, [46, 125, 50]).toString("base64");
  for (const [path, body] of [
    [`/v1/notices/${n.notice_id}/acknowledge`, { note: "已收到，立即整改" }],
    [`/v1/notices/${n.notice_id}/evidence`, { text: "已下架变质食品，完成后厨清洁消毒，附整改照片。", files: [{ name: "整改照片.png", contentType: "image/png", contentBase64: png }] }],
  ] as const) {
    const res = await a.signedRequest(path, body);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  }
  await jobsDone(gw, "rectification.updated").catch(() => 0);
  await jobsSettled(gw);
  // The storm's own warning (the one its notice came from): the console closes a different one.
  const [other] = await db.rows<{ id: string }>(sql`
    select id::text as id from warning where entity_id = ${jinjiangId}::uuid and status = 'open' and id <> ${n.warning_id}::uuid order by id limit 1`);
  const [jj] = await db.rows<{ name: string }>(sql`select name from entity where id = ${jinjiangId}::uuid`);
  const [wh] = await db.rows<{ name: string }>(sql`select name from entity where id = ${wuhouId}::uuid`);
  return {
    platforms: Object.values(platforms),
    jinjiang: { entityId: jinjiangId, name: jj!.name, caseId: n.case_id, warningId: other?.id ?? n.warning_id },
    wuhou: { entityId: wuhouId, name: wh!.name },
    jinjiangQuiet: { entityId: quiet!.entityId!, name: "锦江安居服装店" },
  };
}

/** A real PNG of one colour (the evidence checks files by their bytes). */
function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}
