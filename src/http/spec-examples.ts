// Examples for the reference live in openapi/examples.yaml, keyed by operationId, so the
// operations stay readable and sample data can grow without touching their definitions.
// gateway.yaml includes that file as `x-operation-examples`; loading the spec moves each entry
// onto its operation as standard OpenAPI (`examples` on the JSON media types, `example` on
// parameters), so /openapi.json and every tool reading it see ordinary examples.
// A test checks that every operation has them and that each one validates against its schema.
import { SpecError, type JsonObject } from "./spec.js";

export const EXAMPLES_KEY = "x-operation-examples";

export interface OperationExamples {
  /** Parameter name -> example value. */
  parameters?: Record<string, unknown>;
  /** The JSON request body. */
  request?: unknown;
  /** Status -> JSON response body. */
  responses?: Record<string, unknown>;
}

const JSON_TYPES = ["application/json", "application/problem+json"];
const NAME = "示例 / Example";

function jsonMedia(content: unknown): JsonObject | undefined {
  if (!content || typeof content !== "object") return undefined;
  for (const type of JSON_TYPES) {
    const media = (content as JsonObject)[type];
    if (media && typeof media === "object") return media as JsonObject;
  }
  return undefined;
}

/** Moves `x-operation-examples` onto the operations; refuses entries naming nothing. */
export function applyOperationExamples(document: JsonObject, operations: Array<{ operationId: string; definition: JsonObject }>): void {
  const all = (document[EXAMPLES_KEY] ?? {}) as Record<string, OperationExamples>;
  delete document[EXAMPLES_KEY];
  const byId = new Map(operations.map((o) => [o.operationId, o.definition]));
  for (const [operationId, examples] of Object.entries(all)) {
    const op = byId.get(operationId);
    if (!op) throw new SpecError(`examples.yaml names an unknown operation ${operationId}`);
    for (const [name, value] of Object.entries(examples.parameters ?? {})) {
      const param = ((op.parameters ?? []) as JsonObject[]).find((p) => p.name === name);
      if (!param) throw new SpecError(`examples.yaml: ${operationId} has no parameter ${name}`);
      param.example = value;
    }
    if (examples.request !== undefined) {
      const media = jsonMedia((op.requestBody as JsonObject | undefined)?.content);
      if (!media) throw new SpecError(`examples.yaml: ${operationId} has no JSON request body`);
      media.examples = { [NAME]: { value: examples.request } };
    }
    for (const [status, value] of Object.entries(examples.responses ?? {})) {
      const response = (op.responses as Record<string, JsonObject> | undefined)?.[status];
      const media = jsonMedia(response?.content);
      if (!media) throw new SpecError(`examples.yaml: ${operationId} has no JSON ${status} response`);
      media.examples = { [NAME]: { value } };
    }
  }
}
