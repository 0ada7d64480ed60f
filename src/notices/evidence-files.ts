// Serving a stored evidence file to a party of its case. The bytes were submitted by someone
// outside the gateway, so the browser is told not to render them in the gateway's origin: always
// an attachment, the stored (sniffed) content type with nosniff, a sandboxing CSP in case it is
// opened anyway, and no caching on shared caches or disk.
import type { Context } from "hono";
import type { AppEnv } from "../http/context.js";
import type { StoredFile } from "./evidence.js";

/** A quoted-string fallback for old clients: printable ASCII only, no quotes or backslashes. */
export function asciiFileName(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return ascii.replace(/_+/g, "_");
}

/** RFC 5987 ext-value: UTF-8, percent-encoded outside attr-char. */
export function rfc5987(name: string): string {
  return `UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

export function contentDisposition(name: string): string {
  return `attachment; filename="${asciiFileName(name)}"; filename*=${rfc5987(name)}`;
}

/** The response headers of an evidence file download. */
export function evidenceFileHeaders(file: Pick<StoredFile, "fileName" | "contentType" | "sha256" | "content">): Record<string, string> {
  return {
    "Content-Type": file.contentType,
    "Content-Length": String(file.content.byteLength),
    "Content-Disposition": contentDisposition(file.fileName),
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
    // RFC 9530: lets the downloader check the bytes against the evidence's sha256.
    "Repr-Digest": `sha-256=:${Buffer.from(file.sha256, "hex").toString("base64")}:`,
  };
}

/** The file as an HTTP response (for the merchant's and the regulator's download operations). */
export function evidenceFileResponse(c: Context<AppEnv>, file: StoredFile): Response {
  return c.body(new Uint8Array(file.content), 200, evidenceFileHeaders(file));
}
