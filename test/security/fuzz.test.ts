// Property-based fuzzing (fast-check) of what a caller controls on the way in: the ingestion
// endpoints' bodies (JSON and NDJSON: wrong types, huge strings, deep nesting, bad UTF-8 and lone
// surrogates, duplicated keys, truncation), the headers every signed request carries
// (Authorization, X-JWS-Signature, Idempotency-Key) and the token endpoint's form. Whatever
// arrives, the answer is never a 5xx; every refusal is a problem+json with a stable code (the
// token endpoint's are RFC 6749 JSON errors); and nothing is accepted that fails the spec's
// record schema. Bodies reach the parser signed correctly, so they are not stopped at the door.
// Runs are bounded (a hundred or so cases per property, seeded by fast-check, printed on failure).
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDetached } from "../../src/auth/body-signature.js";
import { specRecordValidators } from "../../src/exchange/index.js";
import { AppError } from "../../src/http/errors.js";
import { complaint, merchant } from "../exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { onboardPlatform, routeOf, signDetachedBody, type OnboardedPlatform } from "../support/platform.js";

const RUNS = 120;
let gw: TestGateway;
let p: OnboardedPlatform;
const validators = specRecordValidators();

beforeAll(async () => {
  gw = await startTestGateway();
  p = await onboardPlatform(gw);
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

const enc = new TextEncoder();

interface Answer {
  status: number;
  contentType: string | undefined;
  text: string;
}
/**
 * One request on its own connection, read as soon as the gateway answers. The gateway may answer
 * (413, 415, 401) before it has read a large body and then close the connection; fetch reports
 * that as a network failure while still writing, which would hide the answer.
 */
function send(path: string, method: string, headers: Record<string, string>, body: Uint8Array | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(`${gw.url}${path}`, { method, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    // A write cut short after the answer arrived is the early answer above, not a failure.
    req.on("error", (err) => (answered ? undefined : reject(err)));
    req.end(typeof body === "string" ? body : Buffer.from(body));
  });
}
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64url");

// Header values stay below Node's 16 KB limit for all headers together: beyond it the HTTP server
// itself answers a bare 431 before the gateway sees the request.
/** Characters a header value may carry (visible Latin-1; fetch refuses control characters). */
const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c));
const headerValue = (maxLength: number) => fc.string({ unit: headerChar, maxLength });

/** JSON values of every type, including ones a record field must never be. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom("", " ", "\u0000", "\ud800", "9".repeat(400), "2026-02-30T25:61:00Z", "not-a-date", -1, 1e308, 0.1, -0, "<script>", "𠮷".repeat(50)),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => "长".repeat(n)),
);
/** The same without the huge strings (headers stay under the HTTP server's 16 KB header limit). */
const smallValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom("", " ", "\u0000", "\ud800", "9".repeat(400), "not-a-date", -1, 1e308, 0.1, -0, "𠮷".repeat(50)),
);
const FIELDS = ["shopId", "name", "entityType", "uscc", "idNumberHash", "regionCode", "address", "category", "licences", "eventId", "kind", "occurredAt", "data", "serious", "severity", "amountCents"];
/** A record: a real one with some fields replaced or added, or a bag of fields. */
const record = fc.oneof(
  fc.tuple(fc.constantFrom<Record<string, unknown>>(merchant("fz-shop") as Record<string, unknown>, complaint("fz-ev", "fz-shop") as Record<string, unknown>), fc.dictionary(fc.constantFrom(...FIELDS), oddValue, { maxKeys: 3 })).map(([r, over]) => ({ ...r, ...over, ...(r.eventId ? { eventId: randomUUID() } : {}) })),
  fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), oddValue, { maxKeys: 6 }),
  oddValue,
);

