// The monitoring rule what-if (试算): how many warnings (and, for warn_and_notice, notices) a
// candidate rule would have raised over the last 30 or 90 days in the caller's scope, by district
// and platform, with samples. The rule is matched as the evaluation matches it (matchRules: the
// same metrics SQL and condition evaluation; the event windows of all points in one statement per
// chunk) at weekly as-of points over the window, oldest first,
// and each hit is deduplicated as recordHits does: a hit inside a simulated warning's window
// [T, T + windowDays) counts no new warning. Approximations, stated in the spec: the weekly points
// see what a daily evaluation would see only at those instants; the scope (inside/outside the
// sandbox) is the entity's status now; warnings already raised by other rules are not consulted.
// Chunked by entity; nothing is written.
import { authorize, regulator } from "../auth/authorize.js";
import type { ComputeFeatures } from "../classification/contracts.js";
import { inDryRunSlot, mapScopeChunks, platformNames, platformsOf, Tally, type ScopedEntity, type WhatIfOptions } from "../db/what-if.js";
import { DAY_MS } from "../db/time.js";
import { matchRulesAt } from "./evaluate.js";
import { entityFacts } from "./metrics-sql.js";
import type { StoredRule } from "./rules-store.js";
import { validated } from "./rules-verbs.js";
import { REPEAT_LOOKBACK_DAYS } from "./warnings-store.js";
import type { MonitoringContext } from "./warnings-verbs.js";

/** Days between two as-of points of a rule what-if. */
export const WHAT_IF_STEP_DAYS = 7;
export const WHAT_IF_DAYS = [30, 90] as const;

/** The as-of points over the last `days`, oldest first, the last one now. */
export function whatIfPoints(now: Date, days: number): Date[] {
  const out: Date[] = [];
  for (let k = Math.floor((days - 1) / WHAT_IF_STEP_DAYS); k >= 0; k--) out.push(new Date(now.getTime() - k * WHAT_IF_STEP_DAYS * DAY_MS));
  return out;
}

export async function ruleWhatIf(
  ctx: MonitoringContext & { computeFeatures: ComputeFeatures } & WhatIfOptions,
  input: { definition: unknown; days?: number | undefined; region?: string | undefined },
) {
  const { scope } = authorize(ctx.actor, regulator("officer", input.region));
  const definition = validated(input.definition);
  return inDryRunSlot(async () => {
    const days = input.days ?? 30;
    const now = ctx.clock.now();
    const points = whatIfPoints(now, days);
    const at = now.toISOString();
    const rule: StoredRule = {
      id: "00000000-0000-0000-0000-000000000000", key: definition.key, version: 0, enabled: true, builtIn: false, definition, updatedBy: "what-if", createdAt: at, updatedAt: at,
    };
    const windowMs = definition.windowDays * DAY_MS;
    const warnings = new Tally();
    const notices = new Tally();
    let evaluated = 0;
    if (scope !== null) {
      // Reads and matching run a few chunks at once; the tallies are added in chunk order.
      const replayChunk = async (chunk: ScopedEntity[]) => {
        const facts = await entityFacts(ctx.db.orm, chunk.map((e) => e.entityId), { lock: false });
        // entity -> the simulated warnings' starts, oldest first
        const raised = new Map<string, number[]>();
        const replay = await matchRulesAt(ctx.db.orm, [rule], facts, points, { computeFeatures: ctx.computeFeatures });
        for (const [k, asOf] of points.entries()) {
          for (const m of replay[k]!.matches) {
            const starts = raised.get(m.facts.id) ?? [];
            const last = starts.at(-1);
            if (last !== undefined && asOf.getTime() < last + windowMs) continue;
            starts.push(asOf.getTime());
            raised.set(m.facts.id, starts);
          }
        }
        const platforms = raised.size === 0 ? new Map<string, string[]>() : await platformsOf(ctx.db.orm, [...raised.keys()]);
        return { facts, raised, platforms };
      };
      for await (const { chunk, result: { facts, raised, platforms } } of mapScopeChunks(ctx.db, scope, replayChunk, { parallel: ctx.parallelChunks })) {
        evaluated += facts.size;
        if (raised.size === 0) continue;
        const byId = new Map(chunk.map((e) => [e.entityId, e]));
        for (const [id, starts] of raised) {
          const entity = byId.get(id)!;
          const sandbox = facts.get(id)!.sandbox;
          warnings.add(entity, platforms.get(id) ?? [], starts.length, { warnings: starts.length, firstAt: new Date(starts[0]!).toISOString(), sandbox });
          if (definition.action !== "warn_and_notice") continue;
          // Triggered supervision: inside the sandbox a low-severity rule's first warning in a year is a reminder, not a notice.
          const n = starts.filter((t, k) => !(sandbox === "inside" && definition.severity === "low" && (k === 0 || t - starts[k - 1]! > REPEAT_LOOKBACK_DAYS * DAY_MS))).length;
          notices.add(entity, platforms.get(id) ?? [], n, { notices: n, sandbox });
        }
      }
    }
    const names = await platformNames(ctx.db.orm, [warnings, notices]);
    return {
      asOf: at,
      days,
      stepDays: WHAT_IF_STEP_DAYS,
      points: points.map((p) => p.toISOString()),
      evaluated,
      action: definition.action,
      warnings: warnings.view(names),
      notices: notices.view(names),
    };
  });
}
