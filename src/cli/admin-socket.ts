// The running gateway's admin socket (embedded mode): PGlite lets one process open the data
// directory, so while the gateway holds it the CLI sends its commands here instead.
//
// Who can reach it: a Unix domain socket at DATA_DIR/admin.sock, created with mode 0600 (the
// umask is narrowed around bind, so there is no moment it is open to others) — only the
// operator account that owns the data directory (and root), i.e. exactly who could have
// opened the database files directly. No TCP, so nothing on the network ever sees it.
//
// Protocol: HTTP/1.1 over the socket. GET /health -> {ok, pid}; GET /backup -> a consistent
// snapshot of the open database (PGlite's tarball; the audit head in X-Audit-Head); POST /commands/<name> with
// the command's JSON input -> 200 with the result, or {error: {code, status, detail}} with the
// error's status. Inputs are never logged (they may carry a password).
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "pino";
import { AppError } from "../http/errors.js";
import type { DatabaseSnapshot } from "../db/backup/embedded.js";
import { isCommand, type CommandRequest } from "./operations.js";

export const ADMIN_SOCKET_NAME = "admin.sock";
const MAX_BODY_BYTES = 1024 * 1024;
/** A history load's chunk: up to a few thousand records (the CLI cuts chunks at 4 MiB of file). */
const MAX_CHUNK_BODY_BYTES = 32 * 1024 * 1024;
/** sun_path holds 108 bytes on Linux (104 on macOS), the terminating NUL included. */
const MAX_SOCKET_PATH = 103;

export const adminSocketPath = (dataDir: string): string => join(dataDir, ADMIN_SOCKET_NAME);

export interface AdminSocket {
  path: string;
  close(): Promise<void>;
}

export interface AdminSocketOptions {
  dataDir: string;
  run(request: CommandRequest): Promise<unknown>;
  /** A consistent snapshot of the open database, for `npm run cli -- backup`. */
  snapshot?(): Promise<DatabaseSnapshot>;
  logger: Logger;
}

/** Listens on DATA_DIR/admin.sock; undefined (with a warning) when the path is too long for a socket. */
export async function startAdminSocket(o: AdminSocketOptions): Promise<AdminSocket | undefined> {
  const path = adminSocketPath(o.dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    o.logger.warn({ path }, "admin socket path too long for a Unix socket: the CLI cannot reach this gateway while it runs");
    return undefined;
  }
  // The caller holds the data-dir lock, so a socket file here is a leftover of a crashed run.
  if (existsSync(path)) unlinkSync(path);

  const server = createServer((req, res) => {
    handle(o, req, res).catch((err: unknown) => {
      o.logger.error({ err }, "admin socket request failed");
      if (!res.headersSent) send(res, 500, { error: { code: "INTERNAL", status: 500, detail: "internal error" } });
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;

  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(path, 0o600); // belt and braces: platforms where umask does not apply to sockets
  o.logger.info({ path }, "admin socket listening");

  let closed = false;
  return {
    path,
    async close() {
      if (closed) return;
      closed = true;
      // Let a command in flight finish (its transaction must end before the database closes);
      // idle keep-alive connections go at once, anything still open after 10 s is cut.
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), 10_000);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      try {
        unlinkSync(path);
      } catch {
        /* already gone (server.close removes it on most platforms) */
      }
    },
  };
}

async function handle(o: AdminSocketOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://admin.sock");
  if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { ok: true, pid: process.pid });
  if (req.method === "GET" && url.pathname === "/backup" && o.snapshot) {
    const snap = await o.snapshot();
    o.logger.info({ bytes: snap.dump.length, auditSeq: snap.auditHead.seq }, "database snapshot taken for a backup");
    res.writeHead(200, {
      "content-type": "application/gzip",
      "content-length": snap.dump.length,
      "x-audit-head": `${snap.auditHead.seq}:${snap.auditHead.hash}`,
    });
    res.end(snap.dump);
    return;
  }
  const m = /^\/commands\/([a-z.-]+)$/.exec(url.pathname);
  if (req.method !== "POST" || !m) return send(res, 404, { error: { code: "NOT_FOUND", status: 404, detail: "no such admin route" } });
  const command = m[1]!;
  if (!isCommand(command)) return send(res, 404, { error: { code: "NOT_FOUND", status: 404, detail: `unknown command ${command}` } });

  const chunks: Buffer[] = [];
  let size = 0;
  const limit = command === "history.chunk" ? MAX_CHUNK_BODY_BYTES : MAX_BODY_BYTES;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return send(res, 413, { error: { code: "PAYLOAD_TOO_LARGE", status: 413, detail: "admin request too large" } });
    chunks.push(chunk as Buffer);
  }
  let input: unknown;
  try {
    input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
  } catch {
    return send(res, 400, { error: { code: "MALFORMED_JSON", status: 400, detail: "the command input is not JSON" } });
  }
  if (!input || typeof input !== "object" || Array.isArray(input)) {
    return send(res, 400, { error: { code: "BAD_REQUEST", status: 400, detail: "the command input must be a JSON object" } });
  }
  try {
    const result = await o.run({ command, input: input as Record<string, unknown> });
    o.logger.info({ command }, "admin command done");
    send(res, 200, result);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    o.logger.info({ command, code: err.code }, "admin command refused");
    send(res, err.status, { error: { code: err.code, status: err.status, detail: err.detail } });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
