// Monitoring rules in the database: the enabled set an evaluation reads (every call, so an edit
// takes effect on the next evaluation), the built-in seed, and the versioned saves.
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import type { Clock } from "../clock.js";
import { rowsOf, type Executor, isoTime as iso } from "../db/client.js";
import { BUILT_IN_RULES } from "./built-in-rules.js";
import type { RuleDefinition } from "./rule-language.js";

export interface StoredRule {
  id: string;
  key: string;
  version: number;
  enabled: boolean;
  builtIn: boolean;
  definition: RuleDefinition;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface RuleVersion {
  version: number;
  enabled: boolean;
  definition: RuleDefinition;
  savedBy: string;
  savedAt: string;
}

interface RuleRow extends Record<string, unknown> {
  id: string;
  key: string;
  version: number;
  enabled: boolean;
  built_in: boolean;
  definition: RuleDefinition | string;
  updated_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const json = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);
const COLUMNS = sql`id::text as id, key, version, enabled, built_in, definition, updated_by, created_at, updated_at`;

const toRule = (r: RuleRow): StoredRule => ({
  id: r.id,
  key: r.key,
  version: Number(r.version),
  enabled: r.enabled === true || (r.enabled as unknown) === "t",
  builtIn: r.built_in === true || (r.built_in as unknown) === "t",
  definition: json(r.definition),
  updatedBy: r.updated_by,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

export async function enabledRules(on: Executor): Promise<StoredRule[]> {
  return rowsOf<RuleRow>(await on.execute(sql`select ${COLUMNS} from monitoring_rule where enabled order by key`)).map(toRule);
}

export async function listRules(on: Executor): Promise<StoredRule[]> {
  return rowsOf<RuleRow>(await on.execute(sql`select ${COLUMNS} from monitoring_rule order by key`)).map(toRule);
}

export async function ruleById(on: Executor, id: string, opts: { forUpdate?: boolean } = {}): Promise<StoredRule | undefined> {
  const [row] = rowsOf<RuleRow>(
    await on.execute(sql`select ${COLUMNS} from monitoring_rule where id = ${id}::uuid ${opts.forUpdate ? sql`for update` : sql``}`),
  );
  return row && toRule(row);
}

export async function ruleVersions(on: Executor, id: string): Promise<RuleVersion[]> {
  const rows = rowsOf<{ version: number; enabled: boolean; definition: RuleDefinition | string; saved_by: string; saved_at: Date | string }>(
    await on.execute(sql`
      select version, enabled, definition, saved_by, saved_at from monitoring_rule_version where rule_id = ${id}::uuid order by version desc`),
  );
  return rows.map((r) => ({
    version: Number(r.version),
    enabled: r.enabled === true || (r.enabled as unknown) === "t",
    definition: json(r.definition),
    savedBy: r.saved_by,
    savedAt: iso(r.saved_at),
  }));
}

/** Inserts a new rule at version 1 (and its version row); undefined when the key exists. */
export async function insertRule(
  on: Executor,
  clock: Clock,
  input: { definition: RuleDefinition; enabled: boolean; builtIn: boolean; by: string },
): Promise<StoredRule | undefined> {
  const at = clock.now().toISOString();
  const [row] = rowsOf<RuleRow>(
    await on.execute(sql`
      insert into monitoring_rule (id, key, version, enabled, definition, built_in, updated_by, created_at, updated_at)
      values (${uuidv7()}::uuid, ${input.definition.key}, 1, ${input.enabled}, ${JSON.stringify(input.definition)}::jsonb, ${input.builtIn},
              ${input.by}, ${at}::timestamptz, ${at}::timestamptz)
      on conflict (key) do nothing
      returning ${COLUMNS}`),
  );
  if (!row) return undefined;
  await insertVersion(on, row.id, 1, input.enabled, input.definition, input.by, at);
  return toRule(row);
}

/** Saves the next version of a rule (the caller holds its row lock). */
export async function saveRuleVersion(
  on: Executor,
  clock: Clock,
  current: StoredRule,
  input: { definition: RuleDefinition; enabled: boolean; by: string },
): Promise<StoredRule> {
  const at = clock.now().toISOString();
  const version = current.version + 1;
  const [row] = rowsOf<RuleRow>(
    await on.execute(sql`
      update monitoring_rule set version = ${version}, enabled = ${input.enabled}, definition = ${JSON.stringify(input.definition)}::jsonb,
        updated_by = ${input.by}, updated_at = ${at}::timestamptz
      where id = ${current.id}::uuid
      returning ${COLUMNS}`),
  );
  await insertVersion(on, current.id, version, input.enabled, input.definition, input.by, at);
  return toRule(row!);
}

async function insertVersion(on: Executor, ruleId: string, version: number, enabled: boolean, definition: RuleDefinition, by: string, at: string) {
  await on.execute(sql`
    insert into monitoring_rule_version (rule_id, version, enabled, definition, saved_by, saved_at)
    values (${ruleId}::uuid, ${version}, ${enabled}, ${JSON.stringify(definition)}::jsonb, ${by}, ${at}::timestamptz)`);
}

/** Seeds the built-in rules whose key is absent (an edited or disabled built-in stays as it is). */
export async function seedBuiltInRules(on: Executor, clock: Clock): Promise<number> {
  const existing = new Set(rowsOf<{ key: string }>(await on.execute(sql`select key from monitoring_rule`)).map((r) => r.key));
  let added = 0;
  for (const definition of BUILT_IN_RULES) {
    if (existing.has(definition.key)) continue;
    // Two processes starting at once: the unique key makes the second insert a no-op.
    if (await insertRule(on, clock, { definition, enabled: true, builtIn: true, by: "system:seed" })) added++;
  }
  return added;
}
