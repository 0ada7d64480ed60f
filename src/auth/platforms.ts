// Verbs over platforms and their keys. Each checks who asks first, works in one transaction
// and appends the audit row as the transaction's last statement.
import { randomBytes } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import type { Executor } from "../db/client.js";
import { platform, platformKey } from "../db/schema/platform.js";
import { AppError } from "../http/errors.js";
import { checkOutboundUrl, OutboundRefused, STRICT_OUTBOUND_POLICY, type OutboundPolicy } from "../http/outbound-address.js";
import type { Publish } from "../exchange/outbound/types.js";
import { actorLabel, type VerbContext } from "./actor.js";
import { authorize, cityWide, ownPlatform, regulator } from "./authorize.js";
import { checkPlatformJwk, type CheckedJwk } from "./platform-jwk.js";
import { isUniqueViolation, keysOfPlatforms, keyUsable, platformById } from "./platform-queries.js";
import { keyView, platformView, type PlatformKeyView, type PlatformView } from "./platform-views.js";

export const PLATFORM_SCOPES = ["merchants:write", "events:write", "entities:read", "feed:read", "notices:write", "keys:write", "violations:confirm"] as const;
export type PlatformScope = (typeof PLATFORM_SCOPES)[number];
/**
 * A regulator-side source (an enforcement system connected as a platform): the only kind of
 * source whose serious confirmed violations (which force class D) are accepted. Never a default.
 */
export const REGULATOR_SOURCE_SCOPE = "violations:confirm" satisfies PlatformScope;
const DEFAULT_SCOPES = PLATFORM_SCOPES.filter((s) => s !== REGULATOR_SOURCE_SCOPE);

export interface CreatePlatformInput {
  name: string;
  jwks: { keys: Array<Record<string, unknown>> };
  webhookUrl?: string | undefined;
  /** Default: every scope but the regulator-side source's. */
  scopes?: string[] | undefined;
}

export interface KeyInput {
  jwk: Record<string, unknown>;
  notAfter?: string | undefined;
}

/** Key changes made for a platform by someone else are announced to it (platform.key_changed). */
export type KeyChangeContext = VerbContext & { publish: Publish };

