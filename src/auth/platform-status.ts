// Suspending a platform cuts it off at once: the token endpoint refuses it, every access token
// it holds is refused on its next request (the authenticator reads the platform's status and
// token version each time), and webhooks to it stop. Reactivating lets it fetch new tokens;
// those from before the suspension stay dead, because the suspension bumped the token version
// they carry.
import { eq, sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { platform } from "../db/schema/platform.js";
import { AppError } from "../http/errors.js";
import { checkedReason } from "../http/reason.js";
import { actorLabel, type VerbContext } from "./actor.js";
import { authorize, cityWide } from "./authorize.js";
import { keysOfPlatforms } from "./platform-queries.js";
import { platformView, type PlatformView } from "./platform-views.js";

export interface PlatformStatusInput {
  platformId: string;
  reason: string;
}

export const suspendPlatform = (ctx: VerbContext, input: PlatformStatusInput) => setStatus(ctx, input, "suspended");
export const reactivatePlatform = (ctx: VerbContext, input: PlatformStatusInput) => setStatus(ctx, input, "active");

async function setStatus(ctx: VerbContext, input: PlatformStatusInput, to: "active" | "suspended"): Promise<PlatformView> {
  authorize(ctx.actor, cityWide("admin"));
  const reason = checkedReason(input.reason);
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const [current] = await tx.select().from(platform).where(eq(platform.id, input.platformId)).for("update");
    if (!current) throw new AppError("NOT_FOUND", "no such platform");
    let row: typeof current | undefined = current;
    if (current.status !== to) {
      [row] = await tx
        .update(platform)
        .set({ status: to, updatedAt: now, ...(to === "suspended" ? { tokenVersion: sql`${platform.tokenVersion} + 1` } : {}) })
        .where(eq(platform.id, input.platformId))
        .returning();
      await appendAudit(tx, ctx.clock, {
        actor: actorLabel(ctx.actor),
        action: to === "suspended" ? "platform.suspend" : "platform.reactivate",
        subjectType: "platform",
        subjectId: input.platformId,
        data: { reason, previousStatus: current.status },
      });
    }
    return platformView(row!, await keysOfPlatforms(tx, [input.platformId]), now);
  });
}
