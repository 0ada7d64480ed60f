// Bulk loads of a platform's past records by an operator, bound to the exchange module's
// dependencies: the CLI runs them on the database it opened, or the gateway runs them for it
// through the admin socket (embedded database).
import type { Actor } from "../../auth/actor.js";
import type { ExchangeDeps, RecordValidators } from "../context.js";
import type { LoadFile } from "./load-store.js";
import { beginHistoryLoad, finishHistoryLoad, loadHistoryChunk, recordHistoryRun, type ChunkInput, type HistoryContext } from "./load-verbs.js";

export { MAX_CHUNK_RECORDS, type ChunkInput, type ChunkOutcome } from "./load-verbs.js";
export type { HistoryLoad, LoadFile, LoadFormat, LoadRecords } from "./load-store.js";

export function createHistoryOps(deps: ExchangeDeps, validators: RecordValidators) {
  const ctx = (actor: Actor): HistoryContext => ({ deps, validators, actor });
  return {
    begin: (actor: Actor, input: LoadFile & { restart?: boolean }) => beginHistoryLoad(ctx(actor), input),
    chunk: (actor: Actor, input: ChunkInput) => loadHistoryChunk(ctx(actor), input),
    finish: (actor: Actor, input: { loadId: string }) => finishHistoryLoad(ctx(actor), input),
    recordRun: (actor: Actor, input: { loadId: string; runId: string }) => recordHistoryRun(ctx(actor), input),
  };
}

export type HistoryOps = ReturnType<typeof createHistoryOps>;
