// The demo's timeline. Day 0: three platforms onboard with the SDK, register their merchants
// and load a year of history; the gateway classifies everyone and admits the low-risk to the
// sandbox. Then the days play, compressed: each day the platforms send that day's events, a
// complaint storm hits some food and drug sellers on one day, warnings are raised and notices
// go out by signed webhook; platforms confirm delivery and pass the links on; merchants answer
// (some late, some never: their cases escalate); the officer reviews what was submitted.
import { createRegulatorUser } from "../src/auth/index.js";
import { OffsetClock } from "../src/clock.js";
import type { Database } from "../src/db/client.js";
import { createRng } from "../src/scoring/index.js";
import type { EventRecord } from "@credit-sandbox/sdk";
import { startDemoGateway, type DemoGateway } from "./gateway.js";
import { Merchants, type MerchantFigures } from "./merchants.js";
import { Officer } from "./officers.js";
import { startDemoPlatform, type DemoPlatform } from "./platform.js";
import { DAY_MS, DEMO_PLATFORMS, demoPopulation, eventsUntil, type DemoPopulation, type DemoShop } from "./population.js";
import { summarise, type DemoSummary } from "./summary.js";

export interface DemoOptions {
  db: Database;
  redisUrl?: string | undefined;
  dataDir: string;
  /** 0: any free port. */
  port: number;
  /** Simulated business entities (each with one to three shops). */
  entities: number;
  /** Days the timeline plays after the history is loaded. */
  days: number;
  /** The day of the complaint storm. */
  stormDay: number;
  seed: number;
  /** A progress line (the terminal's status). */
  progress: (line: string) => void;
}

export interface DemoRun {
  gateway: DemoGateway;
  officer: { username: string; password: string };
  summary: DemoSummary;
  /** The shops the complaint storm hit, and what the merchants did with their notices. */
  stormShops: DemoShop[];
  merchants: MerchantFigures;
  /** Stops the platforms' receivers and the gateway. */
  close(): Promise<void>;
}

const HIGH_HAZARD = new Set(["food", "drugs", "medical_devices", "childrens_goods"]);
const STORM_REASONS = ["食品变质，食用后腹泻", "假冒药品", "标签与实物不符", "儿童用品异味刺鼻"];

