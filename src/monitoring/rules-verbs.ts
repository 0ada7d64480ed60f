// Regulator verbs over monitoring rules and the prohibited-type list. Rules are gateway-wide:
// any regulator reads them, admins save them (each save a new version, audited). Prohibited
// types are regional: an admin adds and removes entries inside their own region scope.
import { authorize, cityWide, regulator } from "../auth/authorize.js";
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { appendAudit } from "../audit/index.js";
import { actorLabel } from "../auth/actor.js";
import { rowsOf } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { validateRule, type RuleDefinition } from "./rule-language.js";
import { insertRule, listRules, ruleById, ruleVersions, saveRuleVersion, type StoredRule } from "./rules-store.js";
import { type MonitoringContext } from "./warnings-verbs.js";

type RuleView = components["schemas"]["MonitoringRule"];
type ProhibitedTypeView = components["schemas"]["ProhibitedType"];

export interface RuleSave {
  definition: unknown;
  enabled?: boolean | undefined;
  expectedVersion?: number | undefined;
  reason?: string | undefined;
}

function toView(r: StoredRule, versions?: Awaited<ReturnType<typeof ruleVersions>>): RuleView {
  return {
    ruleId: r.id,
    key: r.key,
    version: r.version,
    enabled: r.enabled,
    builtIn: r.builtIn,
    definition: r.definition as unknown as RuleView["definition"],
    updatedBy: r.updatedBy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(versions ? { versions: versions.map((v) => ({ ...v, definition: v.definition as unknown as RuleView["definition"] })) } : {}),
  };
}

/** The semantic checks; a refusal lists every reason with its pointer into the request body. */
export function validated(definition: unknown): RuleDefinition {
  const result = validateRule(definition);
  if (!result.ok) {
    throw new AppError("VALIDATION_FAILED", `the rule is invalid: ${result.errors.map((e) => `${e.pointer} ${e.message}`).join("; ")}`, {
      errors: result.errors.map((e) => ({ pointer: `/definition${e.pointer === "/" ? "" : e.pointer}`, message: e.message })),
    });
  }
  return result.rule;
}

export async function listRulesVerb(ctx: MonitoringContext): Promise<RuleView[]> {
  authorize(ctx.actor, regulator("viewer"));
  return (await listRules(ctx.db.orm)).map((r) => toView(r));
}

export async function getRuleVerb(ctx: MonitoringContext, input: { ruleId: string }): Promise<RuleView> {
  authorize(ctx.actor, regulator("viewer"));
  const rule = await ruleById(ctx.db.orm, input.ruleId);
  if (!rule) throw new AppError("NOT_FOUND", "no such rule");
  return toView(rule, await ruleVersions(ctx.db.orm, rule.id));
}

export async function createRuleVerb(ctx: MonitoringContext, input: RuleSave): Promise<RuleView> {
  authorize(ctx.actor, cityWide("admin"));
  const definition = validated(input.definition);
  const by = actorLabel(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const rule = await insertRule(tx, ctx.clock, { definition, enabled: input.enabled ?? true, builtIn: false, by });
    if (!rule) throw new AppError("CONFLICT", `a rule with key ${definition.key} exists`);
    await appendAudit(tx, ctx.clock, {
      actor: by, action: "monitoring_rule.create", subjectType: "monitoring_rule", subjectId: rule.id,
      data: { key: rule.key, version: 1, enabled: rule.enabled, definition, reason: input.reason ?? null },
    });
    return toView(rule, await ruleVersions(tx, rule.id));
  });
}

/** A new version; the next evaluation reads it (rules are read on every evaluation). */
export async function updateRuleVerb(ctx: MonitoringContext, input: RuleSave & { ruleId: string }): Promise<RuleView> {
  authorize(ctx.actor, cityWide("admin"));
  const definition = validated(input.definition);
  const by = actorLabel(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const current = await ruleById(tx, input.ruleId, { forUpdate: true });
    if (!current) throw new AppError("NOT_FOUND", "no such rule");
    if (definition.key !== current.key) {
      throw new AppError("VALIDATION_FAILED", "a rule's key cannot change", { errors: [{ pointer: "/definition/key", message: `must stay ${current.key}` }] });
    }
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
      throw new AppError("CONFLICT", `the rule is at version ${current.version}, not ${input.expectedVersion}`);
    }
    const saved = await saveRuleVersion(tx, ctx.clock, current, { definition, enabled: input.enabled ?? current.enabled, by });
    await appendAudit(tx, ctx.clock, {
      actor: by, action: "monitoring_rule.update", subjectType: "monitoring_rule", subjectId: saved.id,
      data: { key: saved.key, from: current.version, version: saved.version, enabled: saved.enabled, definition, reason: input.reason ?? null },
    });
    return toView(saved, await ruleVersions(tx, saved.id));
  });
}

