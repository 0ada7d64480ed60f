// Following a full run from the CLI until it ends, with progress on stderr. `reclassify`,
// `reclassify --resume`, `model activate` and `model rollback` all end in a run:
//  - direct (the CLI opened the database): the CLI executes the run itself, chunk by chunk
//    (runs.ts); if a gateway worker already holds it, the CLI watches it instead. Ctrl-C stops
//    after the chunk in flight and leaves the run resumable (`reclassify --resume ID`).
//  - through the admin socket: the gateway executes it as a job; the CLI polls its record.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClassificationOps } from "../classification/lifecycle-ops.js";
import type { ReclassificationRun } from "../classification/runs-store.js";
import { runToApi } from "../classification/runs-store.js";
import type { Actor } from "../auth/actor.js";
import type { CommandRequest } from "./operations.js";
import { createProgress, stderrSink, type ProgressSink } from "./progress.js";

const POLL_MS = 500;
const CLI_ACTOR: Actor = { kind: "cli" };

export const startsRun = (r: CommandRequest): boolean =>
  r.command === "reclassify.start" || r.command === "model.activate" || r.command === "model.rollback" || (r.command === "reclassify.get" && r.input.resume === true);

/** The run inside a command's result: the run itself, or {run} for activate/rollback. */
function runOf(result: unknown): ReclassificationRun {
  const r = result as { run?: ReclassificationRun } & Partial<ReclassificationRun>;
  return (r.run ?? r) as ReclassificationRun;
}

function withRun(result: unknown, run: ReclassificationRun): unknown {
  const r = result as { run?: ReclassificationRun };
  return r.run ? { ...r, run } : run;
}

const finished = (run: ReclassificationRun) => run.status === "done" || run.status === "failed";

function report(progress: ReturnType<typeof createProgress>, run: ReclassificationRun) {
  progress.finish(`run ${run.runId} ${run.status}, ${run.processed.toLocaleString("en-US")} entities`);
}

/** Polls a run someone else executes until it ends. */
async function watch(get: (runId: string) => Promise<ReclassificationRun>, run: ReclassificationRun, sink: ProgressSink): Promise<ReclassificationRun> {
  const progress = createProgress("reclassify", sink);
  let current = run;
  while (!finished(current)) {
    progress.update(current.processed, current.total ?? null);
    await sleep(POLL_MS);
    current = await get(run.runId);
  }
  report(progress, current);
  return current;
}

export async function followViaSocket(call: (req: CommandRequest) => Promise<unknown>, result: unknown, sink: ProgressSink = stderrSink): Promise<unknown> {
  const get = async (runId: string) => (await call({ command: "reclassify.get", input: { runId } })) as ReclassificationRun;
  return withRun(result, await watch(get, runOf(result), sink));
}

/** Thrown after Ctrl-C: the run is left resumable. */
export class RunInterrupted extends Error {
  override readonly name = "RunInterrupted";
  constructor(readonly run: ReclassificationRun) {
    super(`interrupted after ${run.processed} entities: continue with  npm run cli -- reclassify --resume ${run.runId}`);
  }
}

export async function followDirect(ops: ClassificationOps, result: unknown, sink: ProgressSink = stderrSink): Promise<unknown> {
  const started = runOf(result);
  if (finished(started)) return result;
  const progress = createProgress("reclassify", sink);
  let stop = false;
  const onSigint = () => {
    stop = true;
    sink.write("\nstopping after the chunk in flight...\n");
  };
  process.once("SIGINT", onSigint);
  try {
    const outcome = await ops.executeRun(started.runId, {
      owner: `cli:${process.pid}:${randomBytes(4).toString("hex")}`,
      onStaging: (phase, row) => {
        if (phase === "start") sink.write(`computing the features of ${row.total ?? "all"} entities in one pass over their events...\n`);
      },
      onProgress: (row) => progress.update(row.processed, row.total),
      shouldStop: () => stop,
    });
    if (outcome.outcome === "missing") throw new Error(`run ${started.runId} vanished`);
    if (outcome.outcome === "busy") {
      sink.write(`run ${started.runId} is executed by another worker; following it\n`);
      return withRun(result, await watch((id) => ops.getRun({ actor: CLI_ACTOR }, { runId: id }), runToApi(outcome.run), sink));
    }
    const run = runToApi(outcome.run);
    if (outcome.outcome === "yielded") throw new RunInterrupted(run);
    report(progress, run);
    return withRun(result, run);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
