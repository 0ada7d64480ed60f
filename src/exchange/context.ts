// What the exchange verbs run with, and the authorisation checks each verb runs first.
// Verbs take a narrow context so unit tests can pass a database, a clock and a few functions.
import type { ValidateFunction } from "ajv";
import type { Actor } from "../auth/actor.js";
import type { GatewaySigner } from "../auth/signer.js";
import type { Executor } from "../db/client.js";
import type { Principal } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { ServiceDeps } from "../services.js";
import type { Publish } from "./outbound/types.js";
import { rescoreRows } from "./rescore-job.js";

export type ExchangeDeps = Pick<ServiceDeps, "db" | "clock" | "logger" | "enqueueMany" | "kick"> & {
  signer: Pick<GatewaySigner, "signCompact">;
  publish: Publish;
};

/** The spec's compiled record schemas (MerchantRecord, EventRecord), checked one record at a time. */
export interface RecordValidators {
  merchant: ValidateFunction;
  event: ValidateFunction;
}

export interface ExchangeContext {
  deps: ExchangeDeps;
  validators: RecordValidators;
  /** The caller: a request's principal, or an operator (the CLI) loading a platform's history. */
  principal: Actor | undefined;
}

export type PlatformPrincipal = Extract<Principal, { kind: "platform" }>;
export type RegulatorPrincipal = Extract<Principal, { kind: "regulator" }>;

/** The calling platform, acting for itself, holding `scope` (when one is needed); else 403. */
export function requirePlatformScope(principal: Actor | undefined, scope: string | undefined, platformId?: string): PlatformPrincipal {
  if (principal?.kind !== "platform") throw new AppError("FORBIDDEN", "only a platform may do this");
  if (platformId !== undefined && principal.platformId !== platformId) throw new AppError("FORBIDDEN", "a platform may only submit for itself");
  if (scope !== undefined && !principal.scopes.includes(scope)) throw new AppError("FORBIDDEN", `the access token lacks the scope ${scope}`);
  return principal;
}

/**
 * Who may submit records for `platformId`: the platform itself with `scope`, or an operator
 * (the CLI, which holds the database credentials anyway) loading the platform's history.
 */
export function requireSubmitter(actor: Actor | undefined, scope: string, platformId: string): { platformId: string; actor: Actor } {
  if (actor?.kind === "cli" || actor?.kind === "system") return { platformId, actor };
  return { platformId: requirePlatformScope(actor, scope, platformId).platformId, actor: actor! };
}

/** Any signed-in regulator (viewer and up); region scope is checked against the data. */
export function requireRegulator(principal: Actor | undefined): RegulatorPrincipal {
  if (principal?.kind !== "regulator") throw new AppError("FORBIDDEN", "only a regulator may do this");
  return principal;
}

/** Asks for a rescore of each entity, coalesced per entity (dedupKey rescore:<id>). */
export async function requestRescores(deps: ExchangeDeps, on: Executor, entityIds: ReadonlySet<string>): Promise<void> {
  if (entityIds.size === 0) return;
  await deps.enqueueMany(on, rescoreRows(entityIds));
}
