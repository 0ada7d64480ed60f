// The simulator writes records in the scoring reference's spelling (src/scoring/compute-indicators.ts);
// the API's differs in places. These turn a simulated record into the one a platform would send
// (what the gateway validates and stores), and back, so both sides see exactly the facts the API
// can carry. The API's Licence has no status/registryMatch: revocations cannot be sent this way.
import type { EventRecord, HeldMerchantRecord } from "../scoring/index.js";

export function toApiEvent(e: EventRecord): EventRecord {
  const d = e.data;
  switch (e.kind) {
    case "rating": return { ...e, data: { score: d.average, count: d.count } };
    case "violation_confirmed": return { ...e, data: { violationType: "food_safety", serious: d.severity === "serious", ...(d.caseNumber ? { caseNumber: d.caseNumber } : {}) } };
    case "penalty": return { ...e, data: { reason: "administrative penalty", amountCents: d.amountCents } };
    case "complaint": return { ...e, data: { channel: "platform", reason: d.reason, ...(d.amountCents !== undefined ? { amountCents: d.amountCents } : {}) } };
    case "report": return { ...e, data: { reason: d.reason } };
    case "licence": return { ...e, data: { type: d.type, number: d.number, ...(d.validUntil ? { validUntil: d.validUntil } : {}) } };
    default: return e;
  }
}

/** An API event read back in the reference's spelling. */
export function fromApiEvent(e: EventRecord): EventRecord {
  const d = e.data;
  if (e.kind === "rating") return { ...e, data: { average: d.score, count: d.count } };
  if (e.kind === "violation_confirmed") return { ...e, data: { ...d, severity: d.serious ? "serious" : "general" } };
  return e;
}

/** openedAt is a date in the simulator; the API takes a date-time (the same instant). */
export function toApiMerchant(r: HeldMerchantRecord["record"]): HeldMerchantRecord["record"] {
  return r.openedAt && r.openedAt.length === 10 ? { ...r, openedAt: `${r.openedAt}T00:00:00Z` } : r;
}
