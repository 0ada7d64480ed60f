import { index, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * Replay protection: every client-assertion and body-signature jti seen, per issuer, until
 * the credential it came with has expired (then it could not be accepted anyway).
 */
export const usedJti = pgTable(
  "used_jti",
  {
    /** Who issued the jti and for what, e.g. "assertion:<clientId>" or "body:<platformId>". */
    scope: text("scope").notNull(),
    jti: text("jti").notNull(),
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.jti] }), index("used_jti_expires").on(t.expiresAt)],
);
