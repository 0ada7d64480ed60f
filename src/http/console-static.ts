// The regulator console's static files (built by `npm run build` into dist/console), served at
// /console and /console/assets/{name} (operations in the spec like /docs) with a strict Content-Security-Policy: scripts, styles, images and API calls from
// this origin only, no inline script or style, no framing. The console is a client of the
// public regulator API like any other, so nothing here knows about sessions or data.
//
// Files are read when asked for (no I/O at start), only by names the build produces (no path
// traversal), and hashed assets are cached for a year; index.html never, so a new build shows
// at the next load.
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { Context } from "hono";
import type { AppEnv } from "./context.js";
import { AppError } from "./errors.js";
import type { Handlers } from "./router.js";

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONSOLE_CSP,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
};

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
};

/** Names the build writes under assets/: letters, digits, dots, dashes, underscores. */
const ASSET_NAME = /^[A-Za-z0-9_.-]+$/;

async function fileOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "EISDIR") return undefined;
    throw err;
  }
}

function notBuilt(c: Context<AppEnv>): Response {
  const text = "控制台尚未构建：请运行 npm run build（npm start 会自动构建）。\nThe console is not built: run `npm run build` (`npm start` does).\n";
  return c.body(text, 503, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
}

/** GET /console (the page; the app routes by hash) and GET /console/assets/{name}. */
export function consoleHandlers(consoleDir: string): Handlers {
  return {
    getConsole: async (c) => {
      const html = await fileOrUndefined(join(consoleDir, "index.html"));
      if (!html) return notBuilt(c);
      return c.body(new Uint8Array(html), 200, { ...SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    },
    getConsoleAsset: async (c, input) => {
      const name = input.params.name;
      const type = TYPES[extname(name)];
      const bytes = ASSET_NAME.test(name) && type ? await fileOrUndefined(join(consoleDir, "assets", name)) : undefined;
      if (!bytes) throw new AppError("NOT_FOUND", `no such console file: ${name}`);
      return c.body(new Uint8Array(bytes), 200, { ...SECURITY_HEADERS, "Content-Type": type!, "Cache-Control": "public, max-age=31536000, immutable" });
    },
  };
}
