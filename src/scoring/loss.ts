// Loss if a violation happens, as an index from 0 to 100.
//
//   loss = 100 * hazard(category) * (w_base + w_scale * scale + w_reach * reach)
//
// hazard 0..1  — category weight (categories.ts): harm per violation to a consumer.
// scale  0..1  — consumers reached, log-scaled: the larger of log10(1 + GMV in yuan) / log10(1 + gmvYuanAtMax)
//                and log10(1 + orders) / log10(1 + ordersAtMax). Unknown sales -> missingScale.
// reach  0..1  — spread: half from platforms ((n - 1) / (platformsAtMax - 1)), half from regions.
// The weights sum to 1, so 100 means: highest-hazard category, national-scale sales, many
// platforms and regions; a tiny single-platform apparel shop sits near 100 * 0.3 * 0.4 = 12.
// Expected loss p * loss is therefore "expected harm points" on the same 0..100 scale.
import { clamp } from "./math.js";
import type { LossModel } from "./types.js";
import { CATEGORY_HAZARD } from "./categories.js";

export const DEFAULT_LOSS_MODEL: LossModel = {
  hazard: { ...CATEGORY_HAZARD },
  defaultHazard: CATEGORY_HAZARD.other,
  columns: {
    category: "category",
    gmvCents: "gmv_365d_cents",
    orders: "orders_365d",
    platforms: "platform_count",
    regions: "region_count",
  },
  gmvYuanAtMax: 1e8, // 100 million yuan a year
  ordersAtMax: 1e6,
  platformsAtMax: 3,
  regionsAtMax: 5,
  missingScale: 0.3,
  weights: { base: 0.4, scale: 0.45, reach: 0.15 },
};

export interface LossInputs {
  category: string | null;
  gmvCents: number; // NaN = unknown
  orders: number; // NaN = unknown
  platforms: number; // NaN = unknown
  regions: number; // NaN = unknown
}

export function hazardOf(model: LossModel, category: string | null): number {
  if (category === null) return model.defaultHazard;
  const h = model.hazard[category];
  return h === undefined ? model.defaultHazard : h;
}

export function computeLoss(model: LossModel, hazard: number, gmvCents: number, orders: number, platforms: number, regions: number): number {
  const gmvKnown = gmvCents === gmvCents; // not NaN
  const ordersKnown = orders === orders;
  let scale = model.missingScale;
  if (gmvKnown || ordersKnown) {
    const g = gmvKnown ? Math.log10(1 + Math.max(0, gmvCents) / 100) / Math.log10(1 + model.gmvYuanAtMax) : 0;
    const o = ordersKnown ? Math.log10(1 + Math.max(0, orders)) / Math.log10(1 + model.ordersAtMax) : 0;
    scale = clamp(Math.max(g, o), 0, 1);
  }
  const pSpan = Math.max(1e-9, model.platformsAtMax - 1);
  const rSpan = Math.max(1e-9, model.regionsAtMax - 1);
  const pr = platforms === platforms ? clamp((platforms - 1) / pSpan, 0, 1) : 0;
  const rr = regions === regions ? clamp((regions - 1) / rSpan, 0, 1) : 0;
  const reach = 0.5 * pr + 0.5 * rr;
  const w = model.weights;
  return 100 * hazard * (w.base + w.scale * scale + w.reach * reach);
}

export function lossFor(model: LossModel, inputs: LossInputs): number {
  return computeLoss(model, hazardOf(model, inputs.category), inputs.gmvCents, inputs.orders, inputs.platforms, inputs.regions);
}
