// The regulator operations of the monitoring module: thin handlers, validated input -> verb ->
// JSON. Role and region scope are checked inside the verbs.
import type { Context } from "hono";
import { actorOf } from "../auth/actor.js";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import type { ServiceDeps } from "../services.js";
import type { ComputeFeatures } from "../classification/contracts.js";
import { ruleWhatIf } from "./what-if.js";
import { createProhibitedType, createRuleVerb, deleteProhibitedType, getRuleVerb, listProhibitedTypes, listRulesVerb, updateRuleVerb } from "./rules-verbs.js";
import { closeWarningVerb, getWarning, listWarnings, type MonitoringContext } from "./warnings-verbs.js";

export function monitoringHandlers(deps: Pick<ServiceDeps, "db" | "clock"> & { computeFeatures: ComputeFeatures }): Handlers {
  const ctx = (c: Context<AppEnv>): MonitoringContext => ({ db: deps.db, clock: deps.clock, actor: actorOf(c) });
  return {
    listWarnings: async (c, input) => c.json(await listWarnings(ctx(c), input.query)),
    getWarning: async (c, input) => c.json(await getWarning(ctx(c), { warningId: input.params.warningId })),
    closeWarning: async (c, input) => c.json(await closeWarningVerb(ctx(c), { warningId: input.params.warningId, reason: input.body.reason })),
    listMonitoringRules: async (c) => c.json({ rules: await listRulesVerb(ctx(c)) }),
    createMonitoringRule: async (c, input) => c.json(await createRuleVerb(ctx(c), input.body), 201),
    whatIfMonitoringRule: async (c, input) => c.json(await ruleWhatIf({ ...ctx(c), computeFeatures: deps.computeFeatures }, input.body)),
    getMonitoringRule: async (c, input) => c.json(await getRuleVerb(ctx(c), { ruleId: input.params.ruleId })),
    updateMonitoringRule: async (c, input) => c.json(await updateRuleVerb(ctx(c), { ...input.body, ruleId: input.params.ruleId })),
    listProhibitedTypes: async (c) => c.json({ items: await listProhibitedTypes(ctx(c)) }),
    createProhibitedType: async (c, input) => c.json(await createProhibitedType(ctx(c), input.body), 201),
    deleteProhibitedType: async (c, input) => {
      await deleteProhibitedType(ctx(c), { id: input.params.prohibitedTypeId });
      return c.body(null, 204);
    },
  };
}
