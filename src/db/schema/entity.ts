import { sql } from "drizzle-orm";
import { bigint, date, doublePrecision, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt } from "../columns.js";
import { platform } from "./platform.js";

/**
 * A business entity (经营主体): what is classified. Found by USCC across platforms, or by an
 * HMAC of the ID number for individual sellers without one. The latest classification is
 * denormalised here so lists and overviews never join the history.
 */
export const entity = pgTable(
  "entity",
  {
    id: id(),
    uscc: text("uscc"),
    idNumberHash: text("id_number_hash"),
    name: text("name").notNull(),
    entityType: text("entity_type", { enum: ["enterprise", "individual"] }).notNull(),
    regionCode: text("region_code").notNull(),
    address: text("address").notNull(),
    category: text("category").notNull(),
    /** Registration facts (成立日期, 注册资本, 登记机关): the first value received is kept. */
    establishedOn: date("established_on", { mode: "string" }),
    registeredCapitalCents: bigint("registered_capital_cents", { mode: "number" }),
    registrationAuthority: text("registration_authority"),
    /**
     * Where the entity's business history starts, as its latest classification found it: the
     * establishment date, else the earliest shop opening or event the gateway holds (never the
     * gateway's own insert time). The fence's minimum history counts from it; null: unknown.
     */
    operatingSince: ts("operating_since"),
    riskClass: text("risk_class", { enum: ["A", "B", "C", "D"] }),
    probability: doublePrecision("probability"),
    loss: doublePrecision("loss"),
    modelVersion: text("model_version"),
    classifiedAt: ts("classified_at"),
    /** When the current class began (the sandbox's "minimum time in class"); null if unclassified. */
    classSince: ts("class_since"),
    /** The rule that set the current class, if one did (e.g. insufficient_data: B until more is known). */
    classOverride: text("class_override"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("entity_uscc").on(t.uscc),
    uniqueIndex("entity_id_number_hash").on(t.idNumberHash),
    // Region scopes are prefixes: text_pattern_ops makes `LIKE '5101%'` an index range scan.
    index("entity_region").using("btree", t.regionCode.op("text_pattern_ops")),
    index("entity_class_region").on(t.riskClass, t.regionCode),
  ],
);

/** A shop on one platform, pointing at the entity behind it. */
export const shop = pgTable(
  "shop",
  {
    id: id(),
    platformId: uuid("platform_id").notNull().references(() => platform.id),
    platformShopId: text("platform_shop_id").notNull(),
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    name: text("name").notNull(),
    category: text("category").notNull(),
    regionCode: text("region_code").notNull(),
    address: text("address").notNull(),
    url: text("url"),
    /** Hashed identifiers the platform reports; they link entities in the relationship graph. */
    legalRepresentativeHash: text("legal_representative_hash"),
    phoneHash: text("phone_hash"),
    openedAt: ts("opened_at"),
    licences: jsonb("licences").$type<Array<{ type: string; number: string; validUntil?: string }>>(),
    /** The merchant record as last received, for fields the gateway does not model yet. */
    record: jsonb("record").$type<Record<string, unknown>>().notNull(),
    version: integer("version").notNull().default(1),
    /**
     * How the shop is tied to its entity. corroborated: the entity's own source (the platform
     * that registered it) or a claim that matched its registered name and legal representative,
     * or that a regulator confirmed. claimed: a shop naming an entity another platform already
     * holds, not (yet) corroborated — anyone can type a USCC, so until then the shop's platform
     * sees nothing of the entity, its records change none of the entity's data and its events
     * count for nothing.
     */
    link: text("link", { enum: ["corroborated", "claimed"] }).notNull().default("corroborated"),
    /**
     * Why the link is corroborated: registered (the shop that registered the entity), platform
     * (its platform already was a corroborated source), matched (name + legal representative),
     * regulator (confirmed through the regulator API). Null on shops from before claims existed.
     */
    corroboratedBy: text("corroborated_by", { enum: ["registered", "platform", "matched", "regulator"] }),
    corroboratedAt: ts("corroborated_at"),
    /**
     * When the shop's earliest event occurred (kept by a trigger on event, whatever inserts it):
     * an entity's time in business counts from its shops' first events when it has no
     * registered establishment date, and reading it here spares the classification a pass over
     * every event older than its longest window.
     */
    firstEventAt: ts("first_event_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("shop_platform_shop").on(t.platformId, t.platformShopId),
    // Claimed links are few: every event-reading query excludes them through this small index.
    index("shop_claimed").on(t.id).where(sql`${t.link} = 'claimed'`),
    index("shop_entity").on(t.entityId),
    index("shop_legal_representative").on(t.legalRepresentativeHash),
    index("shop_phone").on(t.phoneHash),
  ],
);