export async function createPlatform(ctx: VerbContext, input: CreatePlatformInput): Promise<PlatformView> {
  authorize(ctx.actor, cityWide("admin"));
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) throw new AppError("VALIDATION_FAILED", "name must be 1-200 characters");
  const scopes = input.scopes ?? [...DEFAULT_SCOPES];
  const unknown = scopes.filter((s) => !(PLATFORM_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new AppError("VALIDATION_FAILED", `unknown scopes: ${unknown.join(", ")}`);
  if (input.webhookUrl !== undefined) checkWebhookUrl(input.webhookUrl, ctx.webhookPolicy ?? STRICT_OUTBOUND_POLICY);
  const keys = input.jwks?.keys ?? [];
  if (keys.length === 0) throw new AppError("VALIDATION_FAILED", "jwks must hold at least one public key");
  const checked: CheckedJwk[] = [];
  for (const [i, jwk] of keys.entries()) checked.push(await checkPlatformJwk(jwk, `/jwks/keys/${i}`));
  if (new Set(checked.map((k) => k.kid)).size !== checked.length) throw new AppError("VALIDATION_FAILED", "kids must be unique");

  const now = ctx.clock.now();
  try {
    return await ctx.db.transaction(async (tx) => {
      const [p] = await tx
        .insert(platform)
        .values({
          name,
          clientId: `plt_${randomBytes(16).toString("base64url")}`,
          scopes: [...new Set(scopes)],
          webhookUrl: input.webhookUrl ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const rows = await tx
        .insert(platformKey)
        .values(checked.map((k) => ({ platformId: p!.id, kid: k.kid, alg: k.alg, publicJwk: k.publicJwk as Record<string, unknown>, createdAt: now })))
        .returning();
      await appendAudit(tx, ctx.clock, {
        actor: actorLabel(ctx.actor),
        action: "platform.create",
        subjectType: "platform",
        subjectId: p!.id,
        data: { name, clientId: p!.clientId, scopes: p!.scopes, webhookUrl: p!.webhookUrl, kids: checked.map((k) => k.kid) },
      });
      return platformView(p!, rows, now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", `a platform named "${name}" already exists`);
    throw err;
  }
}

/** Every platform and its keys: city-wide configuration, so a city (or national) admin only. */
export async function listPlatforms(ctx: VerbContext): Promise<PlatformView[]> {
  authorize(ctx.actor, cityWide("admin"));
  const platforms = await ctx.db.orm.select().from(platform).orderBy(asc(platform.name));
  const keys = await keysOfPlatforms(ctx.db.orm, platforms.map((p) => p.id));
  const now = ctx.clock.now();
  return platforms.map((p) => platformView(p, keys, now));
}

/**
 * A city-wide admin adds a key to a platform. Whoever holds the key's private half can act as
 * the platform, so the platform learns of it (platform.key_changed) in the same transaction.
 */
export async function addPlatformKey(ctx: KeyChangeContext, input: KeyInput & { platformId: string }): Promise<PlatformKeyView> {
  authorize(ctx.actor, cityWide("admin"));
  return insertKey(ctx, input.platformId, input, "platform.key.add");
}

/** A platform registers its next key, in a call signed with a current one. */
export async function registerOwnKey(ctx: VerbContext, input: KeyInput): Promise<PlatformKeyView> {
  const me = authorize(ctx.actor, ownPlatform("keys:write"));
  return insertKey(ctx, me.platformId, input, "platform.key.register");
}

async function insertKey(ctx: VerbContext & { publish?: Publish }, platformId: string, input: KeyInput, action: string): Promise<PlatformKeyView> {
  const k = await checkPlatformJwk(input.jwk);
  const now = ctx.clock.now();
  const notAfter = input.notAfter === undefined ? null : new Date(input.notAfter);
  if (notAfter && (Number.isNaN(notAfter.getTime()) || notAfter.getTime() <= now.getTime())) {
    throw new AppError("VALIDATION_FAILED", "notAfter must be a date-time in the future", { errors: [{ pointer: "/notAfter", message: "in the past" }] });
  }
  try {
    return await ctx.db.transaction(async (tx) => {
      if (!(await platformById(tx, platformId))) throw new AppError("NOT_FOUND", "no such platform");
      const [row] = await tx
        .insert(platformKey)
        .values({ platformId, kid: k.kid, alg: k.alg, publicJwk: k.publicJwk as Record<string, unknown>, notAfter, createdAt: now })
        .returning();
      await appendAudit(tx, ctx.clock, {
        actor: actorLabel(ctx.actor),
        action,
        subjectType: "platform",
        subjectId: platformId,
        data: { kid: k.kid, alg: k.alg, notAfter: notAfter?.toISOString() ?? null },
      });
      await notifyKeyChange(ctx, tx, platformId, { kid: k.kid, change: "added", status: row!.status });
      return keyView(row!, now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", `kid "${k.kid}" is already registered for this platform; use a new kid`);
    throw err;
  }
}

export interface ChangeKeyInput {
  platformId: string;
  kid: string;
  action: "retire" | "revoke";
  reason: string;
}

/**
 * retire: the key signs nothing new (assertions, bodies); access tokens already issued run out.
 * revoke: the same, effective at once, for a compromised key. Access tokens are the gateway's
 * own signatures, so one obtained with the key before revocation lives out its 15 minutes;
 * suspend the platform to end those too (reactivating it revives none of them).
 */
export async function changePlatformKey(ctx: KeyChangeContext, input: ChangeKeyInput): Promise<PlatformKeyView> {
  authorize(ctx.actor, cityWide("admin"));
  return changeKey(ctx, input, `platform.key.${input.action}`);
}

/**
 * A platform retires one of its keys. It must sign the call with another active key (so it
 * proves it holds the successor), which also means it can never retire its last active key.
 */
export async function retireOwnKey(ctx: VerbContext, input: { kid: string; reason: string; signingKid: string }): Promise<PlatformKeyView> {
  const me = authorize(ctx.actor, ownPlatform("keys:write"));
  if (input.kid === input.signingKid) {
    throw new AppError("CONFLICT", "sign the retirement with another active key (the successor), not the key being retired");
  }
  return changeKey(ctx, { platformId: me.platformId, kid: input.kid, action: "retire", reason: input.reason }, "platform.key.retire_own");
}

async function changeKey(ctx: VerbContext & { publish?: Publish }, input: ChangeKeyInput, action: string): Promise<PlatformKeyView> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    // Lock the platform's keys so two concurrent retirements cannot both leave zero active keys.
    const keys = await tx.select().from(platformKey).where(eq(platformKey.platformId, input.platformId)).for("update");
    const key = keys.find((k) => k.kid === input.kid);
    if (!key) throw new AppError("NOT_FOUND", "no such key for this platform");
    if (input.action === "retire") {
      if (key.status === "revoked") throw new AppError("CONFLICT", "the key is revoked already");
      if (key.status === "retired") return keyView(key, now);
      if (action === "platform.key.retire_own" && !keys.some((k) => k.kid !== key.kid && keyUsable(k, now))) {
        throw new AppError("CONFLICT", "cannot retire the last active key; register its successor first");
      }
    } else if (key.status === "revoked") {
      return keyView(key, now);
    }
    const set = input.action === "retire" ? { status: "retired" as const, retiredAt: now } : { status: "revoked" as const, revokedAt: now };
    const [row] = await tx
      .update(platformKey)
      .set(set)
      .where(and(eq(platformKey.platformId, input.platformId), eq(platformKey.kid, input.kid)))
      .returning();
    await appendAudit(tx, ctx.clock, {
      actor: actorLabel(ctx.actor),
      action,
      subjectType: "platform",
      subjectId: input.platformId,
      data: { kid: input.kid, reason: input.reason, previousStatus: key.status },
    });
    await notifyKeyChange(ctx, tx, input.platformId, { kid: input.kid, change: input.action === "retire" ? "retired" : "revoked", status: row!.status });
    return keyView(row!, now);
  });
}

export async function listOwnKeys(ctx: VerbContext): Promise<PlatformKeyView[]> {
  const me = authorize(ctx.actor, ownPlatform());
  const now = ctx.clock.now();
  return (await keysOfPlatforms(ctx.db.orm, [me.platformId])).map((k) => keyView(k, now));
}

/**
 * Tells the platform a key of its changed when someone else changed it (a platform's own key
 * calls need no news). Written in the change's transaction, so no change goes unannounced.
 */
async function notifyKeyChange(
  ctx: VerbContext & { publish?: Publish },
  tx: Executor,
  platformId: string,
  data: { kid: string; change: "added" | "retired" | "revoked"; status: string },
): Promise<void> {
  if (ctx.actor.kind === "platform" && ctx.actor.platformId === platformId) return;
  if (!ctx.publish) throw new Error("a key change for a platform needs the publish path");
  await ctx.publish(tx, [{ platformId, type: "platform.key_changed", data: { ...data, by: actorLabel(ctx.actor) } }]);
}

/** Registration-time check of a webhook URL (the same check runs again, with DNS, at send time). */
function checkWebhookUrl(url: string, policy: OutboundPolicy): void {
  try {
    checkOutboundUrl(url, policy);
  } catch (err) {
    if (!(err instanceof OutboundRefused)) throw err;
    throw new AppError("VALIDATION_FAILED", `webhookUrl: ${err.message}`, { errors: [{ pointer: "/webhookUrl", message: err.message }] });
  }
}
