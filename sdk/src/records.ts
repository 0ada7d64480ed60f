// Record types for callers. The generated EventRecord types `data` as an empty object (the spec
// picks the data schema per kind with if/then, which openapi-typescript cannot express), so the
// SDK offers the union by kind, built from the same generated component schemas.
import type { components } from "./generated/openapi.js";

type S = components["schemas"];

export type MerchantRecord = S["MerchantRecord"];

export interface EventDataByKind {
  complaint: S["ComplaintData"];
  report: S["ReportData"];
  refund_dispute: S["RefundDisputeData"];
  sales_summary: S["SalesSummaryData"];
  rating: S["RatingData"];
  licence: S["Licence"];
  violation_confirmed: S["ViolationData"];
  penalty: S["PenaltyData"];
  litigation: S["LitigationData"];
  takedown: S["TakedownData"];
}

/** An event, its `data` typed by its `kind`. */
export type EventRecord = {
  [K in keyof EventDataByKind]: Omit<S["EventRecord"], "kind" | "data"> & { kind: K; data: EventDataByKind[K] };
}[keyof EventDataByKind];

// Fails to compile when the spec gains an event kind this map does not cover.
type Uncovered = Exclude<S["EventKind"], keyof EventDataByKind>;
export const everyKindCovered: [Uncovered] extends [never] ? true : never = true;
