import { jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * The gateway's own signing keys. The private JWK is stored encrypted (AES-256-GCM under the
 * key-encryption key from config, or a local key file on the embedded default). Retired keys
 * sign nothing new but stay published until publish_until, so receipts and tokens they
 * signed can still be checked.
 */
export const gatewayKey = pgTable("gateway_key", {
  kid: text("kid").primaryKey(),
  alg: text("alg").notNull(),
  publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>().notNull(),
  /** base64url(iv || ciphertext || tag) of the private JWK JSON. */
  privateJwkEncrypted: text("private_jwk_encrypted").notNull(),
  status: text("status", { enum: ["active", "retired", "revoked"] }).notNull(),
  createdAt: ts("created_at").notNull(),
  retiredAt: ts("retired_at"),
  publishUntil: ts("publish_until"),
  revokedAt: ts("revoked_at"),
});
