// The embedded default's first start creates a nationwide admin (region prefix "" = every
// region) so a fresh clone can log in at all. The generated password goes to
// <dataDir>/initial-admin.txt (0600) and nowhere else: the start-up output names the file, never
// the password, because terminals are scrolled back, recorded and shipped to log collectors.
// Delete the file after the first login. Not on PostgreSQL (use `npm run cli -- regulator
// add`), not on an in-memory database (tests).
import { openSync, unlinkSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { generatePassword } from "./passwords.js";
import { createRegulatorUser } from "./regulator-users.js";

export const INITIAL_ADMIN_FILE = "initial-admin.txt";

export async function bootstrapFirstAdmin(deps: { db: Database; clock: Clock; embedded: boolean; dataDir: string }): Promise<void> {
  if (!deps.embedded || deps.dataDir === "memory://") return;
  const [row] = await deps.db.rows<{ n: number }>(sql`select count(*)::int as n from regulator_user`);
  if ((row?.n ?? 0) > 0) return;
  const password = generatePassword();
  const file = join(deps.dataDir, INITIAL_ADMIN_FILE);
  // Written before the account exists, so a failed write never leaves an admin nobody can use.
  writePrivateFile(file, `username: admin\npassword: ${password}\nrole: admin, region: all (prefix "")\n`);
  await createRegulatorUser(
    { db: deps.db, clock: deps.clock, actor: { kind: "system", name: "bootstrap" } },
    { username: "admin", displayName: "First administrator", role: "admin", regionPrefix: "", password },
  );
  console.log(
    `\nFirst start: created the regulator admin "admin". Its password is in ${file} (mode 0600).\n` +
      `Read it there, store it, and delete the file.\n`,
  );
}

/** A new file only this account can read; one left behind is replaced, never reused with its mode. */
function writePrivateFile(path: string, text: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const fd = openSync(path, "wx", 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
