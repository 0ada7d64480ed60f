// The closed category list of DESIGN §5 with the hazard weight each carries into the loss.
// Hazard is "how much harm one violation does to consumers", 0..1: products that are eaten,
// injected, implanted or given to children rank highest (SAMR treats them as key supervision areas).

export const CATEGORIES = [
  "food",
  "drugs",
  "medical_devices",
  "cosmetics",
  "childrens_goods",
  "electronics",
  "apparel",
  "household",
  "agricultural",
  "services",
  "other",
] as const;

export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_HAZARD: Readonly<Record<Category, number>> = {
  food: 1.0,
  drugs: 1.0,
  medical_devices: 0.95,
  childrens_goods: 0.9,
  cosmetics: 0.75,
  agricultural: 0.6,
  electronics: 0.5,
  household: 0.45,
  other: 0.4,
  services: 0.35,
  apparel: 0.3,
};

/** Categories where selling without a valid licence is itself a violation (food, drug, device, cosmetics permits). */
export const LICENCE_REQUIRED_CATEGORIES: ReadonlySet<string> = new Set<Category>([
  "food",
  "drugs",
  "medical_devices",
  "cosmetics",
]);

export function isCategory(value: unknown): value is Category {
  return typeof value === "string" && (CATEGORIES as readonly string[]).includes(value);
}
