import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt } from "../columns.js";
import { entity } from "./entity.js";

/**
 * The screening tool's per-entity tags (src/screening/catalogue.ts): the indicator values the
 * latest classification computed, one row per entity, written in classification's transaction
 * (afterClassify). Screenings filter on these columns instead of aggregating events per query:
 * at 1.57M entities a screening must read one narrow row per entity, never its events.
 */
export const entityTag = pgTable(
  "entity_tag",
  {
    entityId: uuid("entity_id").primaryKey().references(() => entity.id),
    asOf: ts("as_of").notNull(),
    entityAgeDays: doublePrecision("entity_age_days"),
    disclosureCompleteness: doublePrecision("disclosure_completeness"),
    recordChanges365d: doublePrecision("record_changes_365d"),
    licenceStatus: text("licence_status"),
    licenceRevoked: boolean("licence_revoked"),
    licenceInconsistencies365d: doublePrecision("licence_inconsistencies_365d"),
    gmv365dCents: doublePrecision("gmv_365d_cents"),
    orders365d: doublePrecision("orders_365d"),
    refundRate180d: doublePrecision("refund_rate_180d"),
    disputeRate180d: doublePrecision("dispute_rate_180d"),
    platformCount: doublePrecision("platform_count"),
    regionCount: doublePrecision("region_count"),
    violations365d: doublePrecision("violations_365d"),
    violations3y: doublePrecision("violations_3y"),
    seriousViolations365d: doublePrecision("serious_violations_365d"),
    penalties3y: doublePrecision("penalties_3y"),
    takedowns365d: doublePrecision("takedowns_365d"),
    rectificationsOverdue365d: doublePrecision("rectifications_overdue_365d"),
    complaints90d: doublePrecision("complaints_90d"),
    complaintRate365d: doublePrecision("complaint_rate_365d"),
    reports365d: doublePrecision("reports_365d"),
    ratingAvg180d: doublePrecision("rating_avg_180d"),
    litigation365d: doublePrecision("litigation_365d"),
    litigationDefendant3y: doublePrecision("litigation_defendant_3y"),
    relatedEntities: doublePrecision("related_entities"),
    relatedWorstClass: text("related_worst_class"),
    relatedViolators365d: doublePrecision("related_violators_365d"),
    sameAddressEntities: doublePrecision("same_address_entities"),
  },
  // The tags officers filter on first (complaints, violations, penalties, licences); the region
  // scope is always driven by entity_region.
  (t) => [
    index("entity_tag_complaints_90d").on(t.complaints90d),
    index("entity_tag_violations_365d").on(t.violations365d),
    index("entity_tag_penalties_3y").on(t.penalties3y),
    index("entity_tag_licence_status").on(t.licenceStatus),
  ],
);

/** A named screening (conditions over the catalogue), owned by the regulator who saved it. */
export const savedScreening = pgTable(
  "saved_screening",
  {
    id: id(),
    name: text("name").notNull(),
    description: text("description"),
    conditions: jsonb("conditions").$type<unknown>().notNull(),
    /** "regulator:<userId>" or "cli". */
    owner: text("owner").notNull(),
    /** The owner's region scope when saved: re-runs stay inside it. */
    regionPrefix: text("region_prefix").notNull(),
    lastRunAt: ts("last_run_at"),
    lastCount: integer("last_count"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("saved_screening_owner").on(t.owner, t.createdAt)],
);
