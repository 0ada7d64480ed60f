import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decryptWithKek, encryptWithKek, KekMismatchError, loadKek } from "./key-encryption.js";

const dir = mkdtempSync(join(tmpdir(), "kek-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("key-encryption key", () => {
  it("seals and opens; a wrong KEK or another row's kid is refused with a clear error", () => {
    const kek = Buffer.alloc(32, 1);
    const sealed = encryptWithKek(kek, '{"d":"secret"}', "kid-1");
    expect(sealed).not.toContain("secret");
    expect(decryptWithKek(kek, sealed, "kid-1")).toBe('{"d":"secret"}');
    expect(() => decryptWithKek(Buffer.alloc(32, 2), sealed, "kid-1")).toThrow(KekMismatchError);
    expect(() => decryptWithKek(Buffer.alloc(32, 2), sealed, "kid-1")).toThrow(/KEY_ENCRYPTION_KEY/);
    expect(() => decryptWithKek(kek, sealed, "kid-2")).toThrow(KekMismatchError);
  });

  it("uses the configured key; embedded without one keeps a random KEK file (0600, created once)", () => {
    const configured = Buffer.alloc(32, 9).toString("base64");
    expect(loadKek({ keyEncryptionKey: configured, embedded: false, dataDir: dir }).equals(Buffer.alloc(32, 9))).toBe(true);
    expect(() => loadKek({ keyEncryptionKey: "c2hvcnQ=", embedded: true, dataDir: dir })).toThrow(/32 bytes/);
    expect(() => loadKek({ keyEncryptionKey: undefined, embedded: false, dataDir: dir })).toThrow(/required/);
    const first = loadKek({ keyEncryptionKey: undefined, embedded: true, dataDir: dir });
    const second = loadKek({ keyEncryptionKey: undefined, embedded: true, dataDir: dir });
    expect(first.equals(second)).toBe(true);
    const file = join(dir, "keys", "kek");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64").equals(first)).toBe(true);
    const mem1 = loadKek({ keyEncryptionKey: undefined, embedded: true, dataDir: "memory://" });
    expect(mem1.length).toBe(32);
  });
});
