// GET /docs: the API reference, rendered in the browser by Redoc from /openapi.json. Redoc's
// standalone bundle is served by the gateway itself (from the installed `redoc` package), so the
// reference works on an air-gapped regulator network and the page loads nothing from elsewhere.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

/** The files /docs/assets/{file} serves: exactly the renderer, nothing else from node_modules. */
const ASSETS: Record<string, { module: string; contentType: string }> = {
  "redoc.standalone.js": { module: "redoc/bundles/redoc.standalone.js", contentType: "text/javascript; charset=utf-8" },
};

/**
 * What the page needs and no more: its own scripts (Redoc's bundle), the search index worker
 * Redoc starts from a blob: URL, the inline styles styled-components injects, data: images and
 * fonts in its theme, and the spec from this origin.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const docsHeaders = (contentType: string): Record<string, string> => ({
  "Content-Type": contentType,
  "Content-Security-Policy": DOCS_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
});

/** The page: Redoc's custom element, configured through its attributes (no inline script). */
export function renderDocsPage(title: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — API 参考 / API reference</title>
<link rel="icon" href="data:,">
</head><body>
<noscript>The reference needs JavaScript; the machine-readable description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<redoc spec-url="/openapi.json" path-in-middle-panel="true" required-props-first="true" sort-props-alphabetically="false"
  expand-responses="200,201,202" json-sample-expand-level="4" hide-hostname="true" native-scrollbars="true"></redoc>
<script src="/docs/assets/redoc.standalone.js"></script>
</body></html>`;
}

const cache = new Map<string, Promise<Buffer>>();

/** The asset's bytes (read once per process), or undefined for a name that is not served. */
export function docsAsset(name: string): { body: Promise<Buffer>; contentType: string } | undefined {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return undefined;
  let body = cache.get(name);
  if (!body) {
    const path = createRequire(import.meta.url).resolve(asset.module);
    body = readFile(path);
    body.catch(() => cache.delete(name));
    cache.set(name, body);
  }
  return { body, contentType: asset.contentType };
}
