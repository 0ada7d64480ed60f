import { sql } from "drizzle-orm";
import { bigserial, customType, index, integer, jsonb, pgSequence, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "../columns.js";
import { entity } from "./entity.js";
import { warning } from "./monitoring.js";
import { platform } from "./platform.js";

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => Buffer.from(v),
});

/** Numbers printed on notices (行提〔year〕region-000123): one gap-tolerant sequence. */
export const noticeNumber = pgSequence("notice_number", { startWith: 1 });

/** A notice template (行政提示模板), versioned: each save is a new row; the highest version is in force. */
export const noticeTemplate = pgTable(
  "notice_template",
  {
    key: text("key").notNull(),
    version: integer("version").notNull(),
    title: text("title").notNull(),
    /** Text with {{placeholders}} (src/notices/templates.ts). */
    body: text("body").notNull(),
    legalBasis: text("legal_basis").notNull(),
    rectify: text("rectify").notNull(),
    savedBy: text("saved_by").notNull(),
    savedAt: ts("saved_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.version] })],
);

export const NOTICE_DELIVERY_STATUSES = ["pending", "delivered", "read", "undeliverable"] as const;
export type NoticeDeliveryStatus = (typeof NOTICE_DELIVERY_STATUSES)[number];

/**
 * An administrative notice (行政提示): the text as issued (rendered from a template version),
 * never edited afterwards. At most one per warning (a partial unique index), so a retried or
 * repeated warning.raised job cannot issue a second.
 */
export const notice = pgTable(
  "notice",
  {
    id: id(),
    noticeNo: text("notice_no").notNull(),
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    warningId: uuid("warning_id").references(() => warning.id),
    ruleKey: text("rule_key"),
    source: text("source", { enum: ["warning", "manual"] }).notNull(),
    /** Denormalised for region-scoped lists and figures. */
    regionCode: text("region_code").notNull(),
    templateKey: text("template_key").notNull(),
    templateVersion: integer("template_version").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    legalBasis: text("legal_basis").notNull(),
    facts: text("facts").notNull(),
    rectify: text("rectify").notNull(),
    issuedBy: text("issued_by").notNull(),
    issuedAt: ts("issued_at").notNull(),
    dueAt: ts("due_at").notNull(),
    /** When merchant links minted for this notice stop working. */
    linkExpiresAt: ts("link_expires_at").notNull(),
    /** Summary over the platforms: read > delivered > pending > undeliverable (any platform). */
    deliveryStatus: text("delivery_status", { enum: NOTICE_DELIVERY_STATUSES }).notNull(),
    firstDeliveredAt: ts("first_delivered_at"),
    firstReadAt: ts("first_read_at"),
  },
  (t) => [
    uniqueIndex("notice_warning").on(t.warningId).where(sql`warning_id is not null`),
    uniqueIndex("notice_no").on(t.noticeNo),
    index("notice_region_issued").on(t.regionCode, t.issuedAt),
    // The regulator's list, newest first, filtered by region prefix: read backwards and stop at the page.
    index("notice_issued_id").on(t.issuedAt, t.id),
    index("notice_entity").on(t.entityId),
  ],
);

/** The notice's delivery through one platform (one row per platform with a shop of the entity). */
export const noticeDelivery = pgTable(
  "notice_delivery",
  {
    noticeId: uuid("notice_id").notNull().references(() => notice.id),
    platformId: uuid("platform_id").notNull().references(() => platform.id),
    status: text("status", { enum: NOTICE_DELIVERY_STATUSES }).notNull(),
    /** Times notice.issued was sent to the platform (1 at issue). */
    attempts: integer("attempts").notNull(),
    lastSentAt: ts("last_sent_at").notNull(),
    deliveredAt: ts("delivered_at"),
    readAt: ts("read_at"),
    undeliverableAt: ts("undeliverable_at"),
    shopId: text("shop_id"),
  },
  (t) => [primaryKey({ columns: [t.noticeId, t.platformId] }), index("notice_delivery_platform").on(t.platformId, t.status)],
);

/**
 * A merchant link issued to one platform for one notice. Its id is the link token's jti: a
 * token verifies only while its row is neither revoked nor expired, and actions taken through
 * it record the platform that relayed it. At most one live link per (notice, platform): every
 * re-send re-signs that one, so revoking it stops every copy; the next send issues a new one.
 */
export const merchantLink = pgTable(
  "merchant_link",
  {
    id: id(),
    noticeId: uuid("notice_id").notNull().references(() => notice.id),
    platformId: uuid("platform_id").notNull().references(() => platform.id),
    issuedAt: ts("issued_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    revokedAt: ts("revoked_at"),
    /** Who revoked it (platform:<id>, regulator:<userId>, cli) and why. */
    revokedBy: text("revoked_by"),
    revokeReason: text("revoke_reason"),
  },
  (t) => [
    uniqueIndex("merchant_link_live").on(t.noticeId, t.platformId).where(sql`revoked_at is null`),
    index("merchant_link_notice").on(t.noticeId),
  ],
);

export const RECTIFICATION_STATUSES = ["open", "acknowledged", "submitted", "accepted", "rejected", "escalated"] as const;
export type RectificationStatus = (typeof RECTIFICATION_STATUSES)[number];

/** The rectification case (整改) of a notice: one per notice. */
export const rectificationCase = pgTable(
  "rectification_case",
  {
    id: id(),
    noticeId: uuid("notice_id").notNull().references(() => notice.id),
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    regionCode: text("region_code").notNull(),
    ruleKey: text("rule_key"),
    status: text("status", { enum: RECTIFICATION_STATUSES }).notNull(),
    dueAt: ts("due_at").notNull(),
    openedAt: ts("opened_at").notNull(),
    acknowledgedAt: ts("acknowledged_at"),
    submittedAt: ts("submitted_at"),
    acceptedAt: ts("accepted_at"),
    decidedAt: ts("decided_at"),
    remindedAt: ts("reminded_at"),
    /** Set once, by the escalation job, when the deadline passed without acceptance. */
    escalatedAt: ts("escalated_at"),
    submissions: integer("submissions").notNull().default(0),
    lastComment: text("last_comment"),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("rectification_case_notice").on(t.noticeId),
    index("rectification_case_status_region").on(t.status, t.regionCode),
    index("rectification_case_entity").on(t.entityId),
    index("rectification_case_opened_id").on(t.openedAt, t.id),
    index("rectification_case_open_due").on(t.dueAt).where(sql`status <> 'accepted'`),
  ],
);

/** The case's timeline (append-only): every step with its time and actor. */
export const rectificationStep = pgTable(
  "rectification_step",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    caseId: uuid("case_id").notNull().references(() => rectificationCase.id),
    at: ts("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    comment: text("comment"),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("rectification_step_case").on(t.caseId, t.seq)],
);

/** One item of evidence: a text, a link or a file (whose bytes sit in rectification_file). */
export const rectificationEvidence = pgTable(
  "rectification_evidence",
  {
    id: id(),
    caseId: uuid("case_id").notNull().references(() => rectificationCase.id),
    submission: integer("submission").notNull(),
    kind: text("kind", { enum: ["text", "link", "file"] }).notNull(),
    text: text("text"),
    url: text("url"),
    fileName: text("file_name"),
    contentType: text("content_type"),
    sizeBytes: integer("size_bytes"),
    sha256: text("sha256"),
    submittedBy: text("submitted_by").notNull(),
    submittedAt: ts("submitted_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("rectification_evidence_case").on(t.caseId, t.submission)],
);

/**
 * Evidence file bytes, apart from their metadata so listings never read them. In the database
 * (not on a local disk): gateway processes are stateless and a file is as durable as the
 * submission that acknowledged it.
 */
export const rectificationFile = pgTable("rectification_file", {
  evidenceId: uuid("evidence_id").primaryKey().references(() => rectificationEvidence.id),
  content: bytea("content").notNull(),
});
