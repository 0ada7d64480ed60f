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

export function merchant(shopId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    shopId,
    name: `Shop ${shopId}`,
    entityType: "enterprise",
    uscc: makeUscc(),
    regionCode: "510104",
    address: "1 Chunxi Road, Jinjiang, Chengdu",
    category: "food",
    ...overrides,
  };
}

export function complaint(eventId: string, shopId: string, occurredAt = "2025-12-15T10:00:00Z", overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { eventId, shopId, kind: "complaint", occurredAt, data: { channel: "platform", reason: "late delivery" }, ...overrides };
}

export const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";
