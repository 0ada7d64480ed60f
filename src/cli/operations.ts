// The operator commands as data: a request {command, input} (JSON, so it can travel over the
// admin socket) and the one function that runs it with the auth verbs as the CLI actor. The
// CLI runs it against the database directly; the running gateway runs it for the CLI when it
// holds the embedded database.
import {
  addPlatformKey,
  changePlatformKey,
  createPlatform,
  createRegulatorUser,
  disableRegulatorUser,
  enableRegulatorUser,
  listPlatforms,
  listRegulatorUsers,
  reactivatePlatform,
  regulatorIdByUsername,
  resetRegulatorPassword,
  suspendPlatform,
  type Actor,
  type GatewayKeys,
  type RegulatorRole,
} from "../auth/index.js";
import type { JWK } from "jose";
import { verifyAuditChain, type ChainHead } from "../audit/index.js";
import { verifyAuditHead } from "../audit/heads.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { AppError } from "../http/errors.js";
import type { OutboundPolicy } from "../http/outbound-address.js";
import { revokeMerchantLinks } from "../notices/link-verbs.js";
import { runRelationsLoad } from "./relations.js";
import { verifyDraw } from "../inspections/index.js";
import type { ClassificationOps } from "../classification/lifecycle-ops.js";
import { CLASSIFICATION_COMMANDS, runClassificationOperation } from "./classification-commands.js";
import type { HistoryOps } from "../exchange/index.js";
import type { Publish } from "../exchange/outbound/types.js";
import { HISTORY_COMMANDS, runHistoryOperation } from "./history/operations.js";
import { listWebhookDeliveries, retryWebhookDelivery, type WebhookDeliveryView } from "../exchange/outbound/verbs.js";
import type { EnqueueMany } from "../jobs/index.js";

export const COMMANDS = [
  "platform.add",
  "platform.list",
  "platform.key.add",
  "platform.key.retire",
  "platform.key.revoke",
  "platform.suspend",
  "platform.reactivate",
  "regulator.add",
  "regulator.list",
  "regulator.disable",
  "regulator.enable",
  "regulator.reset-password",
  "keys.rotate",
  "keys.list",
  "keys.revoke",
  "audit.verify",
  "audit.head",
  "audit.verify-head",
  "inspection.verify",
  "notice.revoke-links",
  "webhook.list",
  "webhook.redeliver",
  "relations.load",
  ...CLASSIFICATION_COMMANDS,
  ...HISTORY_COMMANDS,
] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface CommandRequest {
  command: CommandName;
  input: Record<string, unknown>;
}

export interface OperationDeps {
  db: Database;
  clock: Clock;
  /** Where platform webhooks may point (config's policy; the strict one when absent). */
  webhookPolicy?: OutboundPolicy;
  /** Gateway key rotation: the running gateway passes its own key store (its cache follows). */
  rotateGatewayKey(ctx: { actor: Actor }): Promise<{ kid: string; retired: string[] }>;
  /** Listing and revoking gateway keys (the running gateway passes its own store). */
  gatewayKeys?: Pick<GatewayKeys, "list" | "revoke">;
  /** Full runs and the model lifecycle (classification module); absent where not built. */
  classification?: ClassificationOps;
  /** Bulk loads of a platform's history (exchange module); absent where not built. */
  history?: HistoryOps;
  /** Messages to platforms (a key changed for them); absent where the modules are not built. */
  publish?: Publish;
  /** Enqueuing jobs (a webhook sent again) and waking the runner; absent where the modules are not built. */
  jobs?: { enqueueMany: EnqueueMany; kick(): void };
  /** Signing the audit head, and the keys the gateway publishes (to check a signed head against). */
  auditHeads?: { sign(actor: Actor): Promise<unknown>; jwks(): Promise<{ keys: JWK[] }> };
}

export const CLI_ACTOR: Actor = { kind: "cli" };

export function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

