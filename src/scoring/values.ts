// How raw indicator values map to numbers and strings. One place, so that the per-row scorer,
// the columnar scorer and training agree on what "missing" means: null, undefined, NaN, ""
// and the usual CSV spellings of NA. Missing is never turned into 0.
import type { IndicatorValue } from "./types.js";

const MISSING_TOKENS = new Set(["", "na", "n/a", "nan", "null", "none", "?", "-"]);

export function isMissingToken(s: string): boolean {
  return MISSING_TOKENS.has(s.trim().toLowerCase());
}

/** Number or NaN (missing / not a number). Booleans are 1 and 0. */
export function toNumber(v: IndicatorValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    if (isMissingToken(v)) return NaN;
    const t = v.trim().toLowerCase();
    if (t === "true") return 1;
    if (t === "false") return 0;
    return Number(t);
  }
  return NaN;
}

/** String or null (missing). Numbers keep their shortest JS spelling. */
export function toLevel(v: IndicatorValue): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isNaN(v) ? null : String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return isMissingToken(v) ? null : v.trim();
}

/** Truthy for override flags: a positive number, true, "true"/"yes"/"1". */
export function isSet(v: IndicatorValue): boolean {
  const n = toNumber(v);
  if (n === n) return n > 0;
  return typeof v === "string" && ["yes", "y"].includes(v.trim().toLowerCase());
}
