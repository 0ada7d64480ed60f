// The spec is the source of truth: generated types must match it, and its error code list
// must match the one error type the code throws.
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "./errors.js";
import { loadSpec } from "./spec.js";
import { committedTypes, generateTypes } from "./spec-types.js";
import { SpecValidator } from "./validation.js";

describe("openapi/gateway.yaml", () => {
  const spec = loadSpec();

  it("compiles: every operation's schemas build validators", () => {
    expect(() => new SpecValidator(spec)).not.toThrow();
    expect(spec.operations.length).toBeGreaterThan(0);
  });

  it("has generated types that are current (run `npm run gen` when this fails)", async () => {
    const expected = await generateTypes();
    for (const { path, content } of committedTypes()) expect(content, path).toBe(expected);
  });

  it("lists exactly the error codes the code can produce", () => {
    const problem = (spec.document.components as { schemas: Record<string, { properties: { code: { enum: string[] } } }> })
      .schemas.Problem!;
    expect([...problem.properties.code.enum].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });
});
