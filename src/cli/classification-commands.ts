// CLI commands of the classification module: full runs, the model lifecycle, platform backfills.
//   reclassify [--all | --region PREFIX | --platform ID] [--reason TEXT] [--chunk N]
//   reclassify --resume RUN_ID
//   model train --cut DATE [--horizon DAYS] | compare --version V | activate --version V --reason TEXT
//   model rollback --reason TEXT | model list
//   platform backfill start --platform ID --reason TEXT | finish --platform ID[,ID...] --reason TEXT
// The requests are data (they may travel over the admin socket); runs are executed by the
// caller (src/cli/reclassify.ts), which shows the progress.
import { AppError } from "../http/errors.js";
import type { ClassificationOps } from "../classification/lifecycle-ops.js";
import { list, onlyOptions, optional, required, UsageError, type ParsedArgs } from "./args.js";
import type { Actor } from "../auth/actor.js";
import type { CommandRequest } from "./operations.js";

// Not imported from operations.ts: that module imports this one at load time.
const CLI_ACTOR: Actor = { kind: "cli" };

export const CLASSIFICATION_USAGE = `  reclassify [--all | --region PREFIX | --platform ID] [--reason TEXT] [--chunk N]
                                   full reclassification run with the active model (progress on a terminal);
                                   prints the run record
  reclassify --resume RUN_ID       continue an interrupted run after its last committed chunk
  model train --cut DATE [--horizon DAYS]   train on the history before DATE, evaluate after it; stores a candidate
  model compare --version V        candidate vs active on the candidate's holdout (AUC, Brier, KS, classes)
  model activate --version V --reason TEXT  make V active (audited) and run a full reclassification
  model rollback --reason TEXT     re-activate the previously active model and run a full reclassification
  model list
  platform backfill start --platform ID --reason TEXT
                                   the platform sends its history: its batches ask for no re-scoring meanwhile
  platform backfill finish --platform ID[,ID...] --reason TEXT
                                   end the platforms' backfills: one run over all their entities, which the
                                   gateway's worker executes (prints its runId; follow it with reclassify --resume)`;

export const CLASSIFICATION_COMMANDS = [
  "reclassify.start",
  "reclassify.get",
  "model.train",
  "model.compare",
  "model.activate",
  "model.rollback",
  "model.list",
  "backfill.start",
  "backfill.finish",
] as const;

const positiveInt = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw new UsageError(`--${what} must be a positive whole number`);
  return Number(v);
};

export function classificationRequest(args: ParsedArgs): CommandRequest {
  const words = args.words.join(" ");
  switch (words) {
    case "reclassify": {
      onlyOptions(args, ["all", "region", "platform", "reason", "chunk", "resume"]);
      const resume = optional(args, "resume");
      if (resume !== undefined) {
        if (args.options.size > 1) throw new UsageError("--resume takes no other options");
        return { command: "reclassify.get", input: { runId: resume, resume: true } };
      }
      const region = optional(args, "region");
      const platform = optional(args, "platform");
      if (args.options.has("all") && (region !== undefined || platform !== undefined)) throw new UsageError("--all excludes --region and --platform");
      if (region !== undefined && !/^\d{1,6}$/.test(region)) throw new UsageError("--region must be a region code prefix (1-6 digits)");
      const chunk = positiveInt(optional(args, "chunk"), "chunk");
      return {
        command: "reclassify.start",
        input: {
          ...(region !== undefined ? { regionPrefix: region } : {}),
          ...(platform !== undefined ? { platformId: platform } : {}),
          reason: optional(args, "reason") ?? "operator CLI reclassify",
          ...(chunk !== undefined ? { chunkSize: chunk } : {}),
        },
      };
    }
    case "model train": {
      onlyOptions(args, ["cut", "horizon"]);
      const cut = required(args, "cut");
      if (Number.isNaN(Date.parse(cut))) throw new UsageError("--cut must be a date (YYYY-MM-DD)");
      const horizon = positiveInt(optional(args, "horizon"), "horizon");
      return { command: "model.train", input: { cut, ...(horizon !== undefined ? { horizonDays: horizon } : {}) } };
    }
    case "model compare":
      onlyOptions(args, ["version"]);
      return { command: "model.compare", input: { version: required(args, "version") } };
    case "model activate":
      onlyOptions(args, ["version", "reason"]);
      return { command: "model.activate", input: { version: required(args, "version"), reason: required(args, "reason") } };
    case "model rollback":
      onlyOptions(args, ["reason"]);
      return { command: "model.rollback", input: { reason: required(args, "reason") } };
    case "model list":
      onlyOptions(args, []);
      return { command: "model.list", input: {} };
    case "platform backfill start":
      onlyOptions(args, ["platform", "reason"]);
      return { command: "backfill.start", input: { platformId: required(args, "platform"), reason: required(args, "reason") } };
    case "platform backfill finish": {
      onlyOptions(args, ["platform", "reason"]);
      const platformIds = list(args, "platform") ?? [];
      if (platformIds.length === 0) throw new UsageError("--platform needs at least one platform id");
      return { command: "backfill.finish", input: { platformIds, reason: required(args, "reason") } };
    }
    default:
      throw new UsageError(`unknown command "${words}"`);
  }
}

