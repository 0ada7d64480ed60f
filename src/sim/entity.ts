// One synthetic entity: its shops (DESIGN §5 merchant records) and its events over time,
// all driven by a latent propensity z. Larger z -> more complaints, disputes, refunds, worse
// ratings, lapsed licences and more confirmed violations; the label is read from the same
// violation process after the cut date, so the indicators carry real (but noisy) signal.
import { createRng, orgCodeCheckChar, usccCheckChar, USCC_ALPHABET, type Category, type EventRecord, type HeldMerchantRecord, type Rng } from "../scoring/index.js";
import { CATEGORY_PROFILE, CHENGDU_DISTRICTS, COMPLAINT_REASONS, NAME_WORDS, SIM_PLATFORMS, STREETS } from "./reference.js";

export const DAY_MS = 86_400_000;

export interface SimEvent {
  platformId: string;
  event: EventRecord;
}

export interface SimEntity {
  entityId: string;
  index: number;
  clusterId: number;
  category: Category;
  regionCode: string;
  address: string;
  openedAt: string;
  propensity: number;
  merchants: HeldMerchantRecord[];
  events: SimEvent[];
  /** occurredAt (ms) of every confirmed violation, for labels and relationship facts */
  violationTimes: number[];
}

export interface EntitySeed {
  index: number;
  clusterId: number;
  rng: Rng;
  z: number;
  category: Category;
  regionCode: string;
  address: string;
  start: number;
  end: number;
}

const iso = (t: number) => new Date(t).toISOString();
const isoDay = (t: number) => iso(t).slice(0, 10);
const sigm = (x: number) => 1 / (1 + Math.exp(-x));

export function makeUscc(rng: Rng, type: "91" | "92", regionCode: string): string {
  let org = "";
  for (let i = 0; i < 8; i++) org += "0123456789ABCDEFGHJKLMNPQRTUWXY".charAt(rng.int(i === 0 ? 10 : USCC_ALPHABET.length));
  const body = type + regionCode + org + orgCodeCheckChar(org);
  return body.length === 17 ? body + usccCheckChar(body) : body;
}

function quarterStarts(from: number, to: number): number[] {
  const out: number[] = [];
  const d = new Date(from);
  let y = d.getUTCFullYear();
  let q = Math.floor(d.getUTCMonth() / 3);
  for (;;) {
    const t = Date.UTC(y, q * 3, 1);
    if (t >= to) break;
    if (Date.UTC(y, q * 3 + 3, 1) > from) out.push(t);
    q++;
    if (q === 4) (q = 0, y++);
  }
  return out;
}

