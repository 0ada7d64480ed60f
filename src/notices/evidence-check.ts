// Checking rectification evidence files before anything is stored (pure: no database). The
// declared content type is only a claim: the file's own first bytes must say the same, so a
// renamed HTML or executable never reaches the store or a regulator's browser. Every file of a
// submission is checked before any is kept; the first problem found refuses the whole request.
import { createHash } from "node:crypto";
import { AppError, type FieldError } from "../http/errors.js";
import { EVIDENCE_LIMITS, type EvidenceContentType } from "./options.js";

export interface EvidenceFileInput {
  name: string;
  contentType: string;
  contentBase64: string;
}

export interface CheckedFile {
  /** Sanitised for storage and display (see sanitiseFileName). */
  name: string;
  contentType: EvidenceContentType;
  bytes: Buffer;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
}

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((ch) => ch.charCodeAt(0));

/** Magic numbers of the accepted types. */
const SIGNATURES: Record<EvidenceContentType, (b: Uint8Array) => boolean> = {
  "image/jpeg": (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  "image/png": (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  // RIFF <4-byte little-endian size> WEBP
  "image/webp": (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8),
  "application/pdf": (b) => startsWith(b, ascii("%PDF-")),
};

/** File name extensions that agree with each type; the first is added when a name has none of them. */
export const EXTENSIONS: Record<EvidenceContentType, readonly string[]> = {
  "image/jpeg": [".jpg", ".jpeg"],
  "image/png": [".png"],
  "image/webp": [".webp"],
  "application/pdf": [".pdf"],
};

export const isEvidenceContentType = (t: string): t is EvidenceContentType => (EVIDENCE_LIMITS.contentTypes as readonly string[]).includes(t);

/** The accepted type the bytes are, by their magic number; null for anything else. */
export function sniffContentType(bytes: Uint8Array): EvidenceContentType | null {
  for (const t of EVIDENCE_LIMITS.contentTypes) if (SIGNATURES[t](bytes)) return t;
  return null;
}

const MAX_NAME_CHARS = 120;
// C0/C1 controls, and invisible or direction-changing characters that make "gpj.exe" look like "exe.jpg".
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// Reserved on common file systems; also keeps quotes out of Content-Disposition.
const RESERVED_CHARS = /[<>:"|?*]/g;

/** The last path segment, without control or invisible characters, reserved characters or leading/trailing dots. */
export function cleanFileName(name: string): string {
  const segments = name.normalize("NFC").replace(UNSAFE_CHARS, "").split(/[/\\]+/);
  return (segments.filter((s) => s.trim() !== "").pop() ?? "")
    .replace(RESERVED_CHARS, "_")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+|[\s.]+$/g, "");
}

/**
 * A file name safe to store, show and offer for download: cleanFileName, at most MAX_NAME_CHARS
 * characters, and ending in an extension of its (sniffed) type, so a download is never opened
 * as something else ("报告.html" becomes "报告.html.pdf").
 */
export function sanitiseFileName(name: string, contentType: EvidenceContentType): string {
  const clean = cleanFileName(name);
  const extensions = EXTENSIONS[contentType];
  const lower = clean.toLowerCase();
  const matching = extensions.find((e) => lower.endsWith(e) && lower.length > e.length);
  const ext = matching ?? extensions[0]!;
  const stem = [...(matching ? clean.slice(0, clean.length - ext.length) : clean).replace(/[\s.]+$/, "")]
    .slice(0, MAX_NAME_CHARS - ext.length)
    .join("");
  return (stem === "" ? "evidence" : stem) + ext;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The decoded size of (well-formed) base64 text, without decoding it. */
export function decodedSize(b64: string): number {
  const padding = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((b64.length * 3) / 4) - padding);
}

/** Standard base64 (RFC 4648 §4, padded, no whitespace) in its canonical form, else null. */
export function decodeBase64Strict(b64: string): Buffer | null {
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) return null;
  const bytes = Buffer.from(b64, "base64");
  // Node ignores stray bits in the last quantum; the canonical re-encoding must be the same text.
  return bytes.toString("base64") === b64 ? bytes : null;
}

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

/**
 * Checks every file of a submission: the count, sizes first (413 naming each file too large),
 * then clean base64 and bytes of the declared type (400 with a pointer per bad file). Returns the
 * decoded files with their sanitised names and digests.
 */
export function checkEvidenceFiles(files: readonly EvidenceFileInput[]): CheckedFile[] {
  if (files.length > EVIDENCE_LIMITS.maxFiles) {
    throw new AppError("VALIDATION_FAILED", `at most ${EVIDENCE_LIMITS.maxFiles} files per submission`, {
      errors: [{ pointer: "/files", message: `more than ${EVIDENCE_LIMITS.maxFiles} files` }],
    });
  }
  const tooLarge = files.filter((f) => decodedSize(f.contentBase64) > EVIDENCE_LIMITS.maxFileBytes);
  if (tooLarge.length > 0) {
    const names = tooLarge.map((f) => `"${cleanFileName(f.name)}"`);
    throw new AppError("PAYLOAD_TOO_LARGE", `${names.join(", ")}: larger than ${mib(EVIDENCE_LIMITS.maxFileBytes)} (the limit per file)`, {
      maxFileBytes: EVIDENCE_LIMITS.maxFileBytes,
    });
  }
  const errors: FieldError[] = [];
  const checked: CheckedFile[] = [];
  files.forEach((f, i) => {
    if (!isEvidenceContentType(f.contentType)) {
      errors.push({ pointer: `/files/${i}/contentType`, message: `must be one of ${EVIDENCE_LIMITS.contentTypes.join(", ")}` });
      return;
    }
    const name = sanitiseFileName(f.name, f.contentType);
    const bytes = decodeBase64Strict(f.contentBase64);
    if (!bytes) {
      errors.push({ pointer: `/files/${i}/contentBase64`, message: `"${name}": not valid base64` });
      return;
    }
    const actual = sniffContentType(bytes);
    if (actual !== f.contentType) {
      errors.push({
        pointer: `/files/${i}/contentBase64`,
        message: `"${name}": the bytes are ${actual ?? "not an accepted type"}, not ${f.contentType}`,
      });
      return;
    }
    checked.push({ name, contentType: f.contentType, bytes, sha256: createHash("sha256").update(bytes).digest("hex") });
  });
  if (errors.length > 0) {
    throw new AppError("VALIDATION_FAILED", `${errors.length} evidence file(s) refused: ${errors.map((e) => e.message).join("; ")}`, { errors });
  }
  return checked;
}
