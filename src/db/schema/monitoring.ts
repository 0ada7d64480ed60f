import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "../columns.js";
import { entity } from "./entity.js";

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * A monitoring rule (监测规则): data, not code. `definition` holds the validated rule (condition
 * over indicators and event windows, severity, scope, action, dedup window); every save makes a
 * new version, kept in monitoring_rule_version, so a warning names the exact version that fired.
 */
export const monitoringRule = pgTable(
  "monitoring_rule",
  {
    id: id(),
    /** Stable human key, e.g. "complaints.high_frequency"; unique. */
    key: text("key").notNull(),
    version: integer("version").notNull(),
    enabled: boolean("enabled").notNull(),
    definition: jsonb("definition").$type<Record<string, unknown>>().notNull(),
    builtIn: boolean("built_in").notNull().default(false),
    updatedBy: text("updated_by").notNull(),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [uniqueIndex("monitoring_rule_key").on(t.key)],
);

/** Every saved version of a rule (append-only). */
export const monitoringRuleVersion = pgTable(
  "monitoring_rule_version",
  {
    ruleId: uuid("rule_id").notNull().references(() => monitoringRule.id),
    version: integer("version").notNull(),
    enabled: boolean("enabled").notNull(),
    definition: jsonb("definition").$type<Record<string, unknown>>().notNull(),
    savedBy: text("saved_by").notNull(),
    savedAt: ts("saved_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.version] })],
);

/** Regulator-maintained list: a business category prohibited (online) in a region prefix. */
export const prohibitedBusinessType = pgTable(
  "prohibited_business_type",
  {
    id: id(),
    category: text("category").notNull(),
    regionPrefix: text("region_prefix").notNull(),
    note: text("note"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("prohibited_business_type_key").on(t.category, t.regionPrefix)],
);

/**
 * A warning clue (预警线索) in the warning library: one per rule, entity and window — a hit
 * inside an existing warning's window [window_start, window_end) refreshes it instead of raising
 * another. Closed by rectification, by an officer, or by expiry.
 */
export const warning = pgTable(
  "warning",
  {
    id: id(),
    ruleId: uuid("rule_id").notNull().references(() => monitoringRule.id),
    ruleKey: text("rule_key").notNull(),
    ruleVersion: integer("rule_version").notNull(),
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    /** Denormalised for region-scoped lists. */
    regionCode: text("region_code").notNull(),
    severity: text("severity", { enum: SEVERITIES }).notNull(),
    status: text("status", { enum: ["open", "closed", "expired"] }).notNull(),
    windowStart: ts("window_start").notNull(),
    windowEnd: ts("window_end").notNull(),
    firstHitAt: ts("first_hit_at").notNull(),
    lastHitAt: ts("last_hit_at").notNull(),
    hitCount: integer("hit_count").notNull().default(1),
    /** The figures and events that fired it (latest hit). */
    evidence: jsonb("evidence").$type<Record<string, unknown>>().notNull(),
    /** The action applied after triggered supervision: record | remind | warn | warn_and_notice. */
    action: text("action").notNull(),
    /** Sandbox status of the entity when first raised: inside | outside. */
    sandboxStatus: text("sandbox_status").notNull(),
    closedAt: ts("closed_at"),
    closedBy: text("closed_by"),
    closeReason: text("close_reason"),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("warning_rule_entity_window").on(t.ruleId, t.entityId, t.windowStart),
    index("warning_entity").on(t.entityId, t.status),
    index("warning_status_region").on(t.status, t.regionCode),
    index("warning_open_window_end").on(t.windowEnd).where(sql`status = 'open'`),
  ],
);
