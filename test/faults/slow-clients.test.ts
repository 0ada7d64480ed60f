// Slow and hostile clients against a real gateway process. At once: slowloris connections
// sending their headers a byte at a time, connections that send nothing, a signed batch whose
// 10 MB body comes at 1 KB/s, a client that asks for the spec thirty times over and never
// reads, idle keep-alive connections and an oversized header block. Meanwhile a well-behaved
// client keeps asking GET /healthz: its p99 stays under 100 ms, every hostile connection is
// closed by the server within its configured limit (timeouts shortened here through the
// gateway's HTTP_* environment), and the server's connection count returns to what it was.
// Then one address opening more connections than its cap gets exactly the excess refused.
// The trickled batch was answered 408 and never acknowledged; sent again at full speed with
// the same Idempotency-Key it is accepted whole, and stored once.
//
// Runs on the suite's backend (PostgreSQL + a Redis of its own, or the embedded default).
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventRecord, GatewayClient, MerchantRecord } from "@credit-sandbox/sdk";
import { makeUscc } from "../exchange-fixtures.js";
import { TEST_METRICS_TOKEN } from "../support/gateway.js";
import { createFaultBackend, killableGateway, sdkClient, sleep, type FaultBackend, type KillableGateway } from "./harness.js";
import { drip, percentile, politeClient, politeWorker, probe, trickle, until, type Probe } from "./hostile-clients.js";

const HEADERS_MS = 2_000;
const KEEP_ALIVE_MS = 1_000;
const BODY_MS = 2_500;
const STALL_MS = 2_000;
const CAP = 150;
const LIMITS = {
  HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
  HTTP_REQUEST_TIMEOUT_MS: "10000",
  HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
  HTTP_BODY_TIMEOUT_MS: String(BODY_MS),
  HTTP_WRITE_STALL_TIMEOUT_MS: String(STALL_MS),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: String(CAP),
};
/** Node checks the header/request timeouts on this interval (server-limits.ts: a tenth of the shorter). */
const CHECK_MS = HEADERS_MS / 10;
/** Node keeps an idle keep-alive connection 1 s past the advertised timeout (against races with clients). */
const KEEP_ALIVE_BUFFER_MS = 1_000;
/** Scheduling slack on a loaded 2-core machine. */
const SLACK_MS = 1_500;
const SLOWLORIS = 100;
const SILENT = 10;
const IDLE_KEEP_ALIVE = 20;
const PIPELINED = 30;
const EVENTS = 40;

let backend: FaultBackend;
let gw: KillableGateway;
let port: number;
let client: GatewayClient;

beforeAll(async () => {
  backend = await createFaultBackend("csg-fault-slow-", 1);
  gw = await killableGateway(backend.env, LIMITS);
  await gw.start();
  port = Number(new URL(gw.url).port);
  client = await sdkClient(gw.url, backend.platforms[0]!);
  await client.submitMerchants([shop()]);
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await backend?.close();
});

function shop(): MerchantRecord {
  return { shopId: "slow-shop", name: "慢速店铺", entityType: "enterprise", uscc: makeUscc("510104", 81_000_001), regionCode: "510104", address: "成都市锦江区红星路 1 号", category: "food" };
}

const events = (): EventRecord[] =>
  Array.from({ length: EVENTS }, (_, i) => ({ eventId: `slow-${i}`, shopId: "slow-shop", kind: "complaint", occurredAt: "2026-11-20T08:00:00Z", data: { channel: "platform", reason: "虚假宣传" } }) as EventRecord);

interface Gauges {
  open: number;
  closed: Record<string, number>;
}

async function gauges(get: ReturnType<typeof politeClient>["get"]): Promise<Gauges> {
  const { body } = await get("/metrics", { authorization: `Bearer ${TEST_METRICS_TOKEN}` });
  const open = Number(/^csg_http_connections_open (\d+)/m.exec(body)?.[1]);
  const closed: Record<string, number> = {};
  for (const m of body.matchAll(/^csg_http_connections_closed_by_limit\{reason="([a-z_]+)"\} (\d+)/gm)) closed[m[1]!] = Number(m[2]);
  return { open, closed };
}

/** GET /healthz every 5 ms on a thread of its own while `work` runs; the latencies, all answered 200. */
async function politeDuring<T>(work: () => Promise<T>): Promise<{ result: T; latencies: number[] }> {
  const polite = politeWorker(gw.url, "/healthz", 5);
  await polite.ready;
  const settled = await Promise.allSettled([work()]);
  const samples = await polite.stop();
  if (settled[0].status === "rejected") throw settled[0].reason;
  const result = settled[0].value;
  expect(samples.filter((s) => s.status !== 200)).toEqual([]);
  return { result, latencies: samples.map((s) => s.ms) };
}

