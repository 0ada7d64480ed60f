import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, ts } from "../columns.js";
import { entity } from "./entity.js";

/**
 * Every change of an entity's class after its first classification (from -> to, when, and the
 * entity's region at the time), written in the classifying transaction. The classification
 * history holds every score (~1.57M rows a full run); this holds only the changes, so the
 * overview's class history per day reads a bounded window of it by time (class_change_at).
 */
export const classChange = pgTable(
  "class_change",
  {
    id: id(),
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    regionCode: text("region_code").notNull(),
    fromClass: text("from_class", { enum: ["A", "B", "C", "D"] }).notNull(),
    toClass: text("to_class", { enum: ["A", "B", "C", "D"] }).notNull(),
    at: ts("at").notNull(),
  },
  (t) => [index("class_change_at").on(t.at)],
);
