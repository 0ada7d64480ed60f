import { sql } from "drizzle-orm";
import { check, index, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";
import { entity } from "./entity.js";

/**
 * The relationship graph ("family tree"): one row per related pair and kind, stored once with
 * entity_a < entity_b (look-ups from either side: the primary key serves entity_a, the index
 * entity_b). Derived from shops, entities and party relations by refreshLinks
 * (src/classification/relationships-refresh.ts); never edited by hand. `evidence` names what
 * the pair shares as `space:value` — person/phone hashes, a USCC, or the SHA-256 of the
 * normalised address — never a raw personal identifier.
 */
export const entityLink = pgTable(
  "entity_link",
  {
    entityA: uuid("entity_a").notNull().references(() => entity.id),
    entityB: uuid("entity_b").notNull().references(() => entity.id),
    kind: text("kind", { enum: ["legal_representative", "address", "phone", "investor", "officer"] }).notNull(),
    /** platform: identifiers platforms reported; cli: a relation an operator loaded; derived: computed (addresses). */
    source: text("source", { enum: ["platform", "cli", "derived"] }).notNull(),
    evidence: text("evidence").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.entityA, t.entityB, t.kind] }),
    index("entity_link_b").on(t.entityB),
    check("entity_link_ordered", sql`${t.entityA} < ${t.entityB}`),
  ],
);

/**
 * Investors, officers and legal representatives of an entity: reported by platforms
 * (MerchantRecord.relatedParties, copied here from the shops' records by refreshLinks so they
 * can be found by party through an index) or loaded by an operator (`relations load`). The
 * party is a company (USCC) or a person (the HMAC of the ID number, as idNumberHash).
 */
export const partyRelation = pgTable(
  "party_relation",
  {
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    role: text("role", { enum: ["investor", "officer", "legal_representative"] }).notNull(),
    partyKind: text("party_kind", { enum: ["uscc", "person"] }).notNull(),
    partyKey: text("party_key").notNull(),
    source: text("source", { enum: ["platform", "cli"] }).notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.entityId, t.source, t.role, t.partyKind, t.partyKey] }),
    index("party_relation_party").on(t.partyKind, t.partyKey),
  ],
);

/**
 * Each entity's registered address, normalised (see normaliseAddress), kept by refreshLinks:
 * entities at one address are found through the index instead of normalising every entity's
 * address per query. Large clusters (an e-commerce park, a registered-agent address) are only
 * counted from here, never expanded into pairwise links.
 */
export const entityAddress = pgTable(
  "entity_address",
  {
    entityId: uuid("entity_id").primaryKey().references(() => entity.id),
    regionCode: text("region_code").notNull(),
    addressKey: text("address_key").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [index("entity_address_key").on(t.regionCode, t.addressKey)],
);