const str = (input: Record<string, unknown>, key: string): string => {
  const v = input[key];
  if (typeof v !== "string" || v.length === 0) throw new AppError("VALIDATION_FAILED", `${key} is required`);
  return v;
};
const optStr = (input: Record<string, unknown>, key: string): string | undefined => {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new AppError("VALIDATION_FAILED", `${key} must be a string`);
  return v;
};
const obj = (input: Record<string, unknown>, key: string): Record<string, unknown> => {
  const v = input[key];
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new AppError("VALIDATION_FAILED", `${key} must be an object`);
  return v as Record<string, unknown>;
};

function auditHeadsOf(deps: OperationDeps): NonNullable<OperationDeps["auditHeads"]> {
  if (!deps.auditHeads) throw new AppError("UNAVAILABLE", "audit heads are not available here");
  return deps.auditHeads;
}

function gatewayKeysOf(deps: OperationDeps): Pick<GatewayKeys, "list" | "revoke"> {
  if (!deps.gatewayKeys) throw new AppError("UNAVAILABLE", "gateway keys are not available here");
  return deps.gatewayKeys;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The outbound verbs as the operator; sending again needs the job path. */
function outboundCtx(deps: OperationDeps) {
  const jobs = deps.jobs ?? {
    enqueueMany: () => Promise.reject(new AppError("UNAVAILABLE", "jobs are not available here")),
    kick: () => {},
  };
  return { db: deps.db, clock: deps.clock, actor: CLI_ACTOR, enqueueMany: jobs.enqueueMany, kick: () => jobs.kick() };
}

/** Key changes announce themselves to the platform: they need the publish path. */
function keyCtx<C extends object>(deps: OperationDeps, ctx: C): C & { publish: Publish } {
  if (!deps.publish) throw new AppError("UNAVAILABLE", "platform messages are not available here");
  return { ...ctx, publish: deps.publish };
}

export async function runOperation(deps: OperationDeps, request: CommandRequest): Promise<unknown> {
  const ctx = { db: deps.db, clock: deps.clock, actor: CLI_ACTOR, ...(deps.webhookPolicy ? { webhookPolicy: deps.webhookPolicy } : {}) };
  const input = request.input ?? {};
  switch (request.command) {
    case "platform.add": {
      const jwks = obj(input, "jwks") as { keys: Array<Record<string, unknown>> };
      if (!Array.isArray(jwks.keys)) throw new AppError("VALIDATION_FAILED", "jwks.keys must be an array");
      const scopes = input.scopes;
      if (scopes !== undefined && (!Array.isArray(scopes) || scopes.some((s) => typeof s !== "string"))) {
        throw new AppError("VALIDATION_FAILED", "scopes must be a list of strings");
      }
      return createPlatform(ctx, { name: str(input, "name"), jwks, webhookUrl: optStr(input, "webhookUrl"), scopes: scopes as string[] | undefined });
    }
    case "platform.list":
      return { platforms: await listPlatforms(ctx) };
    case "platform.key.add":
      return addPlatformKey(keyCtx(deps, ctx), { platformId: str(input, "platformId"), jwk: obj(input, "jwk"), notAfter: optStr(input, "notAfter") });
    case "platform.key.retire":
    case "platform.key.revoke":
      return changePlatformKey(keyCtx(deps, ctx), {
        platformId: str(input, "platformId"),
        kid: str(input, "kid"),
        reason: str(input, "reason"),
        action: request.command === "platform.key.retire" ? "retire" : "revoke",
      });
    case "regulator.add":
      return createRegulatorUser(ctx, {
        username: str(input, "username"),
        role: str(input, "role") as RegulatorRole,
        regionPrefix: typeof input.regionPrefix === "string" ? input.regionPrefix : str(input, "regionPrefix"),
        displayName: optStr(input, "displayName"),
        password: optStr(input, "password"),
      });
    case "platform.suspend":
    case "platform.reactivate": {
      const change = request.command === "platform.suspend" ? suspendPlatform : reactivatePlatform;
      return change(ctx, { platformId: str(input, "platformId"), reason: str(input, "reason") });
    }
    case "regulator.list":
      return { users: await listRegulatorUsers(ctx) };
    case "regulator.disable":
    case "regulator.enable": {
      const change = request.command === "regulator.disable" ? disableRegulatorUser : enableRegulatorUser;
      return change(ctx, { userId: await regulatorIdByUsername(ctx, str(input, "username")), reason: str(input, "reason") });
    }
    case "regulator.reset-password":
      return resetRegulatorPassword(ctx, {
        userId: await regulatorIdByUsername(ctx, str(input, "username")),
        reason: str(input, "reason"),
        password: optStr(input, "password"),
      });
    case "keys.rotate":
      return deps.rotateGatewayKey({ actor: CLI_ACTOR });
    case "keys.list":
      return { keys: await gatewayKeysOf(deps).list({ actor: CLI_ACTOR }) };
    case "keys.revoke":
      return gatewayKeysOf(deps).revoke({ actor: CLI_ACTOR }, { kid: str(input, "kid"), reason: str(input, "reason") });
    case "audit.verify": {
      const fromSeq = input.fromSeq;
      const expectedHead = input.expectedHead as ChainHead | undefined;
      return verifyAuditChain(deps.db, {
        ...(typeof fromSeq === "number" ? { fromSeq } : {}),
        ...(expectedHead ? { expectedHead } : {}),
      });
    }
    case "audit.head":
      return auditHeadsOf(deps).sign(CLI_ACTOR);
    case "audit.verify-head": {
      const given = input.jwks as { keys?: unknown } | undefined;
      if (given !== undefined && !Array.isArray(given?.keys)) throw new AppError("VALIDATION_FAILED", "jwks must be a JWK set");
      return verifyAuditHead({ db: deps.db, actor: CLI_ACTOR, signer: auditHeadsOf(deps) }, { jws: str(input, "jws"), jwks: given as { keys: JWK[] } | undefined });
    }
    case "inspection.verify":
      // Re-runs a draw from its stored record (seed, inputs, population snapshot) as the operator.
      return verifyDraw({ db: deps.db, clock: deps.clock, actor: CLI_ACTOR }, { drawId: str(input, "drawId") });
    case "notice.revoke-links":
      return revokeMerchantLinks(
        { db: deps.db, clock: deps.clock, actor: CLI_ACTOR },
        { noticeId: str(request.input, "noticeId"), reason: str(request.input, "reason"), platformId: optStr(request.input, "platformId") },
      );
    case "webhook.list": {
      const status = optStr(input, "status");
      if (status !== undefined && !["pending", "delivered", "dead"].includes(status)) throw new AppError("VALIDATION_FAILED", "status must be pending, delivered or dead");
      const platformId = optStr(input, "platformId");
      if (platformId !== undefined && !UUID.test(platformId)) throw new AppError("VALIDATION_FAILED", "platformId must be a uuid");
      const limit = typeof input.limit === "number" ? input.limit : undefined;
      const deliveries = await listWebhookDeliveries(outboundCtx(deps), { status: status as WebhookDeliveryView["status"] | undefined, platformId, limit });
      return { deliveries };
    }
    case "webhook.redeliver": {
      const deliveryId = str(input, "deliveryId");
      if (!UUID.test(deliveryId)) throw new AppError("VALIDATION_FAILED", "deliveryId must be a uuid");
      return retryWebhookDelivery(outboundCtx(deps), { deliveryId });
    }
    case "relations.load":
      return runRelationsLoad(ctx, input);
    case "reclassify.start":
    case "reclassify.get":
    case "model.train":
    case "model.compare":
    case "model.activate":
    case "model.rollback":
    case "model.list":
    case "backfill.start":
    case "backfill.finish":
      return runClassificationOperation(deps.classification, request);
    case "history.begin":
    case "history.chunk":
    case "history.finish":
      return runHistoryOperation(deps, request);
  }
}
