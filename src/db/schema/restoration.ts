// Credit restoration (信用修复): a merchant's application, after rectifying, to be judged again.
// One open application per entity (a partial unique index), so a repeated or raced submission is
// refused instead of queued twice. Files are kept beside it (bytes in their own table, like
// rectification evidence, so listing applications never reads them).
import { sql } from "drizzle-orm";
import { customType, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "../columns.js";
import { entity } from "./entity.js";

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => Buffer.from(v),
});

export const RESTORATION_STATUSES = ["open", "accepted", "rejected"] as const;
export type RestorationStatus = (typeof RESTORATION_STATUSES)[number];

export const restorationApplication = pgTable(
  "restoration_application",
  {
    id: id(),
    entityId: uuid("entity_id").notNull().references(() => entity.id),
    /** The entity's region when applied: what regulators' scopes filter on. */
    regionCode: text("region_code").notNull(),
    status: text("status", { enum: RESTORATION_STATUSES }).notNull().default("open"),
    /** merchant:<noticeId> or platform:<id>. */
    appliedBy: text("applied_by").notNull(),
    appliedAt: ts("applied_at").notNull(),
    text: text("text"),
    links: jsonb("links").$type<string[]>().notNull().default([]),
    /** The entity's class when it applied (for the reviewer: did rectifying change anything yet?). */
    classAtApplication: text("class_at_application"),
    reviewedBy: text("reviewed_by"),
    reviewedAt: ts("reviewed_at"),
    reviewComment: text("review_comment"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("restoration_one_open_per_entity").on(t.entityId).where(sql`status = 'open'`),
    index("restoration_status_applied").on(t.status, t.appliedAt, t.id),
    index("restoration_region").using("btree", t.regionCode.op("text_pattern_ops")),
    index("restoration_entity").on(t.entityId, t.appliedAt),
  ],
);

export const restorationFile = pgTable(
  "restoration_file",
  {
    id: id(),
    applicationId: uuid("application_id").notNull().references(() => restorationApplication.id),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    sha256: text("sha256").notNull(),
    content: bytea("content").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("restoration_file_application").on(t.applicationId)],
);
