// Thin HTTP handlers: the router has authenticated, read the exact bytes, checked the body
// signature and the batch shape; here the input becomes a verb call and the result JSON.
import { actorOf } from "../auth/actor.js";
import { authorize, ownPlatform } from "../auth/authorize.js";
import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { AppEnv } from "../http/context.js";
import { AppError } from "../http/errors.js";
import { mayHoldUnstorableText } from "../http/storable-text.js";
import type { Handlers, OperationInput } from "../http/router.js";
import type { BatchEvidence } from "./batch-store.js";
import type { ExchangeContext, ExchangeDeps, RecordValidators } from "./context.js";
import { ingestEvents } from "./ingest-events.js";
import { ingestMerchants } from "./ingest-merchants.js";
import { confirmEntityClaim, listEntityClaims, listMasterDataConflicts } from "./claim-verbs.js";
import { getBatch, getEntityStatus } from "./read-entities.js";

/** The verified detached signature the body verifier leaves on the context (auth module). */
function verifiedSignature(c: Context<AppEnv>): { kid: string; jws: string } {
  const sig = c.get("signature");
  if (!sig) {
    // The router only calls these handlers after the body verifier accepted a signature.
    throw new AppError("INTERNAL", "the verified body signature is missing");
  }
  return { kid: sig.kid, jws: sig.jws };
}

export function batchEvidenceOf(c: Context<AppEnv>, input: OperationInput): BatchEvidence {
  const { kid, jws } = verifiedSignature(c);
  return {
    bodySha256: createHash("sha256").update(input.rawBody ?? new Uint8Array(0)).digest("hex"),
    signature: jws,
    kid,
    idempotencyKey: c.req.header("idempotency-key"),
  };
}

/** The platform the batch is for: the caller itself (the verb checks it, and its scope). */
const platformIdOf = (c: Context<AppEnv>): string => authorize(actorOf(c), ownPlatform()).platformId;

const recordsOf = (body: unknown): unknown[] => (body as { records: unknown[] }).records;

/** The per-record scan for unstorable text runs only when the raw bytes show it may be needed. */
const mayHoldNul = (input: OperationInput) => input.rawBody === undefined || mayHoldUnstorableText(input.rawBody);

export function exchangeHandlers(deps: ExchangeDeps, validators: RecordValidators): Handlers {
  const ctx = (c: Context<AppEnv>): ExchangeContext => ({ deps, validators, actor: actorOf(c) });
  return {
    postMerchantsBatch: async (c, input) =>
      c.json(await ingestMerchants(ctx(c), { platformId: platformIdOf(c), records: recordsOf(input.body), batchEvidence: batchEvidenceOf(c, input as OperationInput), screenNul: mayHoldNul(input as OperationInput) })),
    postEventsBatch: async (c, input) =>
      c.json(await ingestEvents(ctx(c), { platformId: platformIdOf(c), records: recordsOf(input.body), batchEvidence: batchEvidenceOf(c, input as OperationInput), screenNul: mayHoldNul(input as OperationInput) })),
    getBatch: async (c, input) => c.json(await getBatch(ctx(c), { batchId: input.params.batchId })),
    getEntityStatus: async (c, input) => c.json(await getEntityStatus(ctx(c), { entityId: input.params.entityId })),
    listEntityClaims: async (c, input) => c.json({ claims: await listEntityClaims(ctx(c), input.query as { region?: string; limit?: number }) }),
    confirmEntityClaim: async (c, input) =>
      c.json(await confirmEntityClaim(ctx(c), { shopId: input.params.shopId, reason: (input.body as { reason: string }).reason })),
    listMasterDataConflicts: async (c, input) =>
      c.json({ conflicts: await listMasterDataConflicts(ctx(c), input.query as { region?: string; entity?: string; limit?: number }) }),
  };
}
