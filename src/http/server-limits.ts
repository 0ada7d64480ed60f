// What one HTTP client may hold of the server. Without limits a slow or hostile client pins a
// socket (and memory) for as long as it likes: headers sent a byte at a time (slowloris), a
// body trickled in, a response never read, keep-alive connections left idle, or simply many
// connections at once. Node enforces the header/request/keep-alive timeouts itself; this adds
// the per-address cap and the response-write stall, and counts what each limit closed. The
// body's own pace is checked where the body is read (body.ts: a 408 problem+json).
import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { BodyTimeouts } from "./body.js";

export interface HttpServerLimits {
  /** The whole header block must arrive within this (then 408 and the connection is closed). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** How slowly a request body may arrive (a 408 problem+json beyond). */
  body: BodyTimeouts;
  /** A response whose bytes the client has not taken for this long: the connection is destroyed. */
  writeStallTimeoutMs: number;
  /** Largest header block in bytes (431 beyond). */
  maxHeaderBytes: number;
  /** Most header lines read; the rest are ignored. */
  maxHeadersCount: number;
  /** Open connections one client address may hold; more are closed at once. 0: no cap. */
  maxConnectionsPerAddress: number;
}

/** Why the server closed a connection it did not want to keep. */
export type ClosedReason = "request_timeout" | "header_too_large" | "bad_request" | "write_stall" | "address_cap";

export interface ConnectionStats {
  /** Connections open now. */
  open(): number;
  closed(): Readonly<Record<ClosedReason, number>>;
}

/** Options for http.createServer (the ones Node only reads at construction). */
export function serverOptions(limits: HttpServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // Node checks the two timeouts on this interval (default 30 s, which would let a 20 s
    // headers timeout run to 50 s): a tenth of the shorter, between 100 ms and 1 s.
    connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10))),
  };
}

const RESPONSES: Record<ClosedReason, number> = { request_timeout: 408, header_too_large: 431, bad_request: 400, write_stall: 0, address_cap: 0 };

/** Applies the limits Node exposes as properties, and the ones it lacks; returns the counters. */
export function guardServer(server: Server, limits: HttpServerLimits): ConnectionStats {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxHeadersCount = limits.maxHeadersCount;
  const closed: Record<ClosedReason, number> = { request_timeout: 0, header_too_large: 0, bad_request: 0, write_stall: 0, address_cap: 0 };
  let open = 0;
  const perAddress = new Map<string, number>();

  server.on("connection", (socket: Socket) => {
    open++;
    const address = socket.remoteAddress ?? "";
    const held = (perAddress.get(address) ?? 0) + 1;
    perAddress.set(address, held);
    socket.once("close", () => {
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    if (limits.maxConnectionsPerAddress > 0 && held > limits.maxConnectionsPerAddress) {
      closed.address_cap++;
      socket.destroy();
    }
  });

  // Node's own answer to a request it cannot take (timeout, oversized or malformed headers),
  // kept as it is, plus a count of why.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    // The client went away: nothing to answer.
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const reason: ClosedReason = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "request_timeout" : err.code === "HPE_HEADER_OVERFLOW" ? "header_too_large" : "bad_request";
    closed[reason]++;
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!inFlight?.headersSent) {
      const status = RESPONSES[reason];
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  // A response stalls when the client stops reading: its bytes sit in the socket's buffer. The
  // socket's idle timer (re-armed by every byte that moves) fires after the stall timeout; a
  // handler still working on its answer has nothing buffered and is left alone.
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    res.setTimeout(limits.writeStallTimeoutMs, () => {
      const socket = res.socket;
      if (socket && !socket.destroyed && socket.writableLength > 0) {
        closed.write_stall++;
        socket.destroy();
      }
    });
  });

  return { open: () => open, closed: () => ({ ...closed }) };
}
