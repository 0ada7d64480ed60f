// Class from expected loss and the overrides that trump it.
// Precedence: serious violation -> D, revoked licence -> D, too little data -> B, else cut-offs.
// An override never changes p or loss, only the class, and is reported so a regulator can see
// that the class was not the model's own verdict.
import type { ClassPolicy, CreditClass, Override } from "./types.js";
import { CLASSES } from "./types.js";

export function classFromExpectedLoss(cutoffs: readonly [number, number, number], expectedLoss: number): CreditClass {
  if (expectedLoss < cutoffs[0]) return "A";
  if (expectedLoss < cutoffs[1]) return "B";
  if (expectedLoss < cutoffs[2]) return "C";
  return "D";
}

export function classIndex(c: CreditClass): number {
  return CLASSES.indexOf(c);
}

export interface OverrideFacts {
  seriousViolation: boolean;
  licenceRevoked: boolean;
  /** days in business, NaN if unknown */
  historyDays: number;
  knownIndicators: number;
}

export function overrideFor(policy: ClassPolicy, facts: OverrideFacts): Override | undefined {
  if (facts.seriousViolation) return "serious_violation";
  if (facts.licenceRevoked) return "licence_revoked";
  const o = policy.overrides;
  if (facts.historyDays === facts.historyDays && facts.historyDays < o.minHistoryDays) return "insufficient_data";
  if (facts.knownIndicators < o.minKnownIndicators) return "insufficient_data";
  return undefined;
}

export function classWithOverride(base: CreditClass, override: Override | undefined): CreditClass {
  if (override === "serious_violation" || override === "licence_revoked") return "D";
  if (override === "insufficient_data") return "B";
  return base;
}

export const OVERRIDE_CODES: readonly (Override | undefined)[] = [
  undefined,
  "serious_violation",
  "licence_revoked",
  "insufficient_data",
];
