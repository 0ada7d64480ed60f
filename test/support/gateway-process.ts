// A gateway as a real process (`src/main.ts`) on a database the test prepared: started, stopped
// with SIGTERM or killed with SIGKILL, and started again on the same port (the CLI and fault
// tests).
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./net.js";

/** One gateway process (`src/main.ts`), always on the same port, that can be killed and started again. */
export interface KillableGateway {
  url: string;
  /** Starts the process and resolves once it listens (or, ROLE=worker, once it runs). */
  start(): Promise<void>;
  /** SIGKILL: no shutdown hook runs, open requests and transactions die with it. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  running(): boolean;
  output(): string;
}

export async function killableGateway(env: Record<string, string>, extra: Record<string, string> = {}): Promise<KillableGateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let out = "";
  const worker = extra.ROLE === "worker";
  const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once("exit", () => r())));
  return {
    url,
    output: () => out,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      out = "";
      const c = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        env: { ...env, PORT: String(port), ISSUER: url, ...extra },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = c;
      c.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      c.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const check = () => (worker ? /worker started/.test(out) : /listening on/.test(out)) && resolve();
        c.stdout!.on("data", check);
        c.stderr!.on("data", check);
        c.once("exit", (code, signal) => reject(new Error(`gateway exited (${code ?? signal}) while starting: ${out.slice(-2000)}`)));
      });
    },
    async kill9() {
      const c = child;
      if (!c) return;
      c.kill("SIGKILL");
      await exited(c);
    },
    async stop() {
      const c = child;
      if (!c) return;
      c.kill("SIGTERM");
      await exited(c);
    },
  };
}
