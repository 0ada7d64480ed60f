// Whether a platform is a regulator-side source: read from the platform row (not the token), so
// an operator's history load for a platform is judged like the platform itself.
import { eq } from "drizzle-orm";
import { REGULATOR_SOURCE_SCOPE } from "../auth/platforms.js";
import type { Database } from "../db/client.js";
import { platform } from "../db/schema/platform.js";

export async function isRegulatorSource(orm: Database["orm"], platformId: string): Promise<boolean> {
  const [row] = await orm.select({ scopes: platform.scopes }).from(platform).where(eq(platform.id, platformId));
  return row?.scopes.includes(REGULATOR_SOURCE_SCOPE) ?? false;
}
