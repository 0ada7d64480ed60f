// Raw-socket clients that misbehave on purpose (slow-clients.test.ts), each recording when and
// how the server ended its connection; and a well-behaved client that times its requests.
// Hostile clients connect from a loopback address of their own (127.0.0.x), so the gateway's
// per-address connection cap applies to them and not to the well-behaved client.
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";

export interface Probe {
  socket: Socket;
  /** performance.now() at connect. */
  openedAt: number;
  /** When the server ended the connection (FIN or reset), ms after connect; undefined while open. */
  closedAfterMs(): number | undefined;
  /** The bytes received, as latin1 text (status lines and headers are ASCII). */
  received(): string;
  receivedBytes(): number;
  /** Resolves once the connection is closed. */
  closed: Promise<void>;
  /** Set by the caller: the client ended the connection itself (then it does not count as the server's close). */
  closedByUs: boolean;
}

/** A TCP connection to the gateway from `localAddress`, recording what comes back. */
export function probe(port: number, localAddress: string, keepText = true): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let closedAt: number | undefined;
    const openedAt = performance.now();
    const closed = new Promise<void>((r) =>
      socket.once("close", () => {
        closedAt = performance.now();
        r();
      }),
    );
    socket.on("data", (d: Buffer) => {
      bytes += d.length;
      if (keepText && chunks.length < 64) chunks.push(d);
    });
    socket.on("error", () => {}); // a reset by the server is one of the outcomes under test
    socket.once("connect", () =>
      resolve({
        socket,
        openedAt,
        closedAfterMs: () => (closedAt === undefined ? undefined : closedAt - openedAt),
        received: () => Buffer.concat(chunks).toString("latin1"),
        receivedBytes: () => bytes,
        closed,
        closedByUs: false,
      }),
    );
    socket.once("error", reject);
  });
}

/** Writes `text` one byte every `everyMs` until the socket closes (slowloris). */
export function trickle(p: Probe, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (p.socket.destroyed || !p.socket.writable) return clearInterval(timer);
    p.socket.write(text[i % text.length]!);
    i++;
  }, everyMs);
  void p.closed.then(() => clearInterval(timer));
}

/** Writes `bytes` per tick every `everyMs` until the socket closes (a body at ~bytes/everyMs). */
export function drip(p: Probe, piece: Buffer, everyMs: number): void {
  const timer = setInterval(() => {
    if (p.socket.destroyed || !p.socket.writable) return clearInterval(timer);
    p.socket.write(piece);
  }, everyMs);
  void p.closed.then(() => clearInterval(timer));
}

/** Resolves once `p` has received `marker` (or closed). */
export async function until(p: Probe, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (p.received().includes(marker)) return true;
    if (p.closedAfterMs() !== undefined) return p.received().includes(marker);
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** One keep-alive connection for the well-behaved client: GETs in turn, each timed. */
export function politeClient(base: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
      const began = performance.now();
      const req = request(`${base}${path}`, { agent, headers }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - began }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
      req.end();
    });
  return { get, close: () => agent.destroy() };
}

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/**
 * The well-behaved client on a thread of its own: GET `path` over one keep-alive connection
 * every `everyMs` until stopped, timing each. Its own event loop, so the hostile clients' work
 * in the test's thread never delays (and so never inflates) what it measures.
 */
export function politeWorker(base: string, path: string, everyMs: number) {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    const { Agent, request } = require("node:http");
    const { performance } = require("node:perf_hooks");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let stop = false;
    parentPort.on("message", () => (stop = true));
    const get = () => new Promise((resolve, reject) => {
      const began = performance.now();
      const req = request(workerData.url, { agent }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - began }));
      });
      req.on("error", reject);
      req.end();
    });
    (async () => {
      const samples = [];
      while (!stop) {
        const r = await get();
        if (samples.length === 0) parentPort.postMessage("ready");
        samples.push(r);
        await new Promise((r) => setTimeout(r, workerData.everyMs));
      }
      agent.destroy();
      parentPort.postMessage(samples);
    })().catch((err) => parentPort.postMessage({ error: String(err) }));
  `;
  const worker = new Worker(code, { eval: true, workerData: { url: `${base}${path}`, everyMs } });
  let ready!: () => void;
  const first = new Promise<void>((r) => (ready = r));
  const result = new Promise<{ status: number; ms: number }[]>((resolve, reject) => {
    worker.on("message", (m: "ready" | { status: number; ms: number }[] | { error: string }) => {
      if (m === "ready") ready();
      else if ("error" in m) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once("error", reject);
  });
  return {
    /** Resolves once the first request was answered: the client is measuring. */
    ready: Promise.race([first, result.then(() => undefined)]),
    async stop() {
      worker.postMessage("stop");
      const samples = await result;
      await worker.terminate();
      return samples;
    },
  };
}
