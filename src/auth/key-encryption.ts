// The key-encryption key (KEK) that protects the gateway's private JWKs at rest (AES-256-GCM).
// Production passes KEY_ENCRYPTION_KEY; the embedded default keeps a random one in
// <dataDir>/keys/kek (0600, created once) so `npm start` works on a fresh clone without a
// default secret. An in-memory database gets an in-memory KEK.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface KekSource {
  keyEncryptionKey: string | undefined;
  embedded: boolean;
  dataDir: string;
}

/** Where the embedded default keeps its key-encryption key (created once by loadKek). */
export const kekFile = (dataDir: string): string => join(dataDir, "keys", "kek");

export function loadKek(src: KekSource): Buffer {
  if (src.keyEncryptionKey !== undefined) {
    const kek = Buffer.from(src.keyEncryptionKey, "base64");
    if (kek.length !== 32) throw new Error("KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded");
    return kek;
  }
  if (!src.embedded) throw new Error("KEY_ENCRYPTION_KEY is required with PostgreSQL (the gateway's private keys are encrypted with it)");
  if (src.dataDir === "memory://") return randomBytes(32);
  const file = kekFile(src.dataDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // "wx": create only if absent, so two racing starts never overwrite each other's KEK.
    writeFileSync(file, randomBytes(32).toString("base64") + "\n", { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const kek = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (kek.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return kek;
}

/** base64url(iv || ciphertext || tag); `aad` (the kid) binds the ciphertext to its row. */
export function encryptWithKek(kek: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", kek, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString("base64url");
}

export class KekMismatchError extends Error {
  constructor(what: string) {
    super(`cannot decrypt ${what}: the key-encryption key is not the one it was encrypted with (check KEY_ENCRYPTION_KEY or <dataDir>/keys/kek)`);
    this.name = "KekMismatchError";
  }
}

export function decryptWithKek(kek: Buffer, sealed: string, aad: string): string {
  const buf = Buffer.from(sealed, "base64url");
  if (buf.length < 12 + 16 + 1) throw new KekMismatchError(`gateway key ${aad} (truncated ciphertext)`);
  const decipher = createDecipheriv("aes-256-gcm", kek, buf.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(buf.subarray(buf.length - 16));
  try {
    return Buffer.concat([decipher.update(buf.subarray(12, buf.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    throw new KekMismatchError(`gateway key ${aad}`);
  }
}
