// A new member of an address cluster asks for every other member to be scored again, but the
// model reads the cluster's size through a few bins and a rule through its threshold: a member
// is classified again only when its new relationship values change what the model or a rule
// reads. Everything enters through the signed exchange API; what users see is read back through
// the regulator API (warnings, screening tags).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeFeatures } from "../src/classification/features.js";
import { getActiveModel } from "../src/classification/models.js";
import { scoreEntity } from "../src/scoring/index.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { rescoresSettled } from "./support/rescores.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { regulatorCall } from "./notices-fixtures.js";
import { makeUscc, merchant } from "./exchange-fixtures.js";
import { hex } from "./relationships-fixtures.js";

let gw: TestGateway;
let p: OnboardedPlatform;
let officer: LoggedInRegulator;

beforeAll(async () => {
  gw = await startTestGateway();
  p = await onboardPlatform(gw, { name: "Cluster platform" });
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
});
afterAll(async () => gw?.close());

const ADDRESS = "18 Renmin South Road, Wuhou, Chengdu";
/** Identical merchants at one address, each with its own legal representative. */
const member = (k: number) =>
  merchant(`member-${k}`, { uscc: makeUscc("510107"), regionCode: "510107", category: "apparel", address: ADDRESS, legalRepresentativeHash: hex(`rep-${k}`) });

async function send(k: number): Promise<string> {
  const res = await p.signedRequest("/v1/merchants/batch", { records: [member(k)] });
  const body = (await res.json()) as { results: Array<{ status: string; entityId?: string }> };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.results[0]!.status).toBe("accepted");
  await rescoresSettled(gw);
  return body.results[0]!.entityId!;
}

async function json<T>(res: Response): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

describe("members of a growing address cluster", () => {
  it("are classified again only when the model or a rule reads their new relationship values differently", async () => {
    const db = gw.system.deps.db;
    const first = await send(1);
    const classifications = async () =>
      Number((await db.rows<{ n: number }>(sql`select count(*)::int as n from classification where entity_id = ${first}::uuid`))[0]!.n);
    const clusterWarnings = async () =>
      (await json<{ warnings: unknown[] }>(await regulatorCall(gw, officer, "GET", `/v1/regulator/warnings?entity=${first}&rule=address.abnormal_cluster`))).warnings.length;
    const taggedOthers = async () => {
      const page = await json<{ rows: Array<{ entityId: string; tags: Record<string, unknown> }> }>(
        await regulatorCall(gw, officer, "POST", "/v1/regulator/screenings/run", { conditions: { all: [{ item: "same_address_entities", op: "gt", value: -1 }] }, limit: 100 }),
      );
      return page.rows.find((r) => r.entityId === first)?.tags.same_address_entities;
    };
    expect(await classifications()).toBe(1);

    // Others at the address when the k-th member arrives, and whether the first member is then
    // classified again (expert model: same_address_entities 0 | 1-5 | 6+, related_entities
    // 0 | 1-3 | 4+, related_worst_class by class; the built-in cluster rule at >= 5 others).
    const steps: Array<{ k: number; others: number; again: boolean; why: string }> = [
      { k: 2, others: 1, again: true, why: "first relative: every relationship feature changes state" },
      { k: 3, others: 2, again: false, why: "2 others: same bins, rule not reached" },
      { k: 4, others: 3, again: false, why: "3 others: same bins" },
      { k: 5, others: 4, again: true, why: "4 related entities: related_entities moves to 4+" },
      { k: 6, others: 5, again: true, why: "5 others: the cluster rule's threshold" },
      { k: 7, others: 6, again: true, why: "6 others: same_address_entities moves to 6+" },
      { k: 8, others: 7, again: false, why: "7 others: same bins, rule already met" },
    ];
    for (const step of steps) {
      const before = await classifications();
      await send(step.k);
      expect(await classifications(), step.why).toBe(before + (step.again ? 1 : 0));
      // Either way, screenings see the cluster as it is now.
      expect(await taggedOthers(), step.why).toBe(step.others);
      // And what the first member shows is what classifying it now would give.
      const model = await getActiveModel(db.orm);
      const now = scoreEntity(model.compiled, (await computeFeatures(db.orm, [first], gw.clock.now())).get(first)!);
      const [kept] = await db.rows<{ c: string; p: number }>(sql`select risk_class as c, probability as p from entity where id = ${first}::uuid`);
      expect(kept!.c, step.why).toBe(now.class);
      expect(kept!.p, step.why).toBeCloseTo(now.p, 12);
      expect(await clusterWarnings(), step.why).toBe(step.others >= 5 ? 1 : 0);
    }
  });

  it("a member scored by another model than the active one is classified again", async () => {
    const db = gw.system.deps.db;
    const [{ id: first }] = (await db.rows<{ id: string }>(sql`select entity_id::text as id from shop where platform_shop_id = 'member-1'`)) as [{ id: string }];
    const count = async () => Number((await db.rows<{ n: number }>(sql`select count(*)::int as n from classification where entity_id = ${first}::uuid`))[0]!.n);
    const before = await count();
    // As if another model had scored it: the recorded states mean nothing to the active one.
    await db.orm.execute(sql`update entity set model_version = 'an-older-model' where id = ${first}::uuid`);
    await send(9);
    expect(await count()).toBe(before + 1);
  });
});
