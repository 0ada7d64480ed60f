import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * The transactional outbox: every side effect to perform later is a row written in the same
 * transaction as the change that causes it. The in-process runner executes rows straight
 * from here; with Redis, a relay hands them to Bull (job id = row id, so a second hand-over
 * is a no-op) and marks them dispatched.
 */
export const outbox = pgTable(
  "outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    job: text("job").notNull(),
    payload: jsonb("payload").$type<unknown>().notNull(),
    /** Coalescing key: while one row with this key is pending, enqueuing it again is a no-op. */
    dedupKey: text("dedup_key"),
    status: text("status", { enum: ["pending", "running", "dispatched", "done", "failed"] })
      .notNull()
      .default("pending"),
    runAt: ts("run_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    lockedUntil: ts("locked_until"),
    /**
     * The database session (Database.sessionTag) of the in-process runner running the row: a
     * row whose runner died (kill -9) is released as soon as that session is gone.
     */
    lockedBy: text("locked_by"),
    lastError: text("last_error"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    index("outbox_due").on(t.status, t.runAt),
    uniqueIndex("outbox_pending_dedup").on(t.dedupKey).where(sql`status = 'pending' and dedup_key is not null`),
    // Looks a key up in any status: schedules must know whether an occurrence was already
    // enqueued, handed to Bull or run, not only whether it is still pending.
    index("outbox_dedup_key").on(t.dedupKey).where(sql`dedup_key is not null`),
  ],
);
