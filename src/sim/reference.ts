// Reference data for the synthetic population: Chengdu's districts (DESIGN §7), category
// shares and risk offsets, platform shares. Shares are plausible, not measured.
import type { Category } from "../scoring/index.js";

export const CHENGDU_DISTRICTS: readonly { code: string; name: string; weight: number }[] = [
  { code: "510104", name: "锦江区", weight: 8 },
  { code: "510105", name: "青羊区", weight: 8 },
  { code: "510106", name: "金牛区", weight: 9 },
  { code: "510107", name: "武侯区", weight: 10 },
  { code: "510108", name: "成华区", weight: 8 },
  { code: "510112", name: "龙泉驿区", weight: 5 },
  { code: "510113", name: "青白江区", weight: 2 },
  { code: "510114", name: "新都区", weight: 5 },
  { code: "510115", name: "温江区", weight: 4 },
  { code: "510116", name: "双流区", weight: 7 },
  { code: "510117", name: "郫都区", weight: 5 },
  { code: "510118", name: "新津区", weight: 2 },
  { code: "510121", name: "金堂县", weight: 2 },
  { code: "510129", name: "大邑县", weight: 1 },
  { code: "510131", name: "蒲江县", weight: 1 },
  { code: "510181", name: "都江堰市", weight: 2 },
  { code: "510182", name: "彭州市", weight: 2 },
  { code: "510183", name: "邛崃市", weight: 1 },
  { code: "510184", name: "崇州市", weight: 1 },
  { code: "510185", name: "简阳市", weight: 2 },
];

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