const str = (input: Record<string, unknown>, key: string): string => {
  const v = input[key];
  if (typeof v !== "string" || v.length === 0) throw new AppError("VALIDATION_FAILED", `${key} is required`);
  return v;
};
const optStr = (input: Record<string, unknown>, key: string): string | undefined => (typeof input[key] === "string" ? (input[key] as string) : undefined);
const optNum = (input: Record<string, unknown>, key: string): number | undefined => (typeof input[key] === "number" ? (input[key] as number) : undefined);

/** Runs one classification command as the CLI actor (an operator). */
export async function runClassificationOperation(ops: ClassificationOps | undefined, request: CommandRequest): Promise<unknown> {
  if (!ops) throw new AppError("INTERNAL", "classification operations are not available here");
  const input = request.input ?? {};
  switch (request.command) {
    case "reclassify.start": {
      const chunkSize = optNum(input, "chunkSize");
      const regionPrefix = optStr(input, "regionPrefix");
      const platformId = optStr(input, "platformId");
      return ops.startRun({ actor: CLI_ACTOR }, {
        reason: str(input, "reason"),
        ...(regionPrefix !== undefined ? { regionPrefix } : {}),
        ...(platformId !== undefined ? { platformId } : {}),
        ...(chunkSize !== undefined ? { chunkSize } : {}),
      });
    }
    case "reclassify.get":
      return input.resume === true ? ops.resumeRun({ actor: CLI_ACTOR }, { runId: str(input, "runId") }) : ops.getRun({ actor: CLI_ACTOR }, { runId: str(input, "runId") });
    case "model.train": {
      const horizonDays = optNum(input, "horizonDays");
      return ops.train({ actor: CLI_ACTOR }, { cut: str(input, "cut"), ...(horizonDays !== undefined ? { horizonDays } : {}) });
    }
    case "model.compare":
      return ops.compare({ actor: CLI_ACTOR }, { version: str(input, "version") });
    case "model.activate": {
      const { model, run, previous } = await ops.activate({ actor: CLI_ACTOR }, { version: str(input, "version"), reason: str(input, "reason") });
      return { model, run, previous };
    }
    case "model.rollback": {
      const { model, run, previous } = await ops.rollback({ actor: CLI_ACTOR }, { reason: str(input, "reason") });
      return { model, run, previous };
    }
    case "model.list":
      return { models: await ops.listModels({ actor: CLI_ACTOR }) };
    case "backfill.start":
      return ops.startBackfill({ actor: CLI_ACTOR }, { platformId: str(input, "platformId"), reason: str(input, "reason") });
    case "backfill.finish": {
      const ids = input.platformIds;
      if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string")) throw new AppError("VALIDATION_FAILED", "platformIds must be a list of strings");
      return ops.finishBackfills({ actor: CLI_ACTOR }, { platformIds: ids as string[], reason: str(input, "reason") });
    }
    default:
      throw new AppError("NOT_FOUND", `unknown command ${request.command}`);
  }
}
