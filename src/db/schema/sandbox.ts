import { index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, ts } from "../columns.js";
import { entity } from "./entity.js";

/**
 * The fence policy (准入/退出规则), versioned: each save is a new row; the highest version is in
 * force. `policy` holds the validated admission criteria, removal triggers, hysteresis and
 * cool-down (src/sandbox/policy.ts).
 */
export const fencePolicy = pgTable("fence_policy", {
  version: integer("version").primaryKey(),
  policy: jsonb("policy").$type<Record<string, unknown>>().notNull(),
  savedBy: text("saved_by").notNull(),
  savedAt: ts("saved_at").notNull(),
  reason: text("reason"),
});

/** An entity's current place relative to the sandbox; no row = never admitted (outside). */
export const sandboxMembership = pgTable(
  "sandbox_membership",
  {
    entityId: uuid("entity_id").primaryKey().references(() => entity.id),
    status: text("status", { enum: ["inside", "outside"] }).notNull(),
    since: ts("since").notNull(),
    lastAdmittedAt: ts("last_admitted_at"),
    lastRemovedAt: ts("last_removed_at"),
    /** manual: an officer decided; held against automatic changes until the policy's hold ends. */
    lastActor: text("last_actor").notNull(),
    policyVersion: integer("policy_version").notNull(),
    /** Denormalised for region-scoped lists. */
    regionCode: text("region_code").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [index("sandbox_membership_status_region").on(t.status, t.regionCode)],
);

/** Every admission and removal (append-only): rule, reason, evidence, actor. */
export const fenceAudit = pgTable(
  "fence_audit",
  {
    id: id(),
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    action: text("action", { enum: ["admitted", "removed"] }).notNull(),
    rule: text("rule").notNull(),
    reason: text("reason").notNull(),
    evidence: jsonb("evidence").$type<Record<string, unknown>>().notNull(),
    /** "system" or "regulator:<userId>". */
    actor: text("actor").notNull(),
    policyVersion: integer("policy_version").notNull(),
    at: ts("at").notNull(),
  },
  // fence_audit_at: the overview's admissions and removals per day read a bounded window by time.
  (t) => [index("fence_audit_entity").on(t.entityId, t.at), index("fence_audit_at").on(t.at)],
);

/**
 * An officer's hold: the entity stays where it is (inside or outside) until `until`; automatic
 * fence moves wait, except a removal for class D or a serious violation. One running hold per
 * entity (a new one replaces it; a release deletes it); every hold and release is in audit_log.
 */
export const sandboxHold = pgTable("sandbox_hold", {
  entityId: uuid("entity_id").primaryKey().references(() => entity.id),
  until: ts("until").notNull(),
  reason: text("reason").notNull(),
  heldBy: text("held_by").notNull(),
  heldAt: ts("held_at").notNull(),
});
