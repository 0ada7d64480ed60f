// The gateway as an operator runs it: `node src/main.ts` on the embedded default with a data
// directory; a second process on the same directory is refused instead of corrupting it;
// SIGTERM shuts down cleanly; bad configuration is refused with a message naming the variable.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dataDir = mkdtempSync(join(tmpdir(), "csg-process-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function start(env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

function listening(child: ReturnType<typeof start>): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(child.output());
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${child.output()}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

// Embedded default only: with DATABASE_URL set the same process is covered by the e2e suites.
describe.skipIf(Boolean(process.env.DATABASE_URL))("gateway process on the embedded default", () => {
  it("starts, serves, refuses a second process on its data dir, and stops on SIGTERM", async () => {
    const first = start({ DATA_DIR: dataDir, PORT: "0" });
    const url = await listening(first);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: "ready" });
    // Without ISSUER the issuer names the port actually bound, even with PORT=0.
    const metadata = (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
    expect(metadata.issuer).toBe(url);

    const second = start({ DATA_DIR: dataDir, PORT: "0" });
    expect(await exited(second)).toBe(2);
    expect(second.output()).toMatch(/in use by process \d+/);

    first.kill("SIGTERM");
    expect(await exited(first)).toBe(0);

    // The data directory is usable again, and the migrations already applied are skipped.
    const again = start({ DATA_DIR: dataDir, PORT: "0" });
    const url2 = await listening(again);
    expect((await fetch(`${url2}/healthz`)).status).toBe(200);
    again.kill("SIGTERM");
    expect(await exited(again)).toBe(0);
  }, 60_000);

  it("refuses bad configuration, naming the variable and never echoing a URL", async () => {
    const bad = start({ DATA_DIR: dataDir, ROLE: "boss", DATABASE_URL: "postgres://u:secret@" + "[bad" });
    expect(await exited(bad)).toBe(2);
    expect(bad.output()).toContain("ROLE must be one of api, worker, all");
    expect(bad.output()).toContain("DATABASE_URL is not a valid URL");
    expect(bad.output()).not.toContain("secret");
  });
});
