// Class from expected loss and the overrides that trump it.
// Precedence: serious violation -> D, revoked licence -> D, too little data -> B unless the
// evidence points higher, else the cut-offs. An override never changes p or loss, only the
// class, and is reported so a regulator can see that the class was not the model's own verdict.
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

/**
 * The model's own class: expected loss against the cut-offs, raised to C or D when the
 * probability alone reaches the policy's floors. Expected loss ranks a low-hazard shop low
 * however likely a violation is; the floors keep "a violation is likely" from reading as
 * "general risk" (a T-shirt shop drowning in complaints is not B).
 */
export function scoredClass(policy: ClassPolicy, p: number, expectedLoss: number): CreditClass {
  const byLoss = classFromExpectedLoss(policy.cutoffs, expectedLoss);
  const floors = policy.probabilityFloors;
  if (!floors) return byLoss;
  const byP: CreditClass = p >= floors[1] ? "D" : p >= floors[0] ? "C" : "A";
  return classIndex(byP) > classIndex(byLoss) ? byP : byLoss;
}

export interface OverrideFacts {
  seriousViolation: boolean;
  licenceRevoked: boolean;
  /** days in business, NaN if unknown */
  historyDays: number;
  knownIndicators: number;
  /**
   * The sum of the log-odds terms of the entity's KNOWN evidence (missing states and the
   * time-in-business indicator left out: they are what "too little data" is about). Above 0,
   * what is known about the entity is, on balance, adverse.
   */
  knownEvidence: number;
}

/** Too little to judge by: younger than the minimum history, history unknown, or too few known indicators. */
export function thinData(policy: ClassPolicy, facts: OverrideFacts): boolean {
  const o = policy.overrides;
  if (o.history !== null && !(facts.historyDays >= o.minHistoryDays)) return true; // NaN (unknown) counts as thin
  return facts.knownIndicators < o.minKnownIndicators;
}

export interface ClassDecision {
  class: CreditClass;
  override?: Override;
}

/**
 * The class an entity is given. Thin data keeps an entity at B ("general, until more is
 * known") only while the evidence does not point higher: a score of C or D that rests on
 * adverse known evidence stands with its reasons; one that rests on the category's prior and
 * missing data alone does not (a new food shop with no record is not "elevated risk"), and a
 * young entity is never A on a short, clean record.
 */
export function decideClass(policy: ClassPolicy, scored: CreditClass, facts: OverrideFacts): ClassDecision {
  if (facts.seriousViolation) return { class: "D", override: "serious_violation" };
  if (facts.licenceRevoked) return { class: "D", override: "licence_revoked" };
  if (!thinData(policy, facts)) return { class: scored };
  const evidencePointsHigher = classIndex(scored) > 1 && facts.knownEvidence > 0;
  return evidencePointsHigher ? { class: scored } : { class: "B", override: "insufficient_data" };
}

export const OVERRIDE_CODES: readonly (Override | undefined)[] = [
  undefined,
  "serious_violation",
  "licence_revoked",
  "insufficient_data",
];
