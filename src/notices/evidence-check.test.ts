import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AppError } from "../http/errors.js";
import { checkEvidenceFiles, cleanFileName, decodeBase64Strict, decodedSize, sanitiseFileName, sniffContentType } from "./evidence-check.js";
import { EVIDENCE_LIMITS } from "./options.js";

const bytes = (...parts: Array<number[] | string>) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "\0\0\0\rIHDR");
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0], "\0\x10JFIF");
const WEBP = bytes("RIFF", [0x24, 0, 0, 0], "WEBPVP8 ");
const PDF = bytes("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("sniffContentType", () => {
  it("recognises each accepted type by its magic number", () => {
    expect(sniffContentType(PNG)).toBe("image/png");
    expect(sniffContentType(JPEG)).toBe("image/jpeg");
    expect(sniffContentType(WEBP)).toBe("image/webp");
    expect(sniffContentType(PDF)).toBe("application/pdf");
  });

  it("recognises nothing else, truncated signatures or look-alikes", () => {
    expect(sniffContentType(bytes("<html><script>alert(1)</script>"))).toBeNull();
    expect(sniffContentType(bytes("GIF89a"))).toBeNull();
    expect(sniffContentType(bytes("MZ\x90\0"))).toBeNull();
    expect(sniffContentType(PNG.subarray(0, 7))).toBeNull();
    expect(sniffContentType(bytes([0xff, 0xd8]))).toBeNull();
    expect(sniffContentType(bytes("RIFF\0\0\0\0WAVEfmt "))).toBeNull();
    expect(sniffContentType(bytes(" %PDF-1.4"))).toBeNull();
    expect(sniffContentType(new Uint8Array())).toBeNull();
  });
});

describe("sanitiseFileName", () => {
  it("keeps ordinary names, Chinese included", () => {
    expect(sanitiseFileName("整改报告.pdf", "application/pdf")).toBe("整改报告.pdf");
    expect(sanitiseFileName("photo 1.JPEG", "image/jpeg")).toBe("photo 1.jpeg");
    expect(sanitiseFileName("a.jpg", "image/jpeg")).toBe("a.jpg");
  });

  it("drops path segments: no separators survive", () => {
    expect(sanitiseFileName("../../etc/passwd.png", "image/png")).toBe("passwd.png");
    expect(sanitiseFileName("C:\\Users\\me\\Desktop\\店铺.png", "image/png")).toBe("店铺.png");
    expect(sanitiseFileName("dir/", "image/png")).toBe("dir.png");
    for (const name of ["a/b\\c.png", "/", "\\\\server\\share\\x.png"]) expect(sanitiseFileName(name, "image/png")).not.toMatch(/[/\\]/);
  });

  it("removes control and invisible direction characters, reserved characters and leading dots", () => {
    expect(sanitiseFileName("inv\u0000oi\nce\r.pdf", "application/pdf")).toBe("invoice.pdf");
    // U+202E (right-to-left override) would make "报告\u202Efdp.exe" look like "报告exe.pdf".
    expect(sanitiseFileName("报告\u202efdp.exe", "application/pdf")).toBe("报告fdp.exe.pdf");
    expect(sanitiseFileName('a<b>c:"d"|e?*.png', "image/png")).toBe("a_b_c__d__e__.png");
    expect(sanitiseFileName("...hidden.png", "image/png")).toBe("hidden.png");
    expect(sanitiseFileName("..", "image/png")).toBe("evidence.png");
    expect(sanitiseFileName("  spaced   name  .png ", "image/png")).toBe("spaced name.png");
  });

  it("ends in an extension of the file's type", () => {
    expect(sanitiseFileName("page.html", "application/pdf")).toBe("page.html.pdf");
    expect(sanitiseFileName("scan", "image/webp")).toBe("scan.webp");
    expect(sanitiseFileName(".png", "image/png")).toBe("png.png");
    expect(sanitiseFileName("x.png", "image/jpeg")).toBe("x.png.jpg");
  });

  it("shortens long names, keeping the extension", () => {
    const long = sanitiseFileName(`${"长".repeat(300)}.pdf`, "application/pdf");
    expect([...long]).toHaveLength(120);
    expect(long.endsWith(".pdf")).toBe(true);
  });

  it("cleanFileName (for messages) only cleans", () => {
    expect(cleanFileName("../a\u0007b.exe")).toBe("ab.exe");
  });
});

