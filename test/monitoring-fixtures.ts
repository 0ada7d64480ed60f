// Direct inserts for the monitoring tests: entities with a shop, events of any kind, sandbox
// membership — without HTTP, so each built-in rule gets a case built for it. Plus a helper that
// runs the monitoring evaluation in a transaction, as classification's hook will.
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import type { Database } from "../src/db/client.js";
import type { EvaluateInput, EvaluateOutcome } from "../src/monitoring/index.js";
import type { TestGateway } from "./support/gateway.js";
import { makeUscc } from "./exchange-fixtures.js";

export const DAY = 86_400_000;
let seq = 0;

export interface Seeded {
  entityId: string;
  shopId: string;
}

export interface Seeder {
  platformId: string;
  merchant(o?: { category?: string; region?: string; address?: string; licences?: unknown[]; openedAt?: string; entityType?: "enterprise" | "individual" }): Promise<Seeded>;
  /** Events of one kind at the given instants. */
  events(m: Seeded, kind: string, at: readonly Date[], data?: Record<string, unknown>): Promise<void>;
  inSandbox(entityId: string, at: Date): Promise<void>;
}

export async function seeder(db: Database, platformId?: string): Promise<Seeder> {
  const pid = platformId ?? uuidv7();
  if (!platformId) await db.orm.execute(sql`insert into platform (id, name, client_id) values (${pid}, ${"p-" + pid}, ${"c-" + pid})`);
  const months = new Set<string>();
  return {
    platformId: pid,
    async merchant(o = {}) {
      const entityId = uuidv7();
      const shopId = uuidv7();
      const n = ++seq;
      const uscc = makeUscc(o.region ?? "510104", 20_000_000 + n + Math.floor(Math.random() * 1_000_000) * 10);
      const region = o.region ?? "510104";
      const address = o.address ?? `${n} Monitoring Road`;
      const category = o.category ?? "food";
      await db.orm.execute(sql`
        insert into entity (id, uscc, name, entity_type, region_code, address, category)
        values (${entityId}, ${uscc}, ${"M" + n}, ${o.entityType ?? "enterprise"}, ${region}, ${address}, ${category})`);
      const record = {
        shopId, name: `shop ${n}`, entityType: o.entityType ?? "enterprise", uscc, regionCode: region, address, category,
        ...(o.licences ? { licences: o.licences } : {}), ...(o.openedAt ? { openedAt: o.openedAt } : {}),
      };
      await db.orm.execute(sql`
        insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, record, licences, created_at)
        values (${shopId}, ${pid}, ${shopId}, ${entityId}, ${record.name}, ${category}, ${region}, ${address}, ${JSON.stringify(record)}::jsonb,
                ${o.licences ? JSON.stringify(o.licences) : null}::jsonb, '2020-01-01T00:00:00Z')`);
      return { entityId, shopId };
    },
    async events(m, kind, at, data = {}) {
      for (const d of at) {
        const month = `${d.toISOString().slice(0, 7)}-01`;
        if (!months.has(month)) {
          await db.orm.execute(sql`select ensure_event_partition(${month}::date)`);
          months.add(month);
        }
      }
      const rows = at.map((d) => ({ i: uuidv7(), p: uuidv7(), o: d.toISOString() }));
      await db.orm.execute(sql`
        insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
        select r.i, ${pid}::uuid, ${m.shopId}::uuid, ${m.entityId}::uuid, 'ev-' || r.p, ${kind}, r.o, r.o, ${uuidv7()}::uuid, ${JSON.stringify(data)}::jsonb
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(i uuid, p text, o timestamptz)`);
    },
    async inSandbox(entityId, at) {
      await db.orm.execute(sql`
        insert into sandbox_membership (entity_id, status, since, last_admitted_at, last_actor, policy_version, region_code, updated_at)
        select id, 'inside', ${at.toISOString()}::timestamptz, ${at.toISOString()}::timestamptz, 'system', 1, region_code, ${at.toISOString()}::timestamptz
        from entity where id = ${entityId}::uuid
        on conflict (entity_id) do update set status = 'inside'`);
    },
  };
}

/** n instants spread evenly over [from, to) before T (days ago). */
export function spread(T: Date, n: number, fromDaysAgo: number, toDaysAgo: number): Date[] {
  const span = (fromDaysAgo - toDaysAgo) * DAY;
  return Array.from({ length: n }, (_, i) => new Date(T.getTime() - toDaysAgo * DAY - ((i + 0.5) * span) / n));
}

/** The monitoring evaluation in a transaction of its own (what classification's hook does). */
export function evaluate(gw: TestGateway, input: Omit<EvaluateInput, "trigger"> & { trigger?: EvaluateInput["trigger"] }): Promise<EvaluateOutcome> {
  return gw.system.deps.db.transaction((tx) => gw.system.monitoring.evaluate(tx, { trigger: "manual", ...input }));
}

export interface WarningRow extends Record<string, unknown> {
  id: string;
  rule_key: string;
  entity_id: string;
  status: string;
  action: string;
  severity: string;
  hit_count: number;
  evidence: { figures: Array<{ metric: Record<string, unknown>; value: unknown; events?: Array<{ platformEventId: string; kind: string; occurredAt: string; platformId: string }> }> };
}

export async function warningsOf(db: Database, entityId: string): Promise<WarningRow[]> {
  return db.rows<WarningRow>(sql`
    select id::text as id, rule_key, entity_id::text as entity_id, status, action, severity, hit_count, evidence
    from warning where entity_id = ${entityId}::uuid order by id`);
}
