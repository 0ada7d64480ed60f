// publish / publishToEntityPlatforms / the feed query, straight on the database (both
// backends). The concurrent-writer test needs real parallel transactions: PostgreSQL only.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "uuidv7";
import { systemClock } from "../../clock.js";
import { entity, shop } from "../../db/schema/entity.js";
import { platform } from "../../db/schema/platform.js";
import { createEnqueueMany, JobRegistry } from "../../jobs/index.js";
import { createTestDatabase, usingPostgres, type TestDatabase } from "../../../test/support/db.js";
import { decodeCursor, encodeCursor, feedCaughtUp, readFeed, START_CURSOR, type FeedMessage } from "./feed.js";
import { createPublish, createPublishToEntityPlatforms, WEBHOOK_DELIVER_JOB } from "./publish.js";
import { webhookDeliverJob } from "./webhook-job.js";
import { AppError } from "../../http/errors.js";

let t: TestDatabase;
const registry = new JobRegistry();
const enqueueMany = createEnqueueMany({ clock: systemClock, registry });
const publish = createPublish({ clock: systemClock, enqueueMany });
const publishToEntityPlatforms = createPublishToEntityPlatforms({ clock: systemClock, enqueueMany });

beforeAll(async () => {
  t = await createTestDatabase();
  registry.define(webhookDeliverJob({ db: t.db, clock: systemClock, signer: {} as never, logger: { info() {}, warn() {} } }));
});
afterAll(async () => t?.db.close());

async function addPlatform(webhookUrl: string | null = null): Promise<string> {
  const [p] = await t.db.orm
    .insert(platform)
    .values({ name: `p-${randomBytes(4).toString("hex")}`, clientId: `c-${randomBytes(6).toString("hex")}`, webhookUrl })
    .returning({ id: platform.id });
  return p!.id;
}

async function addEntityWithShops(platformIds: string[]): Promise<string> {
  const [e] = await t.db.orm
    .insert(entity)
    .values({ name: "E", entityType: "enterprise", regionCode: "510104", address: "a", category: "food" })
    .returning({ id: entity.id });
  if (platformIds.length > 0) {
    await t.db.orm.insert(shop).values(
      platformIds.map((platformId) => ({
        platformId,
        platformShopId: `s-${randomBytes(4).toString("hex")}`,
        entityId: e!.id,
        name: "S",
        category: "food",
        regionCode: "510104",
        address: "a",
        record: {},
      })),
    );
  }
  return e!.id;
}