const statusLine = (p: Probe) => p.received().split("\r\n", 1)[0];

describe(`slow and hostile clients (${process.env.DATABASE_URL ? "PostgreSQL + Redis" : "embedded PGlite"})`, () => {
  it("closes every hostile connection within its limit while a polite client keeps p99 < 100 ms, and loses no batch", async () => {
    const polite = politeClient(gw.url);
    const before = await gauges(polite.get);
    // The polite client's own connection.
    expect(before.open).toBe(1);
    const token = await client.accessToken();
    const hostile = "127.0.0.2";

    const attack = async () => {
      // Slowloris: a request line, then a header a byte every 250 ms, never finished.
      const slowloris = await Promise.all(Array.from({ length: SLOWLORIS }, () => probe(port, hostile)));
      for (const p of slowloris) {
        p.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        trickle(p, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 250);
      }
      const silent = await Promise.all(Array.from({ length: SILENT }, () => probe(port, hostile)));

      // A signed batch declared at 10 MB, sent at 1 KB/s.
      const body = await probe(port, hostile);
      body.socket.write(
        [
          "POST /v1/events/batch HTTP/1.1",
          "Host: 127.0.0.1",
          `Authorization: Bearer ${token}`,
          "Content-Type: application/json",
          "Content-Length: 10000000",
          "Idempotency-Key: slow-batch",
          "X-JWS-Signature: eyJhbGciOiJFUzI1NiJ9..c2ln",
          "",
          "",
        ].join("\r\n"),
      );
      const bodySentAt = performance.now();
      body.socket.write(`{"records":${JSON.stringify(events()).slice(0, 200)}`);
      drip(body, Buffer.alloc(256, 0x20), 250);

      // Thirty pipelined requests for the spec, never read.
      const reader = await probe(port, hostile, false);
      reader.socket.write("GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(PIPELINED));
      reader.socket.pause();

      // Keep-alive connections: one request each, answered, then idle.
      const idle = await Promise.all(Array.from({ length: IDLE_KEEP_ALIVE }, () => probe(port, hostile)));
      for (const p of idle) p.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      const answeredAt = await Promise.all(idle.map(async (p) => (expect(await until(p, '{"status":"ok"}', 5_000)).toBe(true), performance.now())));

      // An oversized header block (the limit is 16 KiB).
      const big = await probe(port, hostile);
      big.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`);

      // The 408 for the trickled body, then the server closes that connection.
      expect(await until(body, "\r\n\r\n", BODY_MS + SLACK_MS + 1_000)).toBe(true);
      const answeredAfter = performance.now() - bodySentAt;
      await Promise.all([...slowloris, ...silent, body, ...idle, big].map((p) => p.closed));
      return { slowloris, silent, body, bodySentAt, answeredAfter, reader, idle, answeredAt, big };
    };
    const { result: a, latencies } = await politeDuring(attack);

    // Slowloris and silent connections: 408 and closed once the header timeout passed.
    for (const p of [...a.slowloris, ...a.silent]) {
      expect(statusLine(p)).toBe("HTTP/1.1 408 Request Timeout");
      expect(p.closedAfterMs()).toBeGreaterThanOrEqual(HEADERS_MS - 50);
      expect(p.closedAfterMs()).toBeLessThanOrEqual(HEADERS_MS + CHECK_MS + SLACK_MS);
    }
    // The trickled body: a 408 problem+json once the body timeout passed, connection closed.
    const head = a.body.received();
    expect(statusLine(a.body)).toBe("HTTP/1.1 408 Request Timeout");
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(head).toMatch(/connection: close/i);
    expect(JSON.parse(head.slice(head.indexOf("\r\n\r\n") + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ""))).toMatchObject({ status: 408, code: "REQUEST_TIMEOUT" });
    expect(a.answeredAfter).toBeGreaterThanOrEqual(BODY_MS - 100);
    expect(a.answeredAfter).toBeLessThanOrEqual(BODY_MS + SLACK_MS);
    expect(a.body.closedAfterMs()! - (a.bodySentAt - a.body.openedAt)).toBeLessThanOrEqual(a.answeredAfter + 1_000);
    // Idle keep-alive connections: closed after the keep-alive timeout (plus Node's buffer).
    a.idle.forEach((p, i) => {
      const idleFor = p.openedAt + p.closedAfterMs()! - a.answeredAt[i]!;
      expect(idleFor).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 50);
      expect(idleFor).toBeLessThanOrEqual(KEEP_ALIVE_MS + KEEP_ALIVE_BUFFER_MS + SLACK_MS);
    });
    // The oversized header block: 431 at once.
    expect(statusLine(a.big)).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(a.big.closedAfterMs()).toBeLessThanOrEqual(SLACK_MS);

    // The reader that never reads: the server gives up on its stalled responses; the server's
    // view is back to the polite client's one connection.
    let after = await gauges(polite.get);
    for (let i = 0; i < 100 && (after.open !== 1 || after.closed.write_stall !== 1); i++) {
      await sleep(100);
      after = await gauges(polite.get);
    }
    const stalledBy = performance.now() - a.reader.openedAt;
    expect(after.open).toBe(1);
    expect(stalledBy).toBeLessThanOrEqual(STALL_MS + 2 * SLACK_MS);
    expect(after.closed).toEqual({ request_timeout: SLOWLORIS + SILENT, header_too_large: 1, bad_request: 0, write_stall: 1, address_cap: 0 });
    // Reading now, it gets part of what it asked for, then the end of a connection the server closed.
    const specBytes = (await polite.get("/openapi.json")).body.length;
    a.reader.socket.resume();
    await Promise.race([a.reader.closed, sleep(5_000)]);
    expect(a.reader.closedAfterMs()).toBeDefined();
    expect(a.reader.receivedBytes()).toBeLessThan(PIPELINED * specBytes);

    const p99 = percentile(latencies, 99);
    console.log(JSON.stringify({ scenario: "slow-clients", backend: backend.kind, politeRequests: latencies.length, p50Ms: +percentile(latencies, 50).toFixed(1), p99Ms: +p99.toFixed(1), maxMs: +Math.max(...latencies).toFixed(1), closed: after.closed, slowBody408AfterMs: Math.round(a.answeredAfter), stalledReaderClosedWithinMs: Math.round(stalledBy), readerGotBytes: a.reader.receivedBytes(), askedBytes: PIPELINED * specBytes }));
    expect(latencies.length).toBeGreaterThan(50);
    expect(p99).toBeLessThan(100);

    // Nothing of the trickled batch was taken: sent again at full speed with the same key, it
    // is accepted whole (a stored answer or an in-flight claim would show here).
    const resent = await client.submitEvents(events(), { idempotencyKey: "slow-batch" });
    expect({ accepted: resent.accepted, duplicates: resent.duplicates, rejected: resent.rejected }).toEqual({ accepted: EVENTS, duplicates: 0, rejected: 0 });
    polite.close();
  }, 90_000);

  it("refuses exactly the connections one address opens beyond its cap", async () => {
    const polite = politeClient(gw.url);
    const before = await gauges(polite.get);
    const flood = "127.0.0.3";
    const flooding = async () => {
      const probes: Probe[] = [];
      for (let i = 0; i < CAP + 20; i++) probes.push(await probe(port, flood));
      await Promise.all(probes.map((p) => p.closed));
      return probes;
    };
    const { result: probes, latencies } = await politeDuring(flooding);
    const refused = probes.filter((p) => p.receivedBytes() === 0 && p.closedAfterMs()! < HEADERS_MS - 50);
    const timedOut = probes.filter((p) => statusLine(p) === "HTTP/1.1 408 Request Timeout" && p.closedAfterMs()! >= HEADERS_MS - 50);
    expect({ refused: refused.length, timedOut: timedOut.length }).toEqual({ refused: 20, timedOut: CAP });
    for (const p of refused) expect(p.closedAfterMs()).toBeLessThanOrEqual(SLACK_MS);
    const after = await gauges(polite.get);
    expect(after.open).toBe(1);
    expect(after.closed.address_cap! - before.closed.address_cap!).toBe(20);
    expect(percentile(latencies, 99)).toBeLessThan(100);
    polite.close();
  }, 60_000);

  it("stored the batch once, and nothing of the trickled attempt", async () => {
    await gw.stop();
    const db = await backend.open();
    try {
      const [r] = await db.rows<{ events: number; batches: number }>(
        sql`select (select count(*)::int from event) as events, (select count(*)::int from batch where kind = 'events') as batches`,
      );
      expect(r).toEqual({ events: EVENTS, batches: 1 });
    } finally {
      await db.close();
    }
  }, 60_000);
});
