import { bigint, index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * Signed heads of the audit chain: {seq, hash, at} as a compact JWS by the gateway's signing
 * key, to be published outside the database. A table of its own rather than rows in the
 * chain: a head recorded inside the chain would itself move the head it records, and the
 * hourly signing of an idle chain would grow it forever. Append-only like audit_log (the
 * trigger is in migration 0028); a forged row here is caught by its signature.
 */
export const auditHead = pgTable(
  "audit_head",
  {
    id: uuid("id").primaryKey(),
    /** The last audit_log row covered (0 for an empty chain). */
    auditSeq: bigint("audit_seq", { mode: "number" }).notNull(),
    auditHash: text("audit_hash").notNull(),
    signedAt: ts("signed_at").notNull(),
    kid: text("kid").notNull(),
    jws: text("jws").notNull(),
    /** Who asked: "system:schedule", "cli", "regulator:<id>". */
    signedBy: text("signed_by").notNull(),
  },
  (t) => [index("audit_head_signed_at_idx").on(t.signedAt, t.id)],
);
