// The CLI's side of the admin socket (see admin-socket.ts for the protocol).
import { request } from "node:http";
import type { CommandRequest } from "./operations.js";

/** Nobody listens on the socket (no gateway, or one that died and left the file). */
export class AdminSocketUnavailable extends Error {
  override readonly name = "AdminSocketUnavailable";
}

export interface SocketAnswer {
  status: number;
  body: unknown;
}

export function callAdminSocket(socketPath: string, req: CommandRequest, timeoutMs = 120_000): Promise<SocketAnswer> {
  const payload = JSON.stringify(req.input);
  return new Promise((resolve, reject) => {
    let connected = false;
    const r = request(
      {
        socketPath,
        agent: false, // a fresh connection per command: never a pooled one to a gateway since gone
        path: `/commands/${req.command}`,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          } catch {
            reject(new Error(`the admin socket answered HTTP ${res.statusCode} with a non-JSON body`));
          }
        });
      },
    );
    r.on("socket", (s) => s.on("connect", () => (connected = true)));
    r.on("timeout", () => r.destroy(new Error(`the admin socket did not answer within ${timeoutMs} ms`)));
    r.on("error", (err: NodeJS.ErrnoException) => {
      // Before a connection, "nobody there"; after it, a real failure mid-command (its outcome is unknown).
      if (!connected && (err.code === "ENOENT" || err.code === "ECONNREFUSED" || err.code === "ENOTSOCK")) {
        reject(new AdminSocketUnavailable(`nothing listens on ${socketPath}`));
      } else reject(err);
    });
    r.end(payload);
  });
}

/**
 * Is a gateway there? "up" when it answers GET /health, "denied" when the socket belongs to
 * another account, "down" for a leftover socket file (or one that does not answer).
 */
export function probeAdminSocket(socketPath: string, timeoutMs = 5_000): Promise<"up" | "down" | "denied"> {
  return new Promise((resolve) => {
    const r = request({ socketPath, agent: false, path: "/health", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200 ? "up" : "down"));
      res.on("error", () => resolve("down"));
    });
    r.on("timeout", () => r.destroy(new Error("timeout")));
    r.on("error", (err: NodeJS.ErrnoException) => resolve(err.code === "EACCES" ? "denied" : "down"));
    r.end();
  });
}

/** The running gateway's snapshot of its open database (GET /backup). */
export function fetchSnapshot(socketPath: string, timeoutMs = 600_000): Promise<{ dump: Uint8Array; auditHead: { seq: number; hash: string } }> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath, agent: false, path: "/backup", method: "GET", timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const head = /^(\d+):([0-9a-f]{64})$/.exec(String(res.headers["x-audit-head"] ?? ""));
        if (res.statusCode !== 200 || !head) return reject(new Error(`the gateway did not take a snapshot (HTTP ${res.statusCode}); is it a version with backups?`));
        resolve({ dump: new Uint8Array(Buffer.concat(chunks)), auditHead: { seq: Number(head[1]), hash: head[2]! } });
      });
    });
    r.on("timeout", () => r.destroy(new Error(`the admin socket did not answer within ${timeoutMs} ms`)));
    r.on("error", reject);
    r.end();
  });
}
