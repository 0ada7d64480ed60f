// The inspection-draw operations: thin handlers, validated input -> verb -> JSON.
import type { Context } from "hono";
import { actorOf } from "../auth/actor.js";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import type { ServiceDeps } from "../services.js";
import { createDraw, drawPopulation, getDraw, listDraws, recordInspectionResult, verifyDraw, type InspectionContext } from "./verbs.js";

export function inspectionHandlers(deps: Pick<ServiceDeps, "db" | "clock">): Handlers {
  const ctx = (c: Context<AppEnv>): InspectionContext => ({ db: deps.db, clock: deps.clock, actor: actorOf(c) });
  return {
    createInspectionDraw: async (c, input) => c.json(await createDraw(ctx(c), input.body), 201),
    listInspectionDraws: async (c, input) => c.json(await listDraws(ctx(c), input.query)),
    getInspectionDraw: async (c, input) => c.json(await getDraw(ctx(c), { drawId: input.params.drawId })),
    getInspectionDrawPopulation: async (c, input) => c.json(await drawPopulation(ctx(c), { ...input.query, drawId: input.params.drawId })),
    verifyInspectionDraw: async (c, input) => c.json(await verifyDraw(ctx(c), { drawId: input.params.drawId })),
    recordInspectionResult: async (c, input) => c.json(await recordInspectionResult(ctx(c), { ...input.body, drawId: input.params.drawId }), 201),
  };
}
