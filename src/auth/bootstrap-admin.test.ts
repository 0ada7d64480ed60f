// The embedded default's first start creates one nationwide admin and writes its credentials to
// a 0600 file only; the start-up output says where that file is, once, and never again.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { bootstrapFirstAdmin } from "./bootstrap-admin.js";
import { verifyPassword } from "./passwords.js";

let t: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), "boot-"));
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("first admin", () => {
  it("is created once on the embedded default, with the password only in a 0600 file the output points to", async () => {
    const deps = { db: t.db, clock: new ManualClock(), dataDir: dir };
    await bootstrapFirstAdmin({ ...deps, embedded: false });
    await bootstrapFirstAdmin({ ...deps, embedded: true, dataDir: "memory://" });
    expect((await t.db.rows<{ n: number }>(sql`select count(*)::int as n from regulator_user`))[0]!.n).toBe(0);

    // A file left behind (readable by others) is replaced, not reused with its permissions.
    const file = join(dir, "initial-admin.txt");
    writeFileSync(file, "stale\n", { mode: 0o644 });
    chmodSync(file, 0o644);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await bootstrapFirstAdmin({ ...deps, embedded: true });
    await bootstrapFirstAdmin({ ...deps, embedded: true });
    expect(log).toHaveBeenCalledTimes(1);
    const printed = log.mock.calls.flat().join(" ");
    log.mockRestore();

    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = /password: (\S+)/.exec(readFileSync(file, "utf8"))![1]!;
    // The terminal (and any log collecting it) learns where the password is, never the password.
    expect(printed).toContain(file);
    expect(printed).not.toContain(password);
    const users = await t.db.rows<{ username: string; role: string; region_prefix: string; password_hash: string }>(sql`select * from regulator_user`);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ username: "admin", role: "admin", region_prefix: "" });
    expect(await verifyPassword(password, users[0]!.password_hash)).toBe(true);
  });
});
