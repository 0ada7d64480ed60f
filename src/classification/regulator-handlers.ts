// The regulator operations of the classification module: thin handlers, validated input ->
// verb -> JSON. Authorisation and region scope are checked inside the verbs.
import type { Context } from "hono";
import { actorOf } from "../auth/actor.js";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import { getRegulatorEntity } from "../regulator/entity-profile.js";
import { searchRegulatorEntities, type EntitySearchInput } from "../regulator/entity-search.js";
import { regulatorOverview, type OverviewInput } from "../regulator/overview.js";
import { regulatorSeries } from "../regulator/series.js";
import type { ServiceDeps } from "../services.js";
import { finishPlatformBackfill, finishPlatformBackfills, startPlatformBackfill } from "./backfill.js";
import { classDistributionVerb, type GroupBy } from "./distribution.js";
import { activateModelVerb, listModels, type LifecycleContext } from "./lifecycle.js";
import { getReclassification, listReclassifications, startReclassification } from "./runs-verbs.js";

type Deps = Pick<ServiceDeps, "db" | "clock" | "enqueue" | "kick">;

export function regulatorHandlers(deps: Deps): Handlers {
  const ctx = (c: Context<AppEnv>): LifecycleContext => ({ db: deps.db, clock: deps.clock, enqueue: deps.enqueue, kick: deps.kick, actor: actorOf(c) });
  return {
    getClassDistribution: async (c, input) => c.json(await classDistributionVerb(ctx(c), input.query as { region?: string; platform?: string; groupBy?: GroupBy })),
    listModels: async (c) => c.json({ models: await listModels(ctx(c)) }),
    activateModel: async (c, input) => {
      const { model, run } = await activateModelVerb(ctx(c), { version: input.params.version, reason: (input.body as { reason: string }).reason });
      return c.json({ model, run }, 202);
    },
    listReclassifications: async (c, input) => c.json({ runs: await listReclassifications(ctx(c), { limit: (input.query as { limit?: number }).limit }) }),
    startReclassification: async (c, input) => {
      const body = input.body as { regionPrefix?: string; platformId?: string; reason: string };
      return c.json(await startReclassification(ctx(c), body), 202);
    },
    getReclassification: async (c, input) => c.json(await getReclassification(ctx(c), { runId: input.params.runId })),
    changePlatformBackfill: async (c, { params, body }) => {
      const verb = params.action === "start" ? startPlatformBackfill : finishPlatformBackfill;
      return c.json(await verb(ctx(c), { platformId: params.platformId, reason: (body as { reason: string }).reason }));
    },
    finishPlatformBackfills: async (c, { body }) => c.json(await finishPlatformBackfills(ctx(c), body as { platformIds: string[]; reason: string })),
    getRegulatorEntity: async (c, input) => c.json(await getRegulatorEntity({ db: deps.db, actor: actorOf(c) }, { entityId: input.params.entityId })),
    searchRegulatorEntities: async (c, input) =>
      c.json(await searchRegulatorEntities({ db: deps.db, actor: actorOf(c) }, input.query as EntitySearchInput), 200, { "Cache-Control": "no-store" }),
    getRegulatorOverview: async (c, input) => c.json(await regulatorOverview(ctx(c), input.query as OverviewInput)),
    getRegulatorSeries: async (c, input) => c.json(await regulatorSeries({ ...deps, actor: actorOf(c) }, input.query as { region?: string; days?: number })),
  };
}
