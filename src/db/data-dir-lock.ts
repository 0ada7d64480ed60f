// PGlite is a single-process database: two processes opening the same data directory would
// corrupt it. The first process to open it writes its pid here; any other is refused with a
// message saying who holds it. A lock left by a dead process is taken over.
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface DataDirLock {
  release(): void;
}

export class DataDirBusyError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(
      `the embedded database in ${dataDir} is in use by process ${pid} (a running gateway?). ` +
        `PGlite allows one process at a time: stop that process, or use the gateway's admin API, ` +
        `or run against PostgreSQL with DATABASE_URL.`,
    );
    this.name = "DataDirBusyError";
  }
}

/**
 * The data directory holds the database files, the key-encryption key and the first admin's
 * password: created 0700 (parents too, when created here), and tightened to 0700 when it
 * exists with wider permissions, so no other local account can read it.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) === 0) return;
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    throw new Error(`${dir} is open to other accounts and cannot be made private (${(err as NodeJS.ErrnoException).code}): use a directory owned by the account that runs the gateway`);
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, "gateway.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DataDirBusyError(dataDir, holder);
      }
      unlinkSync(path); // stale: its process is gone
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