/** Waits (bounded) until what was committed is visible: on PostgreSQL other databases' transactions hold the horizon. */
async function caughtUp(): Promise<void> {
  for (let i = 0; !(await feedCaughtUp(t.db)); i++) {
    if (i > 500) throw new Error("feed horizon did not pass the last write within 10 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function readAll(platformId: string, pageSize: number): Promise<FeedMessage[]> {
  await caughtUp();
  const out: FeedMessage[] = [];
  let after = START_CURSOR;
  for (;;) {
    const page = await readFeed(t.db, platformId, after, pageSize);
    out.push(...page.messages);
    after = decodeCursor(page.nextCursor);
    if (!page.hasMore) return out;
  }
}

const count = async (q: ReturnType<typeof sql>) => Number((await t.db.rows<{ n: number }>(q))[0]!.n);

describe("cursor", () => {
  it("round-trips and rejects anything that is not its own encoding", () => {
    const c = { txId: "18446744073709551615", seq: "9223372036854775807" };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    const bad = ["", "!!", "abc", Buffer.from("1.2.3").toString("base64url"), Buffer.from("-1.2").toString("base64url"),
      Buffer.from("01.2").toString("base64url"), Buffer.from("18446744073709551616.1").toString("base64url"),
      Buffer.from("1.9223372036854775808").toString("base64url"), `${encodeCursor({ txId: "1", seq: "2" })}=`];
    for (const b of bad) expect(() => decodeCursor(b), b).toThrowError(AppError);
  });
});

describe("publish", () => {
  it("writes one message per input, a delivery and a job only for platforms with a webhook URL", async () => {
    const withHook = await addPlatform("http://127.0.0.1:9/hook");
    const without = await addPlatform();
    const before = await count(sql`select count(*)::int as n from outbox where job = ${WEBHOOK_DELIVER_JOB}`);
    await t.db.transaction((tx) =>
      publish(tx, [
        { platformId: withHook, type: "batch.processed", data: { batchId: "b1" } },
        { platformId: without, type: "batch.processed", data: { batchId: "b2" } },
        { platformId: withHook, type: "batch.processed", data: { batchId: "b3" } },
      ]),
    );
    expect((await readAll(withHook, 10)).map((m) => m.data.batchId)).toEqual(["b1", "b3"]);
    expect((await readAll(without, 10)).map((m) => m.data.batchId)).toEqual(["b2"]);
    expect(await count(sql`select count(*)::int as n from webhook_delivery where platform_id = ${withHook} and status = 'pending'`)).toBe(2);
    expect(await count(sql`select count(*)::int as n from webhook_delivery where platform_id = ${without}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from outbox where job = ${WEBHOOK_DELIVER_JOB}`)).toBe(before + 2);
  });

  it("rolls back with the caller's transaction", async () => {
    const p = await addPlatform("http://127.0.0.1:9/hook");
    await expect(
      t.db.transaction(async (tx) => {
        await publish(tx, [{ platformId: p, type: "batch.processed", data: {} }]);
        throw new Error("caller fails");
      }),
    ).rejects.toThrow("caller fails");
    expect(await readAll(p, 10)).toEqual([]);
    expect(await count(sql`select count(*)::int as n from webhook_delivery where platform_id = ${p}`)).toBe(0);
  });

  it("refuses an unknown message type", async () => {
    const p = await addPlatform();
    await expect(t.db.transaction((tx) => publish(tx, [{ platformId: p, type: "nope" as never, data: {} }]))).rejects.toThrow(/unknown outbound message type/);
  });
});

describe("publishToEntityPlatforms", () => {
  it("reaches exactly the platforms with shops for the entity, once each", async () => {
    const [a, b, c] = [await addPlatform("http://127.0.0.1:9/a"), await addPlatform(), await addPlatform()];
    const shared = await addEntityWithShops([a, a, b]); // a has two shops for it
    const onlyC = await addEntityWithShops([c]);
    const orphan = await addEntityWithShops([]);
    await t.db.transaction((tx) =>
      publishToEntityPlatforms(tx, [
        { entityId: shared, type: "classification.changed", data: { to: "C" } },
        { entityId: onlyC, type: "sandbox.admitted", data: {} },
        { entityId: orphan, type: "sandbox.removed", data: {} },
      ]),
    );
    const [fa, fb, fc] = [await readAll(a, 10), await readAll(b, 10), await readAll(c, 10)];
    expect(fa.map((m) => [m.type, m.entityId])).toEqual([["classification.changed", shared]]);
    expect(fb.map((m) => [m.type, m.entityId])).toEqual([["classification.changed", shared]]);
    expect(fc.map((m) => [m.type, m.entityId])).toEqual([["sandbox.admitted", onlyC]]);
    expect(fa[0]!.id).not.toBe(fb[0]!.id);
    expect(fa[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await count(sql`select count(*)::int as n from outbound_message where entity_id = ${orphan}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from webhook_delivery where platform_id = ${a}`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from webhook_delivery where platform_id in (${b}, ${c})`)).toBe(0);
  });
});

describe("feed", () => {
  it("resumes from every cursor of a full read with the same suffix: no gaps, no repeats", async () => {
    const p = await addPlatform();
    const other = await addPlatform();
    for (let i = 0; i < 5; i++) {
      await t.db.transaction((tx) =>
        publish(tx, [
          ...Array.from({ length: 7 }, (_, j) => ({ platformId: p, type: "batch.processed" as const, data: { n: i * 7 + j } })),
          { platformId: other, type: "batch.processed" as const, data: { n: -1 } },
        ]),
      );
    }
    const full = await readAll(p, 1000);
    expect(full.map((m) => m.data.n)).toEqual(Array.from({ length: 35 }, (_, i) => i));
    for (const size of [1, 3, 35]) expect(await readAll(p, size)).toEqual(full);
    await caughtUp();
    for (let i = 0; i < full.length; i++) {
      const page = await readFeed(t.db, p, decodeCursor(full[i]!.cursor), 1000);
      expect(page.messages).toEqual(full.slice(i + 1));
    }
    const end = await readFeed(t.db, p, decodeCursor(full.at(-1)!.cursor), 10);
    expect(end).toEqual({ messages: [], nextCursor: full.at(-1)!.cursor, hasMore: false });
    const empty = await readFeed(t.db, await addPlatform(), START_CURSOR, 10);
    expect(empty).toEqual({ messages: [], nextCursor: encodeCursor(START_CURSOR), hasMore: false });
  });

  it("uses the (platform_id, tx_id, seq) index", async () => {
    const plan = await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return t.db.rows<Record<string, string>>(
        sql`explain select id from outbound_message where platform_id = ${uuidv7()}
            and tx_id < pg_snapshot_xmin(pg_current_snapshot()) and (tx_id, seq) > ('5'::xid8, 1::bigint)
            order by tx_id, seq limit 10`,
        tx,
      );
    });
    const text = plan.map((r) => Object.values(r).join(" ")).join("\n");
    expect(text).toMatch(/Index.*outbound_message_feed/);
    expect(text).not.toMatch(/Sort/);
  });

  it.skipIf(!usingPostgres())("never skips a message when writers commit out of order", async () => {
    const p = await addPlatform();
    const gate = () => {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      return { open, opened };
    };
    const aWrote = gate();
    const bCommitted = gate();
    const seen: FeedMessage[] = [];
    let cursor = START_CURSOR;
    const poll = async () => {
      const page = await readFeed(t.db, p, cursor, 1000);
      seen.push(...page.messages);
      cursor = decodeCursor(page.nextCursor);
      return page.messages.map((m) => m.data.w);
    };
    // A writes first (lower seq) but commits last; B writes and commits meanwhile.
    const a = t.db.transaction(async (tx) => {
      await publish(tx, [{ platformId: p, type: "batch.processed", data: { w: "a" } }]);
      aWrote.open();
      await bCommitted.opened;
    });
    await aWrote.opened;
    await t.db.transaction((tx) => publish(tx, [{ platformId: p, type: "batch.processed", data: { w: "b" } }]));
    // B is committed but A (older) still runs: B must not be shown yet, or A would land behind the cursor.
    expect(await poll()).toEqual([]);
    bCommitted.open();
    await a;
    await caughtUp();
    expect(await poll()).toEqual(["a", "b"]);
    // C takes its transaction id first (so it sorts before D), writes after D commits.
    const cStarted = gate();
    const dCommitted = gate();
    const c = t.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_current_xact_id()`);
      cStarted.open();
      await dCommitted.opened;
      await publish(tx, [{ platformId: p, type: "batch.processed", data: { w: "c" } }]);
    });
    await cStarted.opened;
    await t.db.transaction((tx) => publish(tx, [{ platformId: p, type: "batch.processed", data: { w: "d" } }]));
    expect(await poll()).toEqual([]);
    dCommitted.open();
    await c;
    await caughtUp();
    expect(await poll()).toEqual(["c", "d"]);
    expect(seen.map((m) => m.data.w)).toEqual(["a", "b", "c", "d"]);
    expect(await readAll(p, 2)).toEqual(seen);
  });
});