export async function runDemo(o: DemoOptions): Promise<DemoRun> {
  const started = Date.now();
  const progress = (line: string) => o.progress(`[${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s] ${line}`);
  const clock = new OffsetClock(new Date(Date.now() - o.days * DAY_MS));
  const day0 = clock.now().getTime();
  const gateway = await startDemoGateway({ db: o.db, clock, port: o.port, dataDir: o.dataDir, redisUrl: o.redisUrl });
  const platforms: DemoPlatform[] = [];
  const close = async () => {
    for (const p of platforms) await p.close();
    await gateway.close();
  };
  try {
    for (const p of DEMO_PLATFORMS) platforms.push(await startDemoPlatform({ key: p.key, name: p.name, system: gateway.system, gatewayUrl: gateway.url, clock }));
    const deps = gateway.system.deps;
    const account = await createRegulatorUser(
      { db: deps.db, clock: deps.clock, actor: { kind: "cli" } },
      { username: "demo", displayName: "演示监管员（成都市）", role: "admin", regionPrefix: "5101" },
    );
    const officer = { username: account.username, password: account.password! };
    const reviewer = new Officer(gateway.url, officer, o.seed);
    const merchants = new Merchants(gateway.url, o.seed);

    progress(`生成模拟主体 ${o.entities} 个 …`);
    const population = demoPopulation({ entities: o.entities, seed: o.seed, start: new Date(day0), days: o.days });
    progress(`网店 ${population.shops.length} 家，分属 ${platforms.length} 个平台；登记中 …`);
    for (const p of platforms) await p.sdk.submitMerchants(population.merchants.get(p.key)!, { idempotencyKey: `demo-${o.seed}-${p.key}-merchants` });

    const sent = await sendEvents(platforms, population, new Map(), new Date(day0), "history", progress);
    progress(`历史数据 ${sent.total} 条已签名上报；分类中 …`);
    await gateway.settle();
    await handleInboxes(platforms, merchants, clock.now());

    const stormShops = pickStormShops(population.shops, o.seed);
    for (let day = 1; day <= o.days; day++) {
      clock.advanceTo(new Date(day0 + day * DAY_MS));
      await sendEvents(platforms, population, sent.positions, clock.now(), `day${day}`);
      if (day === o.stormDay) await storm(platforms, stormShops, clock.now());
      await gateway.settle();
      await handleInboxes(platforms, merchants, clock.now());
      await merchants.act(clock.now());
      for (const caseId of await reviewer.review()) merchants.rejected(caseId, clock.now());
      await gateway.settle();
      const ov = await reviewer.overview();
      progress(
        `第 ${String(day).padStart(2)} 天 ${clock.now().toISOString().slice(0, 10)}` +
          `  沙盒内 ${ov.sandbox.inside}  C/D ${ov.entities.byClass.C + ov.entities.byClass.D}` +
          `  预警 ${ov.warnings.open}  提示 ${ov.notices.issued}  已整改 ${ov.notices.rectified}  逾期 ${ov.rectifications.overdue}` +
          (day === o.stormDay ? `  ← 投诉风暴：${stormShops.length} 家网店` : ""),
      );
    }
    await handleInboxes(platforms, merchants, clock.now());
    const summary = await summarise({ reviewer, platforms, merchants, population, stormShops: stormShops.length, seconds: (Date.now() - started) / 1000 });
    return { gateway, officer, summary, stormShops, merchants: merchants.figures, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Each platform's events up to `until` (from where it left off), signed and sent. */
async function sendEvents(
  platforms: DemoPlatform[],
  population: DemoPopulation,
  positions: Map<string, number>,
  until: Date,
  label: string,
  progress?: (line: string) => void,
): Promise<{ total: number; positions: Map<string, number> }> {
  let total = 0;
  for (const p of platforms) {
    const { batch, next } = eventsUntil(population.events.get(p.key)!, positions.get(p.key) ?? 0, until);
    positions.set(p.key, next);
    if (batch.length === 0) continue;
    const result = await p.sdk.submitEvents(batch, { idempotencyKey: `demo-${p.key}-events-${label}` });
    total += result.accepted + result.duplicates;
    progress?.(`${p.name}：上报 ${batch.length} 条事件（接受 ${result.accepted}，拒绝 ${result.rejected}）`);
  }
  return { total, positions };
}

/** About one in seventy high-hazard shops (at least three), drawn from the seed. */
function pickStormShops(shops: readonly DemoShop[], seed: number): DemoShop[] {
  const rng = createRng(`storm:${seed}`);
  const candidates = shops.filter((s) => HIGH_HAZARD.has(s.category));
  const wanted = Math.min(candidates.length, Math.max(3, Math.round(candidates.length / 70)));
  const picked = new Set<DemoShop>();
  while (picked.size < wanted) picked.add(candidates[rng.int(candidates.length)]!);
  return [...picked];
}

/** 22-34 complaints per storm shop over the three days before `now`. */
async function storm(platforms: DemoPlatform[], shops: DemoShop[], now: Date): Promise<void> {
  const rng = createRng(`storm-events:${now.toISOString()}`);
  for (const p of platforms) {
    const events: EventRecord[] = [];
    for (const shop of shops.filter((s) => s.platform === p.key)) {
      const n = 22 + rng.int(13);
      for (let k = 0; k < n; k++) {
        events.push({
          eventId: `storm-${shop.shopId}-${k}`,
          shopId: shop.shopId,
          kind: "complaint",
          occurredAt: new Date(now.getTime() - rng.next() * 3 * DAY_MS).toISOString(),
          data: { channel: rng.bernoulli(0.6) ? "hotline_12315" : "platform", reason: STORM_REASONS[rng.int(STORM_REASONS.length)]!, amountCents: 2000 + rng.int(30000) },
        } as EventRecord);
      }
    }
    if (events.length) await p.sdk.submitEvents(events, { idempotencyKey: `demo-${p.key}-storm` });
  }
}

/**
 * What each platform does with its verified webhooks: a notice is confirmed delivered and its
 * link handed to the merchant (the first platform to relay it is the one the merchant uses).
 */
async function handleInboxes(platforms: DemoPlatform[], merchants: Merchants, now: Date): Promise<void> {
  for (const p of platforms) {
    for (const m of p.inbox.splice(0)) {
      if (m.type !== "notice.issued") continue;
      const d = m.data as unknown as { noticeId: string; caseId: string; merchantUrl: string; dueAt: string; shopIds: string[] };
      await p.sdk.reportNoticeReceipt(d.noticeId, { status: "delivered", ...(d.shopIds[0] ? { shopId: d.shopIds[0] } : {}) });
      merchants.receive({ ...d, platform: p.key }, now);
    }
  }
}
