// The embedded data directory holds the database, the key-encryption key and the first
// admin's password file: only the account that runs the gateway may enter it.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireDataDirLock } from "./data-dir-lock.js";

const root = mkdtempSync(join(tmpdir(), "datadir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("data directory", () => {
  it("is created 0700, parents included", () => {
    const dir = join(root, "fresh", "nested", "data");
    acquireDataDirLock(dir).release();
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(root, "fresh", "nested"))).toBe(0o700);
  });

  it("is tightened to 0700 when it exists with wider permissions", () => {
    const dir = join(root, "loose");
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    acquireDataDirLock(dir).release();
    expect(modeOf(dir)).toBe(0o700);
  });
});
