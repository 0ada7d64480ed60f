// The reference's examples: every operation has them (JSON request bodies and 2xx JSON
// responses), and every one validates against the schema it illustrates, so the reference never
// shows a body the gateway would refuse or never send. Its prose stays true too: the error table
// names every code, and the worked detached JWS verifies.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { FlattenedSign, flattenedVerify, importJWK, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../paths.js";
import { ERROR_STATUS } from "./errors.js";
import { loadSpec, type JsonObject } from "./spec.js";

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
const ID = "urn:examples-test:openapi";
const JSON_TYPES = ["application/json", "application/problem+json"];
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

describe("examples in the spec", () => {
  const spec = loadSpec();
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateFormats: true }));
  ajv.addSchema(spec.document, ID);
  const check = (where: string, schemaPointer: string, value: unknown): string[] => {
    const validate = ajv.getSchema(`${ID}#/${schemaPointer}`);
    if (!validate) return [`${where}: no schema at ${schemaPointer}`];
    return validate(value) ? [] : [`${where}: ${ajv.errorsText(validate.errors)}`];
  };

  it("has an example for every JSON request body, 2xx JSON response and inline parameter, each valid", () => {
    const problems: string[] = [];
    for (const op of spec.operations) {
      const paths = spec.document.paths as Record<string, Record<string, JsonObject>>;
      const raw = paths[op.path]![op.method]!;
      const base = pointer("paths", op.path, op.method);
      const where = op.operationId;
      const body = (raw.requestBody as JsonObject | undefined)?.content as Record<string, JsonObject> | undefined;
      const bodyType = JSON_TYPES.find((t) => body?.[t]);
      if (body && bodyType) {
        const value = (body[bodyType]!.examples as Record<string, { value: unknown }> | undefined)?.["示例 / Example"]?.value;
        if (value === undefined) problems.push(`${where}: no request example`);
        else problems.push(...check(`${where} request`, `${base}/${pointer("requestBody", "content", bodyType, "schema")}`, value));
      }
      for (const [status, response] of Object.entries((raw.responses ?? {}) as Record<string, JsonObject>)) {
        if (!status.startsWith("2") || response.$ref) continue;
        const content = response.content as Record<string, JsonObject> | undefined;
        const type = JSON_TYPES.find((t) => content?.[t]);
        if (!type) continue;
        const value = (content![type]!.examples as Record<string, { value: unknown }> | undefined)?.["示例 / Example"]?.value;
        if (value === undefined) problems.push(`${where}: no ${status} example`);
        else problems.push(...check(`${where} ${status}`, `${base}/${pointer("responses", status, "content", type, "schema")}`, value));
      }
      // Shared parameters ($ref: the signature and idempotency headers) carry theirs in components.
      for (const param of ((op.definition.parameters ?? []) as JsonObject[]).filter((p) => !p.$ref)) {
        if (param.example === undefined) problems.push(`${where}: no example for parameter ${String(param.name)}`);
        else {
          // Its $refs point into the spec, which Ajv holds under ID.
          const schema = JSON.parse(JSON.stringify(param.schema).replaceAll('"#/', `"${ID}#/`)) as JsonObject;
          const validate = ajv.compile(schema);
          if (!validate(param.example)) problems.push(`${where} parameter ${String(param.name)}: ${ajv.errorsText(validate.errors)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("the reference's prose", () => {
  const spec = loadSpec();
  const description = String((spec.document.info as JsonObject).description);

  it("lists every error code with its status", () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) expect(description).toMatch(new RegExp(`\\| ${code} \\| ${status} \\|`));
  });

  it("shows a worked detached JWS that verifies, and that the example key reproduces exactly (Ed25519 is deterministic)", async () => {
    const example = JSON.parse(readFileSync(join(projectRoot(), "docs", "examples", "detached-jws.json"), "utf8")) as WorkedExample;
    expect(description).toContain(example.detachedJws);
    expect(description).toContain(example.body);
    const [protectedB64, , signature] = example.detachedJws.split(".");
    const body = new TextEncoder().encode(example.body);
    const verified = await flattenedVerify({ protected: protectedB64!, payload: body, signature: signature! }, await importJWK(example.publicJwk, "EdDSA"), { crit: { b64: true } });
    expect(verified.protectedHeader).toEqual(example.protectedHeader);
    const again = await new FlattenedSign(body).setProtectedHeader(example.protectedHeader).sign(await importJWK(example.privateJwk, "EdDSA"));
    expect(`${again.protected}..${again.signature}`).toBe(example.detachedJws);
    expect(example.signingInput).toBe(`${protectedB64}.${example.body}`);
  });
});

interface WorkedExample {
  privateJwk: JWK;
  publicJwk: JWK;
  body: string;
  protectedHeader: { alg: string; kid: string; b64: false; crit: string[]; iat: number; jti: string };
  signingInput: string;
  detachedJws: string;
}
