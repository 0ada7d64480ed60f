import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { id, ts } from "../columns.js";
import { entity } from "./entity.js";

/**
 * A double-random inspection draw (双随机抽查): seed, inputs, the population's digest and the
 * result, stored once and never changed (append-only triggers in the migration), so anyone can
 * re-run it from the record and get the same list.
 */
export const inspectionDraw = pgTable(
  "inspection_draw",
  {
    id: id(),
    name: text("name").notNull(),
    /** The region the draw covers (the drawer's scope, possibly narrowed). */
    regionPrefix: text("region_prefix").notNull(),
    seed: text("seed").notNull(),
    /** population (conditions, saved screening id), ratios, inspector pool, inspectors per entity. */
    inputs: jsonb("inputs").$type<Record<string, unknown>>().notNull(),
    populationCount: integer("population_count").notNull(),
    /** sha256 over the population snapshot in its stable order (class, entity id). */
    populationDigest: text("population_digest").notNull(),
    /** The drawn entities with their inspectors, in draw order. */
    result: jsonb("result").$type<Record<string, unknown>>().notNull(),
    resultDigest: text("result_digest").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("inspection_draw_region_time").on(t.regionPrefix, t.createdAt)],
);

/**
 * The population a draw was made from, in its stable order (class, entity id), with each
 * entity's region as drawn: what verification re-draws from. Written first in the draw's
 * transaction and read back to draw, so no FK to the draw row (which is written last, complete).
 */
export const inspectionDrawMember = pgTable(
  "inspection_draw_member",
  {
    drawId: uuid("draw_id").notNull(),
    riskClass: text("risk_class").notNull(),
    entityId: uuid("entity_id").notNull(),
    regionCode: text("region_code").notNull(),
  },
  (t) => [primaryKey({ columns: [t.drawId, t.riskClass, t.entityId] })],
);

/** What an inspection of a drawn entity found; a violation becomes a training label. */
export const inspectionResult = pgTable(
  "inspection_result",
  {
    id: id(),
    drawId: uuid("draw_id").notNull().references(() => inspectionDraw.id),
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    finding: text("finding", { enum: ["none", "minor", "violation"] }).notNull(),
    note: text("note"),
    inspectedAt: ts("inspected_at").notNull(),
    recordedBy: text("recorded_by").notNull(),
    recordedAt: ts("recorded_at").notNull(),
  },
  (t) => [
    uniqueIndex("inspection_result_draw_entity").on(t.drawId, t.entityId),
    index("inspection_result_entity_time").on(t.entityId, t.inspectedAt),
    index("inspection_result_finding_time").on(t.finding, t.inspectedAt),
  ],
);