/** A body as bytes, with the content type it claims. */
interface Body {
  bytes: Uint8Array;
  contentType: string;
}
const json = (text: string): Body => ({ bytes: enc.encode(text), contentType: "application/json" });
const bodies: fc.Arbitrary<Body> = fc.oneof(
  fc.array(record, { maxLength: 6 }).map((records) => json(JSON.stringify({ records }))),
  fc.jsonValue({ maxDepth: 4 }).map((v) => json(JSON.stringify(v))),
  fc.jsonValue({ maxDepth: 3 }).map((v) => json(JSON.stringify({ records: v }))),
  // Deep nesting, inside and outside records.
  fc.integer({ min: 10, max: 20_000 }).map((n) => json(`{"records":[${"[".repeat(n)}${"]".repeat(n)}]}`)),
  fc.integer({ min: 10, max: 20_000 }).map((n) => json(`${'{"a":'.repeat(n)}1${"}".repeat(n)}`)),
  // Truncated anywhere.
  fc.tuple(fc.array(record, { minLength: 1, maxLength: 4 }), fc.nat()).map(([records, cut]) => {
    const text = JSON.stringify({ records });
    return json(text.slice(0, cut % text.length));
  }),
  // Duplicated keys and escaped lone surrogates.
  fc.array(record, { maxLength: 3 }).map((records) => json(`{"records":[],"records":${JSON.stringify(records)}}`)),
  fc.constantFrom(json('{"records":[{"shopId":"\\ud800","name":"\\udfff"}]}'), json('{"records":[{"__proto__":{"x":1},"constructor":{"prototype":{}}}]}'), json("")),
  // Raw bytes: invalid UTF-8, NUL, BOM.
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes, contentType: "application/json" })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes: Uint8Array.from([0xef, 0xbb, 0xbf, ...enc.encode('{"records":['), ...bytes]), contentType: "application/json" })),
  // NDJSON: records one per line, some lines broken, the last maybe truncated.
  fc.tuple(fc.array(fc.oneof(record.map((r) => JSON.stringify(r)), fc.string({ maxLength: 40 })), { maxLength: 6 }), fc.constantFrom("\n", "\r\n"), fc.nat(), fc.boolean()).map(([lines, separator, cut, truncate]) => {
    const text = lines.join(separator);
    return { bytes: enc.encode(truncate && text.length > 0 ? text.slice(0, cut % text.length) : text), contentType: "application/x-ndjson" };
  }),
  // A content type the endpoint does not take, or a lying charset.
  fc.tuple(fc.array(record, { maxLength: 2 }), fc.constantFrom("text/plain", "application/xml", "application/json; charset=latin1", "multipart/form-data", "application/x-www-form-urlencoded")).map(([records, contentType]) => ({
    bytes: enc.encode(JSON.stringify({ records })),
    contentType,
  })),
);

