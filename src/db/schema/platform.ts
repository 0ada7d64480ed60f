import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt } from "../columns.js";

/** An e-commerce platform that exchanges data with the gateway. */
export const platform = pgTable("platform", {
  id: id(),
  name: text("name").notNull().unique(),
  clientId: text("client_id").notNull().unique(),
  status: text("status", { enum: ["active", "suspended"] }).notNull().default("active"),
  scopes: jsonb("scopes").$type<string[]>().notNull().default([]),
  webhookUrl: text("webhook_url"),
  /**
   * Access tokens carry the version current when they were issued; a suspension bumps it, so
   * tokens from before a suspension stay dead after the platform is reactivated.
   */
  tokenVersion: integer("token_version").notNull().default(0),
  /**
   * Set while the platform sends its history (a backfill an admin opened): its batches are
   * stored and receipted but ask for no per-entity rescoring; finishing the backfill classifies
   * its entities once, in one run.
   */
  backfillSince: ts("backfill_since"),
  /** The run that classified the platform's entities after its last backfill. */
  backfillRunId: uuid("backfill_run_id"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A platform's public signing key. Rotation = add a new key, retire the old one. */
export const platformKey = pgTable(
  "platform_key",
  {
    id: id(),
    platformId: uuid("platform_id").notNull().references(() => platform.id),
    kid: text("kid").notNull(),
    alg: text("alg").notNull(),
    publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: ["active", "retired", "revoked"] }).notNull().default("active"),
    notAfter: ts("not_after"),
    createdAt: createdAt(),
    retiredAt: ts("retired_at"),
    revokedAt: ts("revoked_at"),
  },
  (t) => [uniqueIndex("platform_key_platform_kid").on(t.platformId, t.kid), index("platform_key_kid").on(t.kid)],
);
