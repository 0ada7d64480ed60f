// The Idempotency-Key wrapper on a tiny app over a real database: which answers are stored and
// replayed, which release the claim, and that headers (signatures) are not part of the hash.
import { Hono } from "hono";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { createLogger } from "../logger.js";
import type { AppEnv } from "./context.js";
import { AppError } from "./errors.js";
import { idempotency, deleteExpiredIdempotencyRecords, requestHash } from "./idempotency.js";
import { idempotencyRecord } from "../db/schema/idempotency.js";
import { onError } from "./middleware.js";
import type { Operation } from "./spec.js";

let t: TestDatabase;
const clock = new ManualClock("2026-01-01T00:00:00Z");
let runs = 0;
let answer: () => Response | never = () => new Response("{}");

const op = { operationId: "postThing", method: "post", path: "/thing", definition: { parameters: [{ $ref: "#/components/parameters/IdempotencyKey" }] } } as unknown as Operation;
let app: Hono<AppEnv>;

beforeAll(async () => {
  t = await createTestDatabase();
  const wrap = idempotency({ db: t.db, clock });
  app = new Hono<AppEnv>();
  app.onError(onError);
  app.post("/thing", async (c) => {
    c.set("requestId", "r");
    c.set("log", createLogger("silent"));
    c.set("principal", { kind: "platform", platformId: c.req.header("x-platform") ?? "p1", clientId: "c", scopes: [] });
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    return wrap(c, op, { body: undefined, query: {}, params: {}, rawBody, mediaType: "application/json" }, async () => {
      runs++;
      return answer();
    });
  });
});
afterAll(async () => {
  await t?.drop();
});

const send = (key: string, body: string, headers: Record<string, string> = {}) =>
  app.request("/thing", { method: "POST", body, headers: { "idempotency-key": key, ...headers } });

describe("idempotency wrapper", () => {
  it("replays a 2xx with its content type, whatever the other headers", async () => {
    answer = () => new Response(JSON.stringify({ n: runs }), { status: 201, headers: { "content-type": "application/json", "x-other": "1" } });
    const first = await send("a", "{}", { "x-jws-signature": "one" });
    const again = await send("a", "{}", { "x-jws-signature": "two" });
    expect(runs).toBe(1);
    expect(again.status).toBe(201);
    expect(again.headers.get("content-type")).toBe("application/json");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe(await first.text());
  });

  it("stores a 4xx thrown by the handler and replays it", async () => {
    runs = 0;
    answer = () => {
      throw new AppError("NOT_FOUND", "nothing here");
    };
    expect((await send("b", "{}")).status).toBe(404);
    const again = await send("b", "{}");
    expect(again.status).toBe(404);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(runs).toBe(1);
  });

  it("releases the claim on 5xx, thrown errors, 409 and 429 so the retry runs", async () => {
    for (const make of [
      () => new Response("oops", { status: 503 }),
      () => {
        throw new Error("boom");
      },
      () => {
        throw new AppError("RATE_LIMITED", "slow down");
      },
      () => {
        throw new AppError("CONFLICT", "busy");
      },
    ]) {
      runs = 0;
      answer = make;
      const key = `c-${Math.random()}`;
      expect((await send(key, "{}")).status).toBeGreaterThanOrEqual(409);
      expect((await send(key, "{}")).headers.get("idempotent-replayed")).toBeNull();
      expect(runs).toBe(2);
    }
  });

  it("separates callers and takes a key afresh once it expired", async () => {
    runs = 0;
    answer = () => new Response("ok");
    await send("d", "{}");
    await send("d", "{}", { "x-platform": "p2" });
    expect(runs).toBe(2);
    expect((await send("d", "other body")).status).toBe(422);
    clock.advance(86_400_000 + 1);
    expect((await send("d", "other body")).status).toBe(200);
    expect(runs).toBe(3);
    expect(await deleteExpiredIdempotencyRecords(t.db, clock.now())).toBeGreaterThan(0);
    const left = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from idempotency_record where expires_at <= ${clock.now().toISOString()}::timestamptz`);
    expect(left[0]!.n).toBe(0);
  });

  it("answers 409 while another live session holds a claim, and takes over one whose session is gone or whose request here ended", async () => {
    runs = 0;
    answer = () => new Response("done");
    const body = "{}";
    const hash = requestHash("POST", "/thing", new TextEncoder().encode(body));
    const claim = (key: string, owner: string) =>
      t.db.orm.insert(idempotencyRecord).values({
        scope: "platform:p1", key, requestHash: hash, state: "in_flight", owner,
        createdAt: clock.now(), lockedUntil: new Date(clock.now().getTime() + 60_000), expiresAt: new Date(clock.now().getTime() + 86_400_000),
      });
    if (t.url) {
      // Another process (here: a second handle) still connected: its request may still run.
      const other = await t.reopen();
      try {
        await other.ping();
        await claim("held-elsewhere", other.sessionTag);
        expect((await send("held-elsewhere", body)).status).toBe(409);
      } finally {
        await other.close();
      }
    }
    // A session the database does not know (its process was killed): taken over at once.
    await claim("killed", "csg-killed-process");
    const res = await send("killed", body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("done");
    // This session, but no request of ours runs under it (its release failed): taken over too.
    await claim("left-behind", t.db.sessionTag);
    expect((await send("left-behind", body)).status).toBe(200);
    expect(runs).toBe(2);
    expect((await send("killed", body)).headers.get("idempotent-replayed")).toBe("true");
  });
});
