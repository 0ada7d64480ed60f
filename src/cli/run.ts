// Where a command runs:
//  - PostgreSQL (DATABASE_URL): directly — any number of processes may share it.
//  - Embedded: if a gateway listens on DATA_DIR/admin.sock, through it (the gateway holds the
//    PGlite database, and its key cache sees a rotation at once); otherwise directly, under
//    the data-dir lock. A data dir locked by a process that does not answer on the socket is
//    refused: two PGlite processes on one directory would corrupt it.
import { existsSync } from "node:fs";
import { systemClock } from "../clock.js";
import type { Config } from "../config.js";
import { openDatabase } from "../db/client.js";
import { DataDirBusyError } from "../db/data-dir-lock.js";
import { migrate } from "../db/migrate.js";
import { openGatewayKeys, rotateGatewayKey } from "../auth/index.js";
import { AppError } from "../http/errors.js";
import { AdminSocketUnavailable, callAdminSocket } from "./admin-client.js";
import { adminSocketPath } from "./admin-socket.js";
import { runOperation, type CommandRequest } from "./operations.js";
import { openClassificationOps } from "./classification-direct.js";
import { followDirect, followViaSocket, startsRun } from "./reclassify.js";

/** A command the gateway refused: printed as {error: {code, status, detail}}. */
export class CommandFailed extends Error {
  override readonly name = "CommandFailed";
  constructor(readonly failure: { code: string; status: number; detail: string }) {
    super(`${failure.code}: ${failure.detail}`);
  }
}

/** The command cannot run at all here (busy data dir, unreachable socket). */
export class CannotRun extends Error {
  override readonly name = "CannotRun";
}

export interface RunResult {
  result: unknown;
  via: "direct" | "socket";
}

export async function runCommand(config: Config, request: CommandRequest): Promise<RunResult> {
  if (!config.databaseUrl) {
    const socket = adminSocketPath(config.dataDir);
    if (existsSync(socket)) {
      try {
        const result = await viaSocket(socket, request);
        // A command that starts a run returns at once; follow the run the gateway executes.
        return { result: startsRun(request) ? await followViaSocket((r) => viaSocket(socket, r), result) : result, via: "socket" };
      } catch (err) {
        if (!(err instanceof AdminSocketUnavailable)) throw err;
        // A leftover socket file of a gateway that is gone: the lock below decides.
      }
    }
  }
  try {
    return { result: await direct(config, request), via: "direct" };
  } catch (err) {
    if (err instanceof DataDirBusyError) {
      throw new CannotRun(
        `the embedded database in ${config.dataDir} is held by process ${err.pid}, which does not answer on ${adminSocketPath(config.dataDir)}. ` +
          `Nothing was changed. Run the command while that gateway is up (it serves the CLI on its admin socket), stop it first, or use DATABASE_URL.`,
      );
    }
    throw err;
  }
}

async function viaSocket(socket: string, request: CommandRequest): Promise<unknown> {
  let answer;
  try {
    // Training reads every entity's features twice: give it far longer than an ordinary command.
    answer = await callAdminSocket(socket, request, request.command === "model.train" || request.command === "model.compare" ? 3_600_000 : undefined);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EACCES") {
      throw new CannotRun(`permission denied on ${socket}: run the CLI as the user that runs the gateway`);
    }
    throw err;
  }
  if (answer.status === 200) return answer.body;
  const e = (answer.body as { error?: { code?: string; status?: number; detail?: string } } | null)?.error;
  throw new CommandFailed({ code: e?.code ?? "INTERNAL", status: e?.status ?? answer.status, detail: e?.detail ?? `HTTP ${answer.status}` });
}

async function direct(config: Config, request: CommandRequest): Promise<unknown> {
  const db = await openDatabase(config.databaseUrl ? { kind: "postgres", url: config.databaseUrl, maxConnections: 2 } : { kind: "pglite", dataDir: config.dataDir });
  try {
    await migrate(db);
    const deps = {
      db,
      clock: systemClock,
      webhookPolicy: config.webhookPolicy,
      rotateGatewayKey: ({ actor }: { actor: Parameters<typeof rotateGatewayKey>[0]["actor"] }) =>
        rotateGatewayKey({ actor, db, clock: systemClock, keyEncryptionKey: config.keyEncryptionKey, embedded: db.kind === "pglite", dataDir: config.dataDir }),
      gatewayKeys: openGatewayKeys({ db, clock: systemClock, keyEncryptionKey: config.keyEncryptionKey, embedded: db.kind === "pglite", dataDir: config.dataDir }),
      ...(request.command.startsWith("model.") || request.command.startsWith("reclassify.") ? { classification: await openClassificationOps(config, db) } : {}),
    };
    try {
      const result = await runOperation(deps, request);
      // Direct: this process executes the run it started, with progress.
      return startsRun(request) && deps.classification ? await followDirect(deps.classification, result) : result;
    } catch (err) {
      if (err instanceof AppError) throw new CommandFailed({ code: err.code, status: err.status, detail: err.detail });
      throw err;
    }
  } finally {
    await db.close();
  }
}
