// The history-load commands as data (they may travel over the admin socket), run as the CLI
// actor: begin (find or start the load of a file), chunk (one chunk of records and the bytes
// they came from), finish (mark it loaded, rebuild the relationship graph after merchants, then
// start the one full reclassification run).
import type { Actor } from "../../auth/actor.js";
import type { ClassificationOps } from "../../classification/lifecycle-ops.js";
import type { ReclassificationRun } from "../../classification/runs-store.js";
import type { HistoryLoad, HistoryOps } from "../../exchange/index.js";
import { AppError } from "../../http/errors.js";
import type { CommandRequest } from "../operations.js";

// Not imported from operations.ts: that module imports this one at load time.
const CLI_ACTOR: Actor = { kind: "cli" };

export const HISTORY_COMMANDS = ["history.begin", "history.chunk", "history.finish"] as const;

/** What history.finish answers: the load, and the full run that follows it (null with --no-run). */
export interface FinishResult {
  load: HistoryLoad;
  run: ReclassificationRun | null;
}

const invalid = (detail: string) => new AppError("VALIDATION_FAILED", detail);
const str = (input: Record<string, unknown>, key: string): string => {
  const v = input[key];
  if (typeof v !== "string" || v.length === 0) throw invalid(`${key} is required`);
  return v;
};
const whole = (input: Record<string, unknown>, key: string): number => {
  const v = input[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw invalid(`${key} must be a whole number`);
  return v;
};
function oneOf<T extends string>(input: Record<string, unknown>, key: string, values: readonly T[]): T {
  const v = input[key];
  if (typeof v !== "string" || !(values as readonly string[]).includes(v)) throw invalid(`${key} must be one of ${values.join(", ")}`);
  return v as T;
}

export async function runHistoryOperation(deps: { history?: HistoryOps | undefined; classification?: ClassificationOps | undefined }, request: CommandRequest): Promise<unknown> {
  const ops = deps.history;
  if (!ops) throw new AppError("INTERNAL", "history loads are not available here");
  const input = request.input ?? {};
  switch (request.command) {
    case "history.begin":
      return ops.begin(CLI_ACTOR, {
        platformId: str(input, "platformId"),
        records: oneOf(input, "records", ["events", "merchants"] as const),
        format: oneOf(input, "format", ["ndjson", "csv"] as const),
        fileName: str(input, "fileName"),
        fileSize: whole(input, "fileSize"),
        fingerprint: str(input, "fingerprint"),
        restart: input.restart === true,
      });
    case "history.chunk": {
      const records = input.records;
      if (!Array.isArray(records)) throw invalid("records must be a list");
      return ops.chunk(CLI_ACTOR, {
        loadId: str(input, "loadId"),
        fromOffset: whole(input, "fromOffset"),
        toOffset: whole(input, "toOffset"),
        nextLine: whole(input, "nextLine"),
        bodySha256: str(input, "bodySha256"),
        records,
        unreadable: whole(input, "unreadable"),
      });
    }
    case "history.finish":
      return finish(ops, deps.classification, str(input, "loadId"), input.run === true);
    default:
      throw new AppError("NOT_FOUND", `unknown command ${request.command}`);
  }
}

/**
 * Marks the load done, then starts the full run unless the operator said --no-run. The run is
 * remembered on the load, so finishing again (a rerun after a crash) follows that run instead
 * of starting a second one; a failed run is replaced.
 */
async function finish(ops: HistoryOps, classification: ClassificationOps | undefined, loadId: string, run: boolean): Promise<FinishResult> {
  const load = await ops.finish(CLI_ACTOR, { loadId });
  if (!run && load.records !== "merchants") return { load, run: null };
  if (!classification) throw new AppError("INTERNAL", "classification is not available here");
  // Merchant records make the relationship graph (shared legal representatives, addresses,
  // phones, investors), and a bulk load asks for no rescoring, which is where the graph is
  // otherwise refreshed: it is rebuilt here, before any run reads it.
  if (load.records === "merchants") await classification.rebuildLinks({ actor: CLI_ACTOR });
  if (!run) return { load, run: null };
  if (load.runId) {
    const previous = await classification.getRun({ actor: CLI_ACTOR }, { runId: load.runId });
    if (previous.status !== "failed") return { load, run: previous };
  }
  const started = await classification.startRun({ actor: CLI_ACTOR }, { reason: `history load ${load.loadId} (${load.records} of ${load.fileName})` });
  return { load: await ops.recordRun(CLI_ACTOR, { loadId, runId: started.runId }), run: started };
}
