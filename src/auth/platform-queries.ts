// Plain queries over platforms and their keys (the db first, no authorisation here).
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { platform, platformKey } from "../db/schema/platform.js";

export type PlatformRow = typeof platform.$inferSelect;
export type PlatformKeyRow = typeof platformKey.$inferSelect;

export async function platformById(db: Executor, platformId: string): Promise<PlatformRow | undefined> {
  const [row] = await db.select().from(platform).where(eq(platform.id, platformId)).limit(1);
  return row;
}

export async function platformByClientId(db: Executor, clientId: string): Promise<PlatformRow | undefined> {
  const [row] = await db.select().from(platform).where(eq(platform.clientId, clientId)).limit(1);
  return row;
}

export async function keysOfPlatforms(db: Executor, platformIds: string[]): Promise<PlatformKeyRow[]> {
  if (platformIds.length === 0) return [];
  return db
    .select()
    .from(platformKey)
    .where(inArray(platformKey.platformId, platformIds))
    .orderBy(asc(platformKey.createdAt), asc(platformKey.id));
}

export async function keyOfPlatform(db: Executor, platformId: string, kid: string): Promise<PlatformKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(platformKey)
    .where(and(eq(platformKey.platformId, platformId), eq(platformKey.kid, kid)))
    .limit(1);
  return row;
}

/** Retired, revoked or past not_after: the key may no longer sign anything new. */
export function keyUsable(key: Pick<PlatformKeyRow, "status" | "notAfter">, now: Date): boolean {
  return key.status === "active" && (key.notAfter === null || key.notAfter.getTime() > now.getTime());
}

/** The status shown to people: an expired active key is reported as retired. */
export function effectiveStatus(key: Pick<PlatformKeyRow, "status" | "notAfter">, now: Date): PlatformKeyRow["status"] {
  return key.status === "active" && !keyUsable(key, now) ? "retired" : key.status;
}

/** Walks an error's causes for a PostgreSQL unique violation (drizzle wraps driver errors). */
export function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.code === "23505") return true;
  }
  return false;
}
