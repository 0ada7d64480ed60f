// `backup --out FILE` and `restore --from FILE --data-dir DIR` for the embedded default. The
// snapshot is taken by the process that holds the database: the running gateway (through its
// admin socket), or this process under the data-dir lock when none runs. PostgreSQL is backed
// up with pg_dump (README, "Backup and restore").
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Config } from "../config.js";
import { buildBackupArchive, restoreEmbeddedBackup, RestoreRefused, snapshotEmbeddedDatabase, type DatabaseSnapshot } from "../db/backup/embedded.js";
import { openDatabase } from "../db/client.js";
import { DataDirBusyError } from "../db/data-dir-lock.js";
import { fetchSnapshot, probeAdminSocket } from "./admin-client.js";
import { adminSocketPath } from "./admin-socket.js";
import { onlyOptions, required, type ParsedArgs } from "./args.js";
import { CannotRun } from "./run.js";

export interface BackupCommandResult {
  summary: unknown;
  exitCode: number;
}

export async function runBackupCommand(config: Config, args: ParsedArgs): Promise<BackupCommandResult> {
  onlyOptions(args, ["out"]);
  const out = resolve(required(args, "out"));
  if (config.databaseUrl) {
    throw new CannotRun("backup copies the embedded database; with DATABASE_URL use pg_dump -Fc and keep KEY_ENCRYPTION_KEY (README: Backup and restore)");
  }
  const { snapshot, via } = await takeSnapshot(config.dataDir);
  const { archive, manifest } = buildBackupArchive(snapshot, config.dataDir, new Date());
  // Written beside the target and renamed: a crash never leaves a half-written FILE.
  const partial = `${out}.partial-${process.pid}`;
  writeFileSync(partial, archive, { mode: 0o600 });
  renameSync(partial, out);
  return { summary: { file: out, bytes: archive.length, createdAt: manifest.createdAt, auditHead: manifest.auditHead, via }, exitCode: 0 };
}

async function takeSnapshot(dataDir: string): Promise<{ snapshot: DatabaseSnapshot; via: "socket" | "direct" }> {
  const socket = adminSocketPath(dataDir);
  const gateway = existsSync(socket) ? await probeAdminSocket(socket) : "down";
  if (gateway === "denied") throw new CannotRun(`permission denied on ${socket}: run the CLI as the user that runs the gateway`);
  if (gateway === "up") return { snapshot: await fetchSnapshot(socket), via: "socket" };
  if (!existsSync(`${dataDir}/pgdata`)) throw new CannotRun(`${dataDir} holds no embedded database`);
  let db;
  try {
    db = await openDatabase({ kind: "pglite", dataDir });
  } catch (err) {
    if (err instanceof DataDirBusyError) {
      throw new CannotRun(`the embedded database in ${dataDir} is held by process ${err.pid}, which does not answer on ${socket}: nothing was backed up`);
    }
    throw err;
  }
  try {
    return { snapshot: await snapshotEmbeddedDatabase(db), via: "direct" };
  } finally {
    await db.close();
  }
}

export async function runRestoreCommand(args: ParsedArgs): Promise<BackupCommandResult> {
  onlyOptions(args, ["from", "data-dir"]);
  const from = required(args, "from");
  const dataDir = resolve(required(args, "data-dir"));
  let archive: Uint8Array;
  try {
    archive = readFileSync(from);
  } catch (err) {
    throw new CannotRun(`cannot read ${from} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    const r = await restoreEmbeddedBackup(archive, dataDir);
    const sameHead = r.audit.ok && r.audit.head.seq === r.manifest.auditHead.seq && r.audit.head.hash === r.manifest.auditHead.hash;
    return {
      summary: { dataDir: r.dataDir, backupCreatedAt: r.manifest.createdAt, auditHead: r.manifest.auditHead, audit: r.audit, auditHeadMatches: sameHead },
      exitCode: sameHead ? 0 : 1,
    };
  } catch (err) {
    if (err instanceof RestoreRefused) throw new CannotRun(err.message);
    throw err;
  }
}
