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
import { openGatewayKeys, rotateGatewayKey, type Actor } from "../auth/index.js";
import { createGatewaySigner } from "../auth/gateway-signer.js";
import { signAuditHead } from "../audit/heads.js";
import { AppError } from "../http/errors.js";
import { callAdminSocket, probeAdminSocket } from "./admin-client.js";
import { adminSocketPath } from "./admin-socket.js";
import { runOperation, type CommandRequest } from "./operations.js";
import { openOperatorOps } from "./direct-ops.js";
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

/**
 * Where this process's commands run, opened once for commands that talk a while (a history
 * load sends thousands of chunks): through the running gateway's admin socket, or on the
 * database this process opened (held until close, under the data-dir lock on PGlite).
 */
export interface CommandSession {
  via: "direct" | "socket";
  call(request: CommandRequest): Promise<unknown>;
  /** Follows the run a call started until it ends (progress on stderr); returns the result with the finished run. */
  followRun(result: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function runCommand(config: Config, request: CommandRequest): Promise<RunResult> {
  const session = await openSession(config, { system: needsSystem(request.command) });
  try {
    const result = await session.call(request);
    return { result: startsRun(request) ? await session.followRun(result) : result, via: session.via };
  } finally {
    await session.close();
  }
}

/** Commands served by the gateway's modules (runs, models, history loads), not by the auth verbs alone. */
const needsSystem = (command: string) =>
  command.startsWith("model.") || command.startsWith("reclassify.") || command.startsWith("history.") || command.startsWith("backfill.") || command.startsWith("platform.key.") || command === "webhook.redeliver";

/** o.system: build the gateway's modules when opening the database here (see needsSystem). */
export async function openSession(config: Config, o: { system: boolean }): Promise<CommandSession> {
  if (!config.databaseUrl) {
    const socket = adminSocketPath(config.dataDir);
    // A leftover socket file of a gateway that is gone does not answer: the lock below decides.
    const gateway = existsSync(socket) ? await probeAdminSocket(socket) : "down";
    if (gateway === "denied") throw new CannotRun(`permission denied on ${socket}: run the CLI as the user that runs the gateway`);
    if (gateway === "up") {
      const call = (r: CommandRequest) => viaSocket(socket, r);
      return { via: "socket", call, followRun: (result) => followViaSocket(call, result), close: async () => {} };
    }
  }
  try {
    return await openDirect(config, o.system);
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
  // Training reads every entity's features twice: give it far longer than an ordinary command.
  const answer = await callAdminSocket(socket, request, request.command === "model.train" || request.command === "model.compare" ? 3_600_000 : undefined);
  if (answer.status === 200) return answer.body;
  const e = (answer.body as { error?: { code?: string; status?: number; detail?: string } } | null)?.error;
  throw new CommandFailed({ code: e?.code ?? "INTERNAL", status: e?.status ?? answer.status, detail: e?.detail ?? `HTTP ${answer.status}` });
}

async function openDirect(config: Config, system: boolean): Promise<CommandSession> {
  const db = await openDatabase(config.databaseUrl ? { kind: "postgres", url: config.databaseUrl, maxConnections: 2 } : { kind: "pglite", dataDir: config.dataDir });
  try {
    await migrate(db);
    const keys = openGatewayKeys({ db, clock: systemClock, keyEncryptionKey: config.keyEncryptionKey, embedded: db.kind === "pglite", dataDir: config.dataDir });
    // The issuer is not part of a signed head; the signer needs one all the same.
    const signer = createGatewaySigner({ keys, clock: systemClock, issuer: config.issuer ?? "http://localhost" });
    const deps = {
      db,
      clock: systemClock,
      webhookPolicy: config.webhookPolicy,
      rotateGatewayKey: ({ actor }: { actor: Parameters<typeof rotateGatewayKey>[0]["actor"] }) =>
        rotateGatewayKey({ actor, db, clock: systemClock, keyEncryptionKey: config.keyEncryptionKey, embedded: db.kind === "pglite", dataDir: config.dataDir }),
      gatewayKeys: keys,
      auditHeads: { sign: (actor: Actor) => signAuditHead({ db, clock: systemClock, signer, actor }), jwks: () => keys.jwks() },
      ...(system ? await openOperatorOps(config, db) : {}),
    };
    return {
      via: "direct",
      async call(request) {
        try {
          return await runOperation(deps, request);
        } catch (err) {
          if (err instanceof AppError) throw new CommandFailed({ code: err.code, status: err.status, detail: err.detail });
          throw err;
        }
      },
      // Direct: this process executes the run it started, with progress.
      followRun: async (result) => (deps.classification ? followDirect(deps.classification, result) : result),
      close: () => db.close(),
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