export function generateEntity(s: EntitySeed): SimEntity {
  const { rng, z } = s;
  const profile = CATEGORY_PROFILE[s.category];
  const entityId = `SIM${String(s.index).padStart(7, "0")}`;
  // opening dates skew recent: e-commerce keeps growing
  const openedMs = Date.UTC(2014, 0, 1) + Math.floor((1 - rng.next() ** 1.6) * (Date.UTC(2024, 5, 30) - Date.UTC(2014, 0, 1)));
  const openedAt = isoDay(openedMs);
  const enterprise = rng.bernoulli(0.65);
  const uscc = enterprise || rng.bernoulli(0.5) ? makeUscc(rng, enterprise ? "91" : "92", s.regionCode) : undefined;
  const idNumberHash = uscc ? undefined : Array.from({ length: 64 }, () => rng.int(16).toString(16)).join("");
  const nPlatforms = 1 + rng.weighted([70, 22, 8]);
  const platforms: string[] = [];
  while (platforms.length < nPlatforms) {
    const p = SIM_PLATFORMS[rng.weighted(SIM_PLATFORMS.map((x) => x.weight))]!.id;
    if (!platforms.includes(p)) platforms.push(p);
  }
  const hasLicence = profile.licence !== undefined && rng.bernoulli(sigm(2.2 - 0.8 * z));
  const licence = hasLicence
    ? { type: profile.licence as string, number: `JY${s.regionCode}${String(rng.int(1e8)).padStart(8, "0")}`, validUntil: isoDay(openedMs + 5 * 365 * DAY_MS) }
    : undefined;
  // Registered businesses usually report their establishment date (成立日期), up to three years
  // before the shop opened. Drawn from its own stream so the rest of the population is unchanged.
  const registration = createRng(`established:${entityId}`);
  const establishedOn = uscc && registration.bernoulli(0.9)
    ? isoDay(Math.max(Date.UTC(1995, 0, 1), openedMs - Math.floor(registration.next() * 3 * 365) * DAY_MS))
    : undefined;
  const name = `${rng.pick(NAME_WORDS)}${rng.pick(NAME_WORDS)}${entityId.slice(-4)}${enterprise ? "有限公司" : "经营部"}`;
  const merchants: HeldMerchantRecord[] = [];
  const events: SimEvent[] = [];
  let eventNo = 0;
  const emit = (platformId: string, shopId: string, kind: string, t: number, data: Record<string, unknown>) => {
    events.push({ platformId, event: { eventId: `${entityId}-E${++eventNo}`, shopId, kind, occurredAt: iso(t), data } });
  };
  const shops = platforms.map((platformId, k) => {
    const shopId = `${entityId}-S${k + 1}`;
    const regionCode = k > 0 && rng.bernoulli(0.1) ? CHENGDU_DISTRICTS[rng.int(CHENGDU_DISTRICTS.length)]!.code : s.regionCode;
    const record = {
      shopId,
      name,
      entityType: enterprise ? ("enterprise" as const) : ("individual" as const),
      ...(uscc ? { uscc } : { idNumberHash }),
      ...(establishedOn ? { establishedOn } : {}),
      regionCode,
      address: s.address,
      category: s.category,
      ...(licence ? { licences: [licence] } : {}),
      ...(rng.bernoulli(sigm(1.5 - 0.4 * z)) ? { url: `https://${platformId}.example/shop/${shopId}` } : {}),
      ...(rng.bernoulli(sigm(2 - 0.5 * z)) ? { openedAt } : {}),
    };
    const recordedAt = Math.max(openedMs, s.start - 30 * DAY_MS);
    merchants.push({ platformId, recordedAt: iso(recordedAt), record });
    // occasional address changes, more often for risky entities
    const changes = rng.poisson(0.15 * Math.exp(0.5 * z) * ((s.end - Math.max(recordedAt, s.start)) / (365 * DAY_MS)));
    for (let c = 0; c < changes; c++) {
      const t = Math.max(recordedAt, s.start) + rng.next() * (s.end - Math.max(recordedAt, s.start));
      merchants.push({ platformId, recordedAt: iso(t), record: { ...record, address: `${s.address}${c + 2}室` } });
    }
    const scale = Math.exp(rng.normal(5.5, 1.5)) / nPlatforms; // orders per quarter
    return { platformId, shopId, scale };
  });

  const from = Math.max(openedMs, s.start);
  const violationTimes: number[] = [];
  const exposure = Math.log10(1 + shops.reduce((a, sh) => a + sh.scale, 0)) / 4;
  for (const q of quarterStarts(from, s.end)) {
    const qEnd = Date.UTC(new Date(q).getUTCFullYear(), new Date(q).getUTCMonth() + 3, 1);
    const zq = z + rng.normal(0, 0.3); // behaviour drifts a little quarter to quarter
    for (const sh of shops) {
      const orders = Math.max(0, Math.round(sh.scale * Math.exp(rng.normal(0, 0.25))));
      const refunds = Math.min(orders, Math.round(orders * sigm(-3 + 0.45 * zq) * Math.exp(rng.normal(0, 0.2))));
      emit(sh.platformId, sh.shopId, "sales_summary", qEnd - 1000, {
        periodStart: isoDay(q), periodEnd: isoDay(qEnd), orders,
        gmvCents: Math.round(orders * profile.priceCents * Math.exp(rng.normal(0, 0.3))), refunds,
      });
      if (orders > 0) {
        emit(sh.platformId, sh.shopId, "rating", qEnd - 3600_000, {
          average: Math.round(Math.min(5, Math.max(1, 4.7 - 0.3 * zq + rng.normal(0, 0.15))) * 100) / 100,
          count: Math.max(1, Math.round(orders * 0.2)),
        });
      }
      const complaints = Math.min(60, rng.poisson((orders / 1000) * Math.exp(-0.3 + 0.8 * zq) + 0.05 * Math.exp(zq)));
      for (let c = 0; c < complaints; c++) {
        emit(sh.platformId, sh.shopId, "complaint", q + rng.next() * (qEnd - q), {
          channel: rng.pick(["platform", "12315", "hotline"]), reason: rng.pick(COMPLAINT_REASONS),
          amountCents: Math.round(profile.priceCents * Math.exp(rng.normal(0, 0.5))),
        });
      }
      const disputes = Math.min(60, rng.poisson((orders / 1000) * Math.exp(-1 + 0.6 * zq)));
      for (let c = 0; c < disputes; c++) {
        emit(sh.platformId, sh.shopId, "refund_dispute", q + rng.next() * (qEnd - q), { amountCents: Math.round(profile.priceCents * Math.exp(rng.normal(0, 0.5))) });
      }
    }
    const anyShop = () => shops[rng.int(shops.length)]!;
    for (let c = rng.poisson(0.03 * Math.exp(0.9 * zq)); c > 0; c--) {
      const sh = anyShop();
      emit(sh.platformId, sh.shopId, "report", q + rng.next() * (qEnd - q), { channel: "12315", reason: rng.pick(COMPLAINT_REASONS) });
    }
    for (let c = rng.poisson(0.02 * Math.exp(0.9 * zq)); c > 0; c--) {
      const sh = anyShop();
      emit(sh.platformId, sh.shopId, "takedown", q + rng.next() * (qEnd - q), { reason: rng.pick(COMPLAINT_REASONS) });
    }
    for (let c = rng.poisson(0.015 * Math.exp(0.6 * zq) * (1 + exposure)); c > 0; c--) {
      const sh = anyShop();
      emit(sh.platformId, sh.shopId, "litigation", q + rng.next() * (qEnd - q), { role: rng.bernoulli(0.7) ? "defendant" : "plaintiff", caseType: "consumer_dispute" });
    }
    if (profile.licence !== undefined && rng.bernoulli(0.012 * Math.exp(0.7 * zq))) {
      const sh = anyShop();
      emit(sh.platformId, sh.shopId, "licence", q + rng.next() * (qEnd - q), {
        type: profile.licence, number: `JY${s.regionCode}${String(rng.int(1e8)).padStart(8, "0")}`, registryMatch: false,
      });
    }
    // licence lapses hurt: selling food or drugs without a permit is itself a violation risk
    const licenceRisk = profile.licence !== undefined && !hasLicence ? 0.5 : 0;
    const lambda = Math.exp(-3.3 + profile.risk + 1.2 * zq + licenceRisk + 0.3 * exposure) / 4;
    for (let c = rng.poisson(lambda); c > 0; c--) {
      const sh = anyShop();
      const t = q + rng.next() * (qEnd - q);
      const serious = rng.bernoulli(0.12);
      violationTimes.push(t);
      emit(sh.platformId, sh.shopId, "violation_confirmed", t, { severity: serious ? "serious" : "general", caseNumber: `${entityId}-V${violationTimes.length}` });
      if (rng.bernoulli(0.6)) emit(sh.platformId, sh.shopId, "penalty", t + (30 + rng.int(60)) * DAY_MS, { amountCents: 100 * (2000 + rng.int(50000)) });
      if (serious && licence && rng.bernoulli(0.3)) {
        emit(sh.platformId, sh.shopId, "licence", t + 20 * DAY_MS, { type: licence.type, number: licence.number, status: "revoked" });
      }
    }
  }
  return {
    entityId, index: s.index, clusterId: s.clusterId, category: s.category, regionCode: s.regionCode, address: s.address,
    openedAt, propensity: z, merchants, events, violationTimes,
  };
}

export function randomAddress(rng: Rng, districtName: string): string {
  return `成都市${districtName}${rng.pick(STREETS)}${1 + rng.int(999)}号`;
}
