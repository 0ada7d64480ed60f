// What the exchange verbs run with (each verb's first line is authorize(), src/auth/authorize.ts).
// Verbs take a narrow context so unit tests can pass a database, a clock and a few functions.
import type { ValidateFunction } from "ajv";
import type { Actor } from "../auth/actor.js";
import type { GatewaySigner } from "../auth/signer.js";
import type { Executor } from "../db/client.js";
import type { ServiceDeps } from "../services.js";
import type { Publish } from "./outbound/types.js";
import { requestRescore } from "./rescore-job.js";

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
  actor: Actor | undefined;
}

/** Asks for a rescore of each entity (the rescore set: one row per entity however many changes). */
export async function requestRescores(deps: ExchangeDeps, on: Executor, entityIds: ReadonlySet<string>, options: { links?: boolean } = {}): Promise<void> {
  if (entityIds.size === 0) return;
  await requestRescore(on, deps.enqueueMany, entityIds, deps.clock.now(), options);
}
