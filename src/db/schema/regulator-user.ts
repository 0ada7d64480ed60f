import { integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "../columns.js";

/** A regulator's account: role and region scope (a GB/T 2260 prefix, e.g. 5101 = Chengdu). */
export const regulatorUser = pgTable("regulator_user", {
  id: id(),
  username: text("username").notNull().unique(),
  displayName: text("display_name").notNull(),
  /** scrypt$N$r$p$salt$hash (base64url parts). */
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ["viewer", "officer", "admin"] }).notNull(),
  regionPrefix: text("region_prefix").notNull(),
  status: text("status", { enum: ["active", "disabled"] }).notNull().default("active"),
  createdAt: createdAt(),
  lastLoginAt: ts("last_login_at"),
  /**
   * Regulator tokens carry the version current at login; disabling the account or resetting its
   * password bumps it, which ends every session issued before.
   */
  sessionVersion: integer("session_version").notNull().default(0),
});
