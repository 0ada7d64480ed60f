// The foundation end to end: the assembled gateway over real HTTP on the backend the
// environment selects (PGlite + in-process jobs, or PostgreSQL + Bull).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/db/migrate.js";
import { toHonoPath } from "../src/http/router.js";
import { defineJob } from "../src/jobs/index.js";
import { startTestGateway, TEST_METRICS_TOKEN, type TestGateway } from "./support/gateway.js";

let gw: TestGateway;
let ran = 0;
const operator = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };
beforeAll(async () => {
  gw = await startTestGateway({
    beforeStart: (system) =>
      system.registry.define(
        defineJob<{ n: number }>({
          name: "test.foundation",
          parse: (p) => p as { n: number },
          handle: async ({ n }) => {
            ran += n;
          },
        }),
      ),
  });
});
afterAll(async () => {
  await gw?.close();
});

describe("foundation", () => {
  it("applies migrations idempotently: a second run changes nothing", async () => {
    const count = async () =>
      (await gw.testDb.db.rows<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`))[0]!.n;
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await migrate(gw.testDb.db);
    await migrate(gw.testDb.db);
    expect(await count()).toBe(before);
  });

  it("answers liveness and a bare readiness to anyone; the checks only to the operator credential", async () => {
    expect(await (await gw.fetch("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await gw.fetch("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    const wrong = await gw.fetch("/readyz", { headers: { authorization: "Bearer not-the-metrics-token-but-long-enough" } });
    expect(await wrong.json()).toEqual({ status: "ready" });
    const detailed = await gw.fetch("/readyz", { headers: operator });
    expect(await detailed.json()).toEqual({ status: "ready", checks: { database: { ok: true }, queue: { ok: true } } });
  });

  it("serves metrics only with the operator credential", async () => {
    const none = await gw.fetch("/metrics");
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await gw.fetch("/metrics", { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}x` } })).status).toBe(401);
    expect((await gw.fetch("/metrics", { headers: operator })).status).toBe(200);
  });

  it("serves the bundled spec and a rendered reference", async () => {
    const spec = (await (await gw.fetch("/openapi.json")).json()) as { openapi: string; paths: object };
    expect(spec.openapi).toMatch(/^3\.1\./);
    // The reference page renders that document in the browser (test/browser/ checks it renders).
    const docs = await gw.fetch("/docs");
    expect(docs.headers.get("content-type")).toMatch(/text\/html/);
    expect(await docs.text()).toContain('spec-url="/openapi.json"');
  });

  it("exposes Prometheus metrics with per-route counts, latency and job counts", async () => {
    await gw.fetch("/healthz");
    const text = await (await gw.fetch("/metrics", { headers: operator })).text();
    expect(text).toMatch(/csg_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toContain("csg_http_request_duration_seconds_bucket");
    expect(text).toContain("# TYPE csg_jobs gauge");
  });

  it("has a route for every spec operation and no route the spec lacks", () => {
    const fromSpec = gw.system.app.spec.operations.map((o) => `${o.method.toUpperCase()} ${toHonoPath(o.path)}`).sort();
    const fromApp = gw.system.app.hono.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(fromApp).toEqual(fromSpec);
  });

  it("answers unknown paths and methods with problem+json", async () => {
    const res = await gw.fetch("/v1/nowhere", { headers: { "x-request-id": "trace-1" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: "NOT_FOUND", status: 404, requestId: "trace-1" });
    const wrong = await gw.fetch("/healthz", { method: "POST", body: "{}" });
    expect(wrong.status).toBe(405);
  });

  it("runs an outbox job committed with a change, through the runner this backend uses", async () => {
    await gw.testDb.db.transaction((tx) => gw.system.jobs.enqueue(tx, "test.foundation", { n: 2 }));
    gw.system.jobs.runner.kick();
    await gw.jobEvents.waitFor((e) => e.job === "test.foundation" && e.type === "done");
    expect(ran).toBe(2);
  });
});