describe("base64", () => {
  it("decodes canonical padded base64 only", () => {
    expect(decodeBase64Strict(PNG.toString("base64"))).toEqual(PNG);
    expect(decodeBase64Strict("YWJj")?.toString()).toBe("abc");
    expect(decodeBase64Strict("YWI=")?.toString()).toBe("ab");
    expect(decodeBase64Strict("YWI")).toBeNull(); // unpadded
    expect(decodeBase64Strict("YW I=")).toBeNull(); // whitespace
    expect(decodeBase64Strict("YW-_")).toBeNull(); // base64url
    expect(decodeBase64Strict("YWJ=")).toBeNull(); // stray bits in the last quantum
    expect(decodeBase64Strict("Y===")).toBeNull();
  });

  it("knows the decoded size from the text", () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100]) expect(decodedSize(Buffer.alloc(n).toString("base64"))).toBe(n);
  });
});

describe("checkEvidenceFiles", () => {
  const file = (name: string, contentType: string, content: Buffer) => ({ name, contentType, contentBase64: content.toString("base64") });

  it("returns decoded files with sanitised names and digests", () => {
    const [f] = checkEvidenceFiles([file("../整改.png", "image/png", PNG)]);
    expect(f).toEqual({ name: "整改.png", contentType: "image/png", bytes: PNG, sha256: createHash("sha256").update(PNG).digest("hex") });
  });

  it("refuses a file whose bytes are not its declared type (400, pointer to the file)", () => {
    const err = refusal(() => checkEvidenceFiles([file("ok.png", "image/png", PNG), file("fake.png", "image/png", bytes("<svg onload=alert(1)>"))]));
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.extra.errors).toEqual([{ pointer: "/files/1/contentBase64", message: expect.stringContaining("fake.png") }]);
  });

  it("refuses a PDF declared as an image, bad base64 and unknown types, reporting each", () => {
    const err = refusal(() =>
      checkEvidenceFiles([file("a.jpg", "image/jpeg", PDF), { name: "b.png", contentType: "image/png", contentBase64: "not base64!" }, file("c.gif", "image/gif", bytes("GIF89a"))]),
    );
    expect(err.extra.errors?.map((e) => e.pointer)).toEqual(["/files/0/contentBase64", "/files/1/contentBase64", "/files/2/contentType"]);
  });

  it("refuses a file over the limit with 413 naming it, before decoding anything", () => {
    const big = Buffer.concat([PNG, Buffer.alloc(EVIDENCE_LIMITS.maxFileBytes)]);
    const err = refusal(() => checkEvidenceFiles([file("ok.png", "image/png", PNG), file("huge.png", "image/png", big)]));
    expect(err.code).toBe("PAYLOAD_TOO_LARGE");
    expect(err.detail).toContain("huge.png");
    expect(err.detail).not.toContain("ok.png");
    // Exactly at the limit is fine.
    const exact = Buffer.concat([PNG, Buffer.alloc(EVIDENCE_LIMITS.maxFileBytes - PNG.length)]);
    expect(checkEvidenceFiles([file("exact.png", "image/png", exact)])[0]!.bytes.length).toBe(EVIDENCE_LIMITS.maxFileBytes);
  });

  it("refuses more files than allowed", () => {
    const err = refusal(() => checkEvidenceFiles(Array.from({ length: EVIDENCE_LIMITS.maxFiles + 1 }, (_, i) => file(`${i}.pdf`, "application/pdf", PDF))));
    expect(err.code).toBe("VALIDATION_FAILED");
  });
});
