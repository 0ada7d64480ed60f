// The embedded default's first start creates one nationwide admin, writes its credentials to a
// 0600 file, prints them once, and never again.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
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
  it("is created once on the embedded default, with the password shown once and saved 0600", async () => {
    const deps = { db: t.db, clock: new ManualClock(), dataDir: dir };
    await bootstrapFirstAdmin({ ...deps, embedded: false });
    await bootstrapFirstAdmin({ ...deps, embedded: true, dataDir: "memory://" });
    expect((await t.db.rows<{ n: number }>(sql`select count(*)::int as n from regulator_user`))[0]!.n).toBe(0);

    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await bootstrapFirstAdmin({ ...deps, embedded: true });
    await bootstrapFirstAdmin({ ...deps, embedded: true });
    expect(log).toHaveBeenCalledTimes(1);
    log.mockRestore();

    const file = join(dir, "initial-admin.txt");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = /password: (\S+)/.exec(readFileSync(file, "utf8"))![1]!;
    const users = await t.db.rows<{ username: string; role: string; region_prefix: string; password_hash: string }>(sql`select * from regulator_user`);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ username: "admin", role: "admin", region_prefix: "" });
    expect(await verifyPassword(password, users[0]!.password_hash)).toBe(true);
  });
});
