// The demo's merchants: the simulator's synthetic Chengdu population (src/sim), its five
// simulated platforms folded into the demo's three, its records in the API's spelling. Events up
// to the timeline's start are the year of history every platform loads first; the rest are
// played day by day as the timeline runs.
import { createHash } from "node:crypto";
import type { EventRecord, MerchantRecord } from "@credit-sandbox/sdk";
import { generatePopulation, toApiEvent, toApiMerchant, type SimEntity } from "../src/sim/index.js";

export const DAY_MS = 86_400_000;

/** The demo's platforms, and which simulated platform each one stands for. */
export const DEMO_PLATFORMS = [
  { key: "rongyigou", name: "蓉易购", stands: ["taobao-sim", "douyin-sim"] },
  { key: "tianfu", name: "天府优选", stands: ["jd-sim", "meituan-sim"] },
  { key: "jincheng", name: "锦城到家", stands: ["pdd-sim"] },
] as const;
export type PlatformKey = (typeof DEMO_PLATFORMS)[number]["key"];

const platformOf = (simPlatform: string): PlatformKey => DEMO_PLATFORMS.find((p) => (p.stands as readonly string[]).includes(simPlatform))!.key;

export interface DemoShop {
  platform: PlatformKey;
  shopId: string;
  category: string;
  regionCode: string;
}

export interface DemoPopulation {
  entities: number;
  shops: DemoShop[];
  /** Merchant records per platform (the first record of each shop: registration at onboarding). */
  merchants: Map<PlatformKey, MerchantRecord[]>;
  /** Events per platform in time order, history and timeline alike. */
  events: Map<PlatformKey, EventRecord[]>;
}

/**
 * `entities` simulated business entities whose events run from a year before `start` to
 * `days` after it. A shop's later record changes (address moves) are left out: the demo
 * registers each shop once.
 */
export function demoPopulation(o: { entities: number; seed: number; start: Date; days: number }): DemoPopulation {
  const shops: DemoShop[] = [];
  const merchants = new Map<PlatformKey, MerchantRecord[]>(DEMO_PLATFORMS.map((p) => [p.key, []]));
  const events = new Map<PlatformKey, EventRecord[]>(DEMO_PLATFORMS.map((p) => [p.key, []]));
  const start = o.start.getTime();
  const population = generatePopulation({
    entities: o.entities,
    seed: o.seed,
    start: new Date(start - 365 * DAY_MS).toISOString().slice(0, 10),
    cutDates: [o.start.toISOString().slice(0, 10)],
    horizonDays: o.days,
  });
  const end = start + o.days * DAY_MS;
  for (const cluster of population) {
    for (const entity of cluster.entities) addEntity(entity, { shops, merchants, events }, end);
  }
  for (const list of events.values()) list.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  return { entities: o.entities, shops, merchants, events };
}

function addEntity(entity: SimEntity, into: Pick<DemoPopulation, "shops" | "merchants" | "events">, end: number): void {
  // The same legal representative on every platform: how a second platform's shop corroborates
  // its claim to an entity another platform registered first.
  const legalRepresentativeHash = createHash("sha256").update(`legal-rep:${entity.entityId}`).digest("hex");
  const seen = new Set<string>();
  for (const m of entity.merchants) {
    if (seen.has(m.record.shopId)) continue;
    seen.add(m.record.shopId);
    const platform = platformOf(m.platformId);
    const record = { ...toApiMerchant(m.record), legalRepresentativeHash } as MerchantRecord;
    into.merchants.get(platform)!.push(record);
    into.shops.push({ platform, shopId: record.shopId, category: entity.category, regionCode: record.regionCode });
  }
  for (const e of entity.events) {
    if (Date.parse(e.event.occurredAt) >= end) continue;
    into.events.get(platformOf(e.platformId))!.push(platformEvent(e.event as EventRecord));
  }
}

/**
 * A simulated event as a platform sends it. Platforms report the violations they learn of; the
 * serious-violation list (which forces class D) is the regulator's own source, so the demo's
 * platforms send every violation as a general one.
 */
function platformEvent(e: EventRecord): EventRecord {
  const api = toApiEvent(e as never) as EventRecord;
  if (api.kind === "violation_confirmed") return { ...api, data: { ...api.data, serious: false } } as EventRecord;
  return api;
}

/** Events of `list` (time-ordered) in [from, to), from position `at`; returns them and the next position. */
export function eventsUntil(list: readonly EventRecord[], at: number, to: Date): { batch: EventRecord[]; next: number } {
  const limit = to.toISOString();
  let next = at;
  while (next < list.length && list[next]!.occurredAt < limit) next++;
  return { batch: list.slice(at, next), next };
}
