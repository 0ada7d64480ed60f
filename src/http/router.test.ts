// The spec-driven pipeline on a small fixture spec: content types, limits, malformed JSON,
// schema violations, parameters, per-record batches — always problem+json, never a 500.
import { Hono, type Context } from "hono";
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { createLogger } from "../logger.js";
import type { AppEnv } from "./context.js";
import { MalformedLine } from "./body.js";
import { createMetrics } from "./metrics.js";
import { notFound, onError, requestContext } from "./middleware.js";
import { mountOperations, type Handlers, type OperationInput } from "./router.js";
import { loadSpec } from "./spec.js";
import { SpecValidator } from "./validation.js";

const spec = loadSpec(fileURLToPath(new URL("./fixtures/echo.yaml", import.meta.url)));
const validator = new SpecValidator(spec);

function app(limit = 1 << 20) {
  const hono = new Hono<AppEnv>();
  hono.use("*", requestContext(createLogger("silent"), createMetrics(undefined)));
  hono.onError(onError);
  hono.notFound(notFound(spec));
  const record = validator.for("postBatch").record!;
  type H = (c: Context<AppEnv>, input: OperationInput) => Response;
  const handlers: Record<string, H> = {
    createThing: (c, input) => c.json({ got: input.body }),
    getThing: (c, input) => c.json({ id: input.params.id, query: input.query }),
    postBatch: (c, input) => {
      const records = (input.body as { records: unknown[] }).records;
      return c.json(records.map((r) => (r instanceof MalformedLine ? "malformed" : record.validate(r) ? "ok" : "bad")));
    },
  };
  mountOperations(hono, { spec, validator, handlers: handlers as unknown as Handlers, authenticators: {}, bodyLimitBytes: limit });
  return hono;
}

const post = (path: string, body: string, type = "application/json") =>
  app().request(path, { method: "POST", body, headers: { "content-type": type } });

async function problem(res: Response) {
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  expect(body.status).toBe(res.status);
  return body;
}

describe("spec-driven router", () => {
  it("accepts a valid body", async () => {
    const res = await post("/things", JSON.stringify({ name: "茶叶", size: 3 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: { name: "茶叶", size: 3 } });
  });

  it("answers malformed JSON with 400 MALFORMED_JSON", async () => {
    const res = await post("/things", '{"name": "x",');
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe("MALFORMED_JSON");
  });

  it("answers a wrong content type with 415 naming the accepted ones", async () => {
    const res = await post("/things", "name=x", "text/plain");
    expect(res.status).toBe(415);
    const body = await problem(res);
    expect(body.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(body.detail).toContain("application/json");
  });

  it("answers a body over the operation's limit with 413, by header or by stream", async () => {
    const big = JSON.stringify({ name: "x".repeat(5000), size: 1 });
    const res = await post("/things", big);
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe("PAYLOAD_TOO_LARGE");
    // No content-length: counted while streaming.
    const stream = new ReadableStream({
      start(ctrl) {
        for (let i = 0; i < 10; i++) ctrl.enqueue(new TextEncoder().encode("x".repeat(1000)));
        ctrl.close();
      },
    });
    const res2 = await app().request("/things", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(res2.status).toBe(413);
  });

  it("answers a schema violation with 400 naming the failing field", async () => {
    const res = await post("/things", JSON.stringify({ name: "x", size: -1, colour: "blue" }));
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.code).toBe("VALIDATION_FAILED");
    const pointers = (body.errors as Array<{ pointer: string }>).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(["/size", "/colour"]));
    const missing = await problem(await post("/things", JSON.stringify({ size: 1 })));
    expect((missing.errors as Array<{ pointer: string }>)[0]!.pointer).toBe("/name");
  });

  it("rejects an empty required body and invalid UTF-8", async () => {
    expect((await post("/things", "")).status).toBe(400);
    const res = await app().request("/things", {
      method: "POST",
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe("BAD_REQUEST");
  });

  it("validates and coerces path and query parameters", async () => {
    const id = "0190a4b2-7c5e-7000-8000-000000000001";
    const ok = await app().request(`/things/${id}?limit=5`);
    expect(await ok.json()).toEqual({ id, query: { limit: 5 } });
    const defaulted = await app().request(`/things/${id}`);
    expect(await defaulted.json()).toEqual({ id, query: { limit: 10 } });
    const badId = await app().request(`/things/not-a-uuid`);
    expect(badId.status).toBe(400);
    const badLimit = await problem(await app().request(`/things/${id}?limit=500`));
    expect(badLimit.code).toBe("VALIDATION_FAILED");
  });

  it("checks batch records one by one, in JSON and NDJSON", async () => {
    const json = await post("/batch", JSON.stringify({ records: [{ name: "a", size: 1 }, { name: "" }, 7] }));
    expect(await json.json()).toEqual(["ok", "bad", "bad"]);
    const tooMany = await post("/batch", JSON.stringify({ records: [1, 2, 3, 4] }));
    expect(tooMany.status).toBe(400);
    const nd = await post("/batch", '{"name":"a","size":1}\n{oops\n\n{"name":"b","size":2}\n', "application/x-ndjson");
    expect(await nd.json()).toEqual(["ok", "malformed", "ok"]);
  });

  it("gives 404 and 405 as problems, with Allow on 405", async () => {
    const nf = await app().request("/nothing-here");
    expect(nf.status).toBe(404);
    expect((await problem(nf)).code).toBe("NOT_FOUND");
    const na = await app().request("/things", { method: "DELETE" });
    expect(na.status).toBe(405);
    expect(na.headers.get("allow")).toBe("POST");
  });

  it("keeps a caller's well-formed request id and replaces a hostile one", async () => {
    const mine = await app().request("/nothing", { headers: { "x-request-id": "abc-123" } });
    expect(mine.headers.get("x-request-id")).toBe("abc-123");
    const hostile = await app().request("/nothing", { headers: { "x-request-id": "a b<script>" } });
    expect(hostile.headers.get("x-request-id")).not.toContain("<");
  });

  it("refuses to mount when handlers and spec disagree", () => {
    const hono = new Hono<AppEnv>();
    const base = { spec, validator, authenticators: {}, bodyLimitBytes: 100 };
    const ok = { createThing: () => new Response(), getThing: () => new Response(), postBatch: () => new Response() };
    expect(() => mountOperations(hono, { ...base, handlers: { ...ok, extra: () => new Response() } as unknown as Handlers })).toThrow(/without a spec operation: extra/);
    const { postBatch: _, ...partial } = ok;
    expect(() => mountOperations(hono, { ...base, handlers: partial as unknown as Handlers })).toThrow(/without a handler: postBatch/);
  });
});