/** Problem+json with a code and the status the response has; or, for 2xx, the per-record results. */
async function checkAnswer(res: Answer, context: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = res.text;
  expect(res.status, `${context}: ${text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.contentType, `${context}: ${res.status} ${text.slice(0, 200)}`).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(text) as { code?: unknown; status?: unknown };
    expect(typeof problem.code, context).toBe("string");
    expect(problem.status, context).toBe(res.status);
    return { status: res.status, body: problem as Record<string, unknown> };
  }
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
}

/** What the gateway must see as a batch: an object whose records is an array (JSON only). */
function recordsOf(body: Body): unknown[] | undefined {
  if (body.contentType !== "application/json") return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body.bytes)) as unknown;
    const records = (parsed as { records?: unknown } | null)?.records;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && Array.isArray(records) ? records : undefined;
  } catch {
    return undefined;
  }
}

const nowS = () => Math.floor(gw.clock.now().getTime() / 1000);

describe("fuzzing the ingestion endpoints' bodies", () => {
  for (const [path, validate] of [
    ["/v1/merchants/batch", validators.merchant],
    ["/v1/events/batch", validators.event],
  ] as const) {
    it(`POST ${path}: never a 5xx, refusals are problem+json, nothing accepted that breaks the schema`, async () => {
      const token = await p.token();
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const res = await send(path, "POST", {
            authorization: `Bearer ${token}`,
            "content-type": body.contentType,
            "idempotency-key": randomUUID(),
            "x-jws-signature": await signDetachedBody(body.bytes, p.keys[0]!, routeOf("POST", path), nowS()),
          }, body.bytes);
          const { status, body: answer } = await checkAnswer(res, `${path} ${body.contentType} ${Buffer.from(body.bytes.slice(0, 120)).toString("utf8")}`);
          const records = recordsOf(body);
          seen.set(status, (seen.get(status) ?? 0) + 1);
          if (status < 300) {
            // A JSON body that is not {"records": [...]} is never taken as a batch.
            if (body.contentType === "application/json") expect(records, "accepted a body without a records array").toBeDefined();
            const results = answer.results as Array<{ index: number; status: string }>;
            expect(Array.isArray(results)).toBe(true);
            for (const r of results) {
              expect(["accepted", "duplicate", "rejected"]).toContain(r.status);
              if (r.status === "accepted" && records) expect(validate(records[r.index]), `accepted record ${r.index} breaks the schema`).toBe(true);
            }
          }
        }),
        { numRuns: RUNS },
      );
      // The bodies were signed correctly: some got through to per-record results, some to the parser's refusals.
      expect(seen.get(200) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(0);
      expect(seen.get(400) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(0);
      expect([...seen.keys()].filter((s) => s === 401), "signed bodies must not fail authentication").toEqual([]);
    }, 120_000);
  }
});

describe("fuzzing the headers of a signed request", () => {
  const path = "/v1/events/batch";
  const bytes = enc.encode(JSON.stringify({ records: [complaint("fz-header", "fz-shop")] }));
  /** A protected header with known members of random types, around a random or empty signature. */
  const detached = fc.oneof(
    headerValue(300),
    fc.tuple(fc.dictionary(fc.constantFrom("alg", "kid", "b64", "crit", "iat", "jti", "htm", "htu", "typ", "zip"), smallValue, { maxKeys: 9 }), headerValue(80)).map(([h, sig]) => `${b64(JSON.stringify(h))}..${b64(sig)}`),
    fc.tuple(fc.uint8Array({ maxLength: 60 }), fc.uint8Array({ maxLength: 60 })).map(([h, s]) => `${b64(h)}..${b64(s)}`),
    fc.integer({ min: 4000, max: 5_000 }).map((n) => `${"A".repeat(n)}..AAAA`),
  );
  const authorization = fc.oneof(
    headerValue(200),
    headerValue(200).map((t) => `Bearer ${t}`),
    fc.tuple(smallValue, smallValue).map(([h, c]) => `Bearer ${b64(JSON.stringify(h))}.${b64(JSON.stringify(c))}.${b64("sig")}`),
    fc.constantFrom("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer  x.y.z", `Bearer ${"a".repeat(5_000)}`),
  );
  const idempotencyKey = fc.oneof(headerValue(300), fc.integer({ min: 256, max: 3_000 }).map((n) => "k".repeat(n)));

  it("never a 5xx and always problem+json for any Authorization, X-JWS-Signature and Idempotency-Key", async () => {
    const token = await p.token();
    await fc.assert(
      fc.asyncProperty(
        fc.record({ authorization: fc.option(authorization), signature: fc.option(detached), idempotencyKey: fc.option(idempotencyKey) }, { requiredKeys: [] }),
        async (h) => {
          const good = await signDetachedBody(bytes, p.keys[0]!, routeOf("POST", path), nowS());
          const headers: Record<string, string> = {
            "content-type": "application/json",
            authorization: h.authorization ?? `Bearer ${token}`,
            "x-jws-signature": h.signature ?? good,
          };
          if (h.idempotencyKey !== null && h.idempotencyKey !== undefined) headers["idempotency-key"] = h.idempotencyKey;
          const res = await send(path, "POST", headers, bytes);
          const { status } = await checkAnswer(res, JSON.stringify(h).slice(0, 300));
          // Only the untouched credentials get through.
          if (status < 300) expect(h.authorization == null && h.signature == null).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe("fuzzing the token endpoint", () => {
  const jwtLike = fc
    .tuple(
      fc.record({ alg: fc.oneof(fc.constantFrom("ES256", "EdDSA", "none", "HS256"), smallValue), kid: smallValue, typ: smallValue }, { requiredKeys: [] }),
      fc.record({ iss: smallValue, sub: smallValue, aud: smallValue, exp: smallValue, iat: smallValue, jti: smallValue }, { requiredKeys: [] }),
      fc.uint8Array({ maxLength: 70 }),
    )
    .map(([h, c, s]) => `${b64(JSON.stringify(h))}.${b64(JSON.stringify(c))}.${b64(s)}`);
  const form = fc.dictionary(
    fc.oneof(fc.constantFrom("grant_type", "client_id", "client_assertion_type", "client_assertion", "scope"), fc.string({ maxLength: 10 })),
    fc.oneof(fc.string({ maxLength: 100 }), jwtLike, fc.constantFrom("client_credentials", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")),
    { maxKeys: 6 },
  );
  const request = fc.oneof(
    form.map((f) => ({ contentType: "application/x-www-form-urlencoded", body: new URLSearchParams(f).toString() as string | Uint8Array })),
    fc.tuple(fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded; charset=utf-8", "multipart/form-data; boundary=x"), fc.uint8Array({ maxLength: 300 })).map(([contentType, body]) => ({ contentType, body: body as string | Uint8Array })),
    form.map((f) => ({ contentType: "application/x-www-form-urlencoded", body: `${new URLSearchParams(f).toString()}&grant_type=client_credentials&grant_type=x` as string | Uint8Array })),
  );

  it("POST /oauth/token: never a 5xx; a refusal is an RFC 6749 error (or problem+json), never a token", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await send("/oauth/token", "POST", { "content-type": r.contentType }, r.body);
        const text = res.text;
        expect(res.status, text.slice(0, 300)).toBeLessThan(500);
        // Random input holds no valid assertion signature: never a token.
        expect(res.status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
        const type = res.contentType ?? "";
        const body = JSON.parse(text) as { error?: unknown; code?: unknown };
        if (type.startsWith("application/problem+json")) expect(typeof body.code).toBe("string");
        else {
          expect(type).toMatch(/^application\/json/);
          expect(typeof body.error).toBe("string");
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe("fuzzing the detached-JWS parser", () => {
  it("returns a header or refuses with SIGNATURE_MALFORMED, for any string", () => {
    const candidate = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.tuple(fc.dictionary(fc.constantFrom("alg", "kid", "b64", "crit", "iat", "jti", "htm", "htu"), oddValue, { maxKeys: 8 }), fc.string({ maxLength: 20 })).map(([h, s]) => `${b64(JSON.stringify(h))}..${s}`),
      fc.tuple(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 })).map(([h, s]) => `${b64(h)}..${b64(s)}`),
    );
    fc.assert(
      fc.property(candidate, (jws) => {
        try {
          const { header } = parseDetached(jws);
          expect(typeof header.kid).toBe("string");
          expect(typeof header.htu).toBe("string");
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe("SIGNATURE_MALFORMED");
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
