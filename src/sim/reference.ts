// Reference data for the synthetic population: Chengdu's districts (DESIGN §7), category
// shares and risk offsets, platform shares. Shares are plausible, not measured.
import { REGION_NAMES } from "../regulator/regions.js";
import type { Category } from "../scoring/index.js";

/** Chengdu's districts with a plausible share of online merchants (names: DESIGN §7 reference data). */
const DISTRICT_WEIGHTS: readonly (readonly [string, number])[] = [
  ["510104", 8],
  ["510105", 8],
  ["510106", 9],
  ["510107", 10],
  ["510108", 8],
  ["510112", 5],
  ["510113", 2],
  ["510114", 5],
  ["510115", 4],
  ["510116", 7],
  ["510117", 5],
  ["510118", 2],
  ["510121", 2],
  ["510129", 1],
  ["510131", 1],
  ["510181", 2],
  ["510182", 2],
  ["510183", 1],
  ["510184", 1],
  ["510185", 2],
];
export const CHENGDU_DISTRICTS: readonly { code: string; name: string; weight: number }[] = DISTRICT_WEIGHTS.map(([code, weight]) => ({
  code,
  name: REGION_NAMES[code]!,
  weight,
}));

/** share of merchants, log-rate offset of violations, typical price in cents */
export const CATEGORY_PROFILE: Readonly<Record<Category, { share: number; risk: number; priceCents: number; licence?: string }>> = {
  food: { share: 18, risk: 0.4, priceCents: 6_000, licence: "food_business" },
  apparel: { share: 16, risk: -0.2, priceCents: 15_000 },
  household: { share: 12, risk: -0.2, priceCents: 8_000 },
  electronics: { share: 10, risk: 0, priceCents: 50_000 },
  services: { share: 10, risk: -0.1, priceCents: 20_000 },
  cosmetics: { share: 8, risk: 0.4, priceCents: 12_000, licence: "cosmetics_production" },
  agricultural: { share: 7, risk: 0.1, priceCents: 5_000 },
  other: { share: 7, risk: 0, priceCents: 10_000 },
  childrens_goods: { share: 6, risk: 0.2, priceCents: 9_000 },
  drugs: { share: 3, risk: 0.2, priceCents: 7_000, licence: "drug_trading" },
  medical_devices: { share: 3, risk: 0.2, priceCents: 30_000, licence: "medical_device_trading" },
};

export const SIM_PLATFORMS: readonly { id: string; weight: number }[] = [
  { id: "taobao-sim", weight: 30 },
  { id: "jd-sim", weight: 20 },
  { id: "pdd-sim", weight: 20 },
  { id: "douyin-sim", weight: 18 },
  { id: "meituan-sim", weight: 12 },
];

export const STREETS = ["人民南路", "春熙路", "天府大道", "蜀都大道", "科华北路", "一环路", "建设路", "红星路", "府河路", "锦城大道"];
export const NAME_WORDS = ["蜀味", "天府", "锦城", "熊猫", "芙蓉", "青城", "峨眉", "川西", "宽窄", "太古"];
export const COMPLAINT_REASONS = ["quality", "false_advertising", "late_delivery", "refund_refused", "counterfeit", "labelling"];
