// Direct inserts for the relationship tests: entities, shops with hashed identifiers and
// relatedParties, and confirmed violations — without going through HTTP.
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import type { Database } from "../src/db/client.js";
import { makeUscc } from "./exchange-fixtures.js";

export const hex = (s: string) => Buffer.from(s.padEnd(32, "_").slice(0, 32)).toString("hex");

export interface Graph {
  platformId: string;
  entity(o?: { uscc?: string | null; idNumberHash?: string; region?: string; address?: string; riskClass?: string; category?: string }): Promise<string>;
  shop(entityId: string, o?: { lr?: string; phone?: string; relatedParties?: unknown[]; address?: string }): Promise<string>;
  updateShop(shopId: string, o: { lr?: string | null; phone?: string | null; relatedParties?: unknown[] }): Promise<void>;
  violation(entityId: string, shopId: string, occurredAt: string): Promise<void>;
}

let seq = 0;

export async function graph(db: Database): Promise<Graph> {
  const platformId = uuidv7();
  await db.orm.execute(sql`insert into platform (id, name, client_id) values (${platformId}, ${"p-" + platformId}, ${"c-" + platformId})`);
  return {
    platformId,
    async entity(o = {}) {
      const id = uuidv7();
      const uscc = o.uscc === null ? null : (o.uscc ?? (o.idNumberHash ? null : makeUscc("510104", 10_000_000 + ++seq)));
      await db.orm.execute(sql`
        insert into entity (id, uscc, id_number_hash, name, entity_type, region_code, address, category, risk_class)
        values (${id}, ${uscc}, ${o.idNumberHash ?? null}, ${"E" + id.slice(-6)}, ${uscc ? "enterprise" : "individual"},
                ${o.region ?? "510104"}, ${o.address ?? `${++seq} Unique Road`}, ${o.category ?? "food"}, ${o.riskClass ?? null})`);
      return id;
    },
    async shop(entityId, o = {}) {
      const id = uuidv7();
      const record = { shopId: id, ...(o.relatedParties ? { relatedParties: o.relatedParties } : {}) };
      await db.orm.execute(sql`
        insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, legal_representative_hash, phone_hash, record)
        values (${id}, ${platformId}, ${id}, ${entityId}, 'shop', 'food', '510104', ${o.address ?? "x"}, ${o.lr ?? null}, ${o.phone ?? null}, ${JSON.stringify(record)}::jsonb)`);
      return id;
    },
    async updateShop(shopId, o) {
      await db.orm.execute(sql`
        update shop set
          legal_representative_hash = case when ${o.lr !== undefined} then ${o.lr ?? null} else legal_representative_hash end,
          phone_hash = case when ${o.phone !== undefined} then ${o.phone ?? null} else phone_hash end,
          record = case when ${o.relatedParties !== undefined} then jsonb_set(record, '{relatedParties}', ${JSON.stringify(o.relatedParties ?? [])}::jsonb) else record end
        where id = ${shopId}`);
    },
    async violation(entityId, shopId, occurredAt) {
      await db.orm.execute(sql`select ensure_event_partition(${occurredAt.slice(0, 7) + "-01"}::date)`);
      await db.orm.execute(sql`
        insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
        values (${uuidv7()}, ${platformId}, ${shopId}, ${entityId}, ${uuidv7()}, 'violation_confirmed', ${occurredAt}::timestamptz,
                ${occurredAt}::timestamptz, ${uuidv7()}, '{"severity":"general"}'::jsonb)`);
    },
  };
}

export async function links(db: Database): Promise<Array<{ a: string; b: string; kind: string; source: string; evidence: string }>> {
  return db.rows(sql`select entity_a as a, entity_b as b, kind, source, evidence from entity_link order by entity_a, entity_b, kind`);
}