interface ProhibitedRow extends Record<string, unknown> {
  id: string;
  category: ProhibitedTypeView["category"];
  region_prefix: string;
  note: string | null;
  created_by: string;
  created_at: Date | string;
}

const prohibitedView = (r: ProhibitedRow): ProhibitedTypeView => ({
  id: r.id, category: r.category, regionPrefix: r.region_prefix, note: r.note, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString(),
});

/** Entries overlapping the caller's scope: inside it, or covering it (a city-wide ban applies in a district). */
export async function listProhibitedTypes(ctx: MonitoringContext): Promise<ProhibitedTypeView[]> {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const rows = await ctx.db.rows<ProhibitedRow>(sql`
    select id::text as id, category, region_prefix, note, created_by, created_at from prohibited_business_type
    where starts_with(region_prefix, ${prefix}) or starts_with(${prefix}, region_prefix)
    order by region_prefix, category`);
  return rows.map(prohibitedView);
}

export async function createProhibitedType(ctx: MonitoringContext, input: { category: string; regionPrefix: string; note?: string | undefined }): Promise<ProhibitedTypeView> {
  const prefix = authorize(ctx.actor, regulator("admin")).regionPrefix;
  if (!input.regionPrefix.startsWith(prefix)) throw new AppError("FORBIDDEN", `the region prefix must lie inside your scope ${prefix}`);
  const by = actorLabel(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const [row] = rowsOf<ProhibitedRow>(
      await tx.execute(sql`
        insert into prohibited_business_type (id, category, region_prefix, note, created_by, created_at)
        values (${uuidv7()}::uuid, ${input.category}, ${input.regionPrefix}, ${input.note ?? null}, ${by}, ${ctx.clock.now().toISOString()}::timestamptz)
        on conflict (category, region_prefix) do nothing
        returning id::text as id, category, region_prefix, note, created_by, created_at`),
    );
    if (!row) throw new AppError("CONFLICT", `${input.category} is already prohibited in ${input.regionPrefix}`);
    await appendAudit(tx, ctx.clock, {
      actor: by, action: "prohibited_type.create", subjectType: "prohibited_business_type", subjectId: row.id,
      data: { category: row.category, regionPrefix: row.region_prefix, note: row.note },
    });
    return prohibitedView(row);
  });
}

export async function deleteProhibitedType(ctx: MonitoringContext, input: { id: string }): Promise<void> {
  const prefix = authorize(ctx.actor, regulator("admin")).regionPrefix;
  const by = actorLabel(ctx.actor);
  await ctx.db.transaction(async (tx) => {
    const [row] = rowsOf<ProhibitedRow>(
      await tx.execute(sql`
        select id::text as id, category, region_prefix, note, created_by, created_at from prohibited_business_type
        where id = ${input.id}::uuid and (starts_with(region_prefix, ${prefix}) or starts_with(${prefix}, region_prefix)) for update`),
    );
    if (!row) throw new AppError("NOT_FOUND", "no such entry");
    // Visible (it covers the caller's region) but wider than their scope: not theirs to remove.
    if (!row.region_prefix.startsWith(prefix)) throw new AppError("FORBIDDEN", `the entry covers ${row.region_prefix}, wider than your scope ${prefix}`);
    await tx.execute(sql`delete from prohibited_business_type where id = ${row.id}::uuid`);
    await appendAudit(tx, ctx.clock, {
      actor: by, action: "prohibited_type.delete", subjectType: "prohibited_business_type", subjectId: row.id,
      data: { category: row.category, regionPrefix: row.region_prefix },
    });
  });
}
