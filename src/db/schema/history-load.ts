import { bigint, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { createdAt, id, ts } from "../columns.js";
import { platform } from "./platform.js";

/**
 * A bulk load of a platform's past records from a file, run by an operator (`history load`).
 * It is also the load's checkpoint: each chunk's transaction stores the chunk's batch AND moves
 * next_offset / next_line past it, so a rerun after a crash or Ctrl-C seeks straight to the
 * first byte no committed chunk covered and neither re-reads nor re-sends anything.
 * The file is recognised by its fingerprint (size and SHA-256 of its first and last bytes).
 */
export const historyLoad = pgTable(
  "history_load",
  {
    id: id(),
    platformId: uuid("platform_id").notNull().references(() => platform.id),
    records: text("records", { enum: ["merchants", "events"] }).notNull(),
    format: text("format", { enum: ["ndjson", "csv"] }).notNull(),
    fileName: text("file_name").notNull(),
    fileSize: bigint("file_size", { mode: "number" }).notNull(),
    fingerprint: text("fingerprint").notNull(),
    status: text("status", { enum: ["loading", "done", "abandoned"] }).notNull(),
    /** Every byte before this offset belongs to a committed chunk. */
    nextOffset: bigint("next_offset", { mode: "number" }).notNull().default(0),
    /** 1-based line number of the first line at next_offset. */
    nextLine: bigint("next_line", { mode: "number" }).notNull().default(1),
    /** Records read from the file (unreadable ones included). */
    rowsRead: bigint("rows_read", { mode: "number" }).notNull().default(0),
    accepted: bigint("accepted", { mode: "number" }).notNull().default(0),
    duplicates: bigint("duplicates", { mode: "number" }).notNull().default(0),
    rejected: bigint("rejected", { mode: "number" }).notNull().default(0),
    batches: integer("batches").notNull().default(0),
    /** The full reclassification run started once the file was loaded. */
    runId: uuid("run_id"),
    actor: text("actor").notNull(),
    startedAt: ts("started_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    finishedAt: ts("finished_at"),
    createdAt: createdAt(),
  },
  (t) => [
    // One unfinished load per platform, kind and file: a rerun finds it and continues it.
    uniqueIndex("history_load_unfinished").on(t.platformId, t.records, t.fingerprint).where(sql`status = 'loading'`),
    index("history_load_platform").on(t.platformId, t.startedAt),
  ],
);
