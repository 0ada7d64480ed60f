// Record builders for the exchange tests (and the ingestion benchmark): valid USCCs, merchant
// and event records with sensible defaults.
import { randomBytes } from "node:crypto";
import { usccCheckChar } from "../src/scoring/index.js";

/** A valid USCC for a region, unique per call (or per seed). */
export function makeUscc(region = "510104", seed?: number): string {
  const n = seed ?? randomBytes(4).readUInt32BE(0);
  const org = String(n % 100_000_000).padStart(8, "0") + "0";
  const first17 = `91${region}${org}`;
  return first17 + usccCheckChar(first17);
}

/** The same code with a wrong check character. */
export function breakUscc(uscc: string): string {
  const last = uscc.charAt(17);
  return uscc.slice(0, 17) + (last === "0" ? "1" : "0");
}

export const hashOf = (s: string) => Buffer.from(s.padEnd(32, "x").slice(0, 32)).toString("hex");

/**
 * A merchant record. Unless the test sets them, the entity's registered name and legal
 * representative follow from its identifier, so two platforms' shops of one entity corroborate
 * each other (a shop that only claims an entity is tested on purpose, with other values).
 */
export function merchant(shopId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const record: Record<string, unknown> = {
    shopId,
    name: `Shop ${shopId}`,
    entityType: "enterprise",
    uscc: makeUscc(),
    regionCode: "510104",
    address: "1 Chunxi Road, Jinjiang, Chengdu",
    category: "food",
    ...overrides,
  };
  const identity = (record.uscc ?? record.idNumberHash) as string | undefined;
  if (identity !== undefined && !("entityName" in overrides) && !("legalRepresentativeHash" in overrides)) {
    // A test naming the shop names the entity by it (as a record without entityName does).
    if (!("name" in overrides)) record.entityName = `Entity ${identity}`;
    record.legalRepresentativeHash = hashOf(`lr-${identity}`);
  }
  return record;
}

export function complaint(eventId: string, shopId: string, occurredAt = "2025-12-15T10:00:00Z", overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { eventId, shopId, kind: "complaint", occurredAt, data: { channel: "platform", reason: "late delivery" }, ...overrides };
}

export const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";
