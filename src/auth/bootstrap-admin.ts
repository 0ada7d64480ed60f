// The embedded default's first start creates a nationwide admin (region prefix "" = every
// region) so a fresh clone can log in at all. The password is generated, shown once on the
// terminal (console, never the structured log) and written to <dataDir>/initial-admin.txt
// (0600) so a non-interactive start does not lose it; delete that file after first login.
// Not on PostgreSQL (use `npm run cli -- regulator add`), not on an in-memory database (tests).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { createRegulatorUser } from "./regulator-users.js";

export async function bootstrapFirstAdmin(deps: { db: Database; clock: Clock; embedded: boolean; dataDir: string }): Promise<void> {
  if (!deps.embedded || deps.dataDir === "memory://") return;
  const [row] = await deps.db.rows<{ n: number }>(sql`select count(*)::int as n from regulator_user`);
  if ((row?.n ?? 0) > 0) return;
  const user = await createRegulatorUser(
    { db: deps.db, clock: deps.clock, actor: { kind: "system", name: "bootstrap" } },
    { username: "admin", displayName: "First administrator", role: "admin", regionPrefix: "" },
  );
  const file = join(deps.dataDir, "initial-admin.txt");
  const text = `username: ${user.username}\npassword: ${user.password}\nrole: admin, region: all (prefix "")\n`;
  writeFileSync(file, text, { mode: 0o600, flag: "w" });
  console.log(
    `\nFirst start: created the regulator admin.\n  username: ${user.username}\n  password: ${user.password}\n` +
      `This is shown once (also saved to ${file}, mode 0600 — delete it after you have stored the password).\n`,
  );
}
