// The history-load verbs against a real database (PGlite, or PostgreSQL with DATABASE_URL):
// operators only, each chunk through the ingestion verbs as an operator's batch with the
// checkpoint in its transaction, no per-entity rescore, no message to the platform.
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { complaint, merchant } from "../../../test/exchange-fixtures.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.js";
import type { Actor } from "../../auth/actor.js";
import { ManualClock } from "../../clock.js";
import { platform } from "../../db/schema/platform.js";
import { createEnqueueMany, JobRegistry } from "../../jobs/index.js";
import { createLogger } from "../../logger.js";
import type { ExchangeDeps } from "../context.js";
import { specRecordValidators } from "../index.js";
import type { OutboundMessage } from "../outbound/types.js";
import { rescoreJob } from "../rescore-job.js";
import { createHistoryOps, type HistoryOps } from "./index.js";

let t: TestDatabase;
let ops: HistoryOps;
let platformId: string;
const published: OutboundMessage[] = [];
const clock = new ManualClock("2026-01-10T00:00:00Z");
const operator: Actor = { kind: "cli" };
const sha = "cd".repeat(32);

beforeAll(async () => {
  t = await createTestDatabase();
  const deps: ExchangeDeps = {
    db: t.db,
    clock,
    logger: createLogger("silent"),
    enqueueMany: createEnqueueMany({ clock, registry: new JobRegistry().define(rescoreJob()) }),
    kick: () => {},
    signer: { signCompact: () => Promise.reject(new Error("an operator's batch has no receipt")) },
    publish: async (_tx, messages) => void published.push(...messages),
  };
  ops = createHistoryOps(deps, specRecordValidators());
  platformId = uuidv7();
  await t.db.orm.insert(platform).values({ id: platformId, name: "History Unit", clientId: `c-${platformId}` });
});
afterAll(async () => {
  await t?.drop();
});

const count = async (q: ReturnType<typeof sql>) => Number((await t.db.rows<{ n: number }>(q))[0]!.n);
const file = (fingerprint: string, fileSize = 1000) => ({ platformId, records: "merchants" as const, format: "ndjson" as const, fileName: "m.ndjson", fileSize, fingerprint });

describe("history loads", () => {
  it("are for operators only", async () => {
    const platformActor: Actor = { kind: "platform", platformId, clientId: "c", scopes: ["merchants:write", "events:write"] };
    const regulator: Actor = { kind: "regulator", userId: uuidv7(), role: "admin", regionPrefix: "" };
    for (const actor of [platformActor, regulator]) {
      await expect(ops.begin(actor, file("f0"))).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(ops.chunk(actor, { loadId: uuidv7(), fromOffset: 0, toOffset: 1, nextLine: 2, bodySha256: sha, records: [], unreadable: 1 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(ops.begin(operator, { ...file("f0"), platformId: uuidv7() })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("store each chunk as an operator's batch with the checkpoint, asking no rescore and telling the platform nothing", async () => {
    const load = await ops.begin(operator, file("f1", 300));
    expect(await ops.begin(operator, file("f1", 300))).toMatchObject({ loadId: load.loadId, status: "loading", nextOffset: 0 });

    const out = await ops.chunk(operator, {
      loadId: load.loadId, fromOffset: 0, toOffset: 200, nextLine: 4, bodySha256: sha, unreadable: 1,
      records: [merchant("hv-1"), { ...merchant("hv-2"), regionCode: "x" }],
    });
    expect(out).toMatchObject({ accepted: 1, duplicates: 0, rejected: 1, errors: [{ index: 1, code: "VALIDATION_FAILED", pointer: "/records/1/regionCode" }] });
    expect(out.load).toMatchObject({ nextOffset: 200, nextLine: 4, rowsRead: 3, accepted: 1, rejected: 2, batches: 1 });
    expect(await t.db.rows(sql`select source, signature, kid, receipt, history_load_id, body_sha256 from batch`)).toEqual([
      { source: "operator", signature: null, kid: null, receipt: null, history_load_id: load.loadId, body_sha256: sha },
    ]);
    expect(await count(sql`select count(*)::int as n from outbox`)).toBe(0);
    expect(published).toEqual([]);

    // A chunk that does not start at the checkpoint (a second loader, a replay) stores nothing.
    await expect(ops.chunk(operator, { loadId: load.loadId, fromOffset: 0, toOffset: 200, nextLine: 4, bodySha256: sha, unreadable: 0, records: [merchant("hv-3")] })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(ops.finish(operator, { loadId: load.loadId })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await count(sql`select count(*)::int as n from shop where platform_shop_id = 'hv-3'`)).toBe(0);

    const end = await ops.chunk(operator, { loadId: load.loadId, fromOffset: 200, toOffset: 300, nextLine: 5, bodySha256: sha, unreadable: 0, records: [complaint("x", "y")] });
    expect(end).toMatchObject({ rejected: 1, errors: [{ code: "VALIDATION_FAILED" }] }); // an event is not a merchant record
    expect(await ops.finish(operator, { loadId: load.loadId })).toMatchObject({ status: "done", rowsRead: 4, accepted: 1, rejected: 3, batches: 2 });
    // The same file again is the load already done; --restart starts a new one.
    expect(await ops.begin(operator, file("f1", 300))).toMatchObject({ loadId: load.loadId, status: "done" });
    const again = await ops.begin(operator, { ...file("f1", 300), restart: true });
    expect(again).toMatchObject({ status: "loading", nextOffset: 0 });
    expect(again.loadId).not.toBe(load.loadId);
  });
});
