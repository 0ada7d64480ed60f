// `npm run cli -- history load FILE --platform ID ...`: options to LoadOptions, then the load
// on a command session (the database here, or the running gateway's admin socket).
import { extname } from "node:path";
import type { Config } from "../../config.js";
import { MAX_CHUNK_RECORDS } from "../../exchange/index.js";
import { onlyOptions, optional, required, UsageError, type ParsedArgs } from "../args.js";
import { stderrSink } from "../progress.js";
import { openSession } from "../run.js";
import { loadHistory, type LoadOptions, type LoadSummary } from "./load.js";

export const HISTORY_USAGE = `  history load FILE --platform ID [--records events|merchants] [--format ndjson|csv]
               [--report FILE] [--chunk N] [--restart] [--no-run]
                                   load a platform's past events (or merchants) in bulk, validated as by the API;
                                   streamed, resumable (run it again to continue), rows not loaded listed in
                                   the report (default FILE.errors.csv); ends with ONE full reclassification
                                   run unless --no-run. CSV: a header line naming the record's fields
                                   (eventId,shopId,kind,occurredAt,data), JSON in object/array columns`;

const DEFAULT_CHUNK_ROWS = 2_000;
/** Keeps a chunk's request well inside the admin socket's limit, whatever the rows look like. */
const CHUNK_BYTES = 4 * 1024 * 1024;

function formatOf(file: string, given: string | undefined): LoadOptions["format"] {
  if (given !== undefined) {
    if (given !== "ndjson" && given !== "csv") throw new UsageError("--format must be ndjson or csv");
    return given;
  }
  const ext = extname(file).toLowerCase();
  if (ext === ".ndjson" || ext === ".jsonl") return "ndjson";
  if (ext === ".csv") return "csv";
  throw new UsageError(`cannot tell the format of ${file} from its name: give --format ndjson or --format csv`);
}

export function historyLoadOptions(args: ParsedArgs): LoadOptions {
  const [, verb, file, ...rest] = args.words;
  if (verb !== "load" || !file || rest.length > 0) throw new UsageError("usage: history load FILE --platform ID [options]");
  onlyOptions(args, ["platform", "records", "format", "report", "chunk", "restart", "no-run"]);
  const records = optional(args, "records") ?? "events";
  if (records !== "events" && records !== "merchants") throw new UsageError("--records must be events or merchants");
  const chunk = optional(args, "chunk");
  if (chunk !== undefined && !(/^[1-9]\d*$/.test(chunk) && Number(chunk) <= MAX_CHUNK_RECORDS)) {
    throw new UsageError(`--chunk must be a whole number from 1 to ${MAX_CHUNK_RECORDS}`);
  }
  for (const flag of ["restart", "no-run"]) {
    if (args.options.has(flag) && args.options.get(flag) !== true) throw new UsageError(`--${flag} takes no value`);
  }
  return {
    file,
    platformId: required(args, "platform"),
    records,
    format: formatOf(file, optional(args, "format")),
    report: optional(args, "report") ?? `${file}.errors.csv`,
    chunkRows: chunk === undefined ? DEFAULT_CHUNK_ROWS : Number(chunk),
    chunkBytes: CHUNK_BYTES,
    restart: args.options.has("restart"),
    run: !args.options.has("no-run"),
  };
}

/** Runs `history ...`; the summary JSON goes to stdout. Exit code 0, or 130 when Ctrl-C stopped the load. */
export async function runHistoryCommand(config: Config, args: ParsedArgs): Promise<{ summary: LoadSummary; exitCode: number }> {
  const options = historyLoadOptions(args);
  const session = await openSession(config, { system: true });
  try {
    if (session.via === "socket") stderrSink.write("(loading through the gateway that holds the data directory, on its admin socket)\n");
    const summary = await loadHistory(session, options);
    return { summary, exitCode: summary.status === "interrupted" ? 130 : 0 };
  } finally {
    await session.close();
  }
}
