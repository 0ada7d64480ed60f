// The admin socket on its own: 0600, commands routed to `run`, verb errors as {error}, unknown
// routes refused, the socket file removed on close.
import { mkdtempSync, rmSync, statSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { AppError } from "../http/errors.js";
import { AdminSocketUnavailable, callAdminSocket } from "./admin-client.js";
import { startAdminSocket } from "./admin-socket.js";
import type { CommandRequest } from "./operations.js";

const dir = mkdtempSync(join(tmpdir(), "csg-sock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("admin socket", () => {
  it("serves commands to the owner only, maps verb errors, and cleans up", async () => {
    writeFileSync(join(dir, "admin.sock"), "stale"); // a crashed run's leftover is replaced
    const seen: CommandRequest[] = [];
    const socket = (await startAdminSocket({
      dataDir: dir,
      logger: createLogger("silent"),
      run: async (req) => {
        seen.push(req);
        if (req.command === "platform.list") throw new AppError("FORBIDDEN", "nope");
        return { ok: req.input };
      },
    }))!;
    expect(statSync(socket.path).isSocket()).toBe(true);
    expect(statSync(socket.path).mode & 0o777).toBe(0o600);

    expect(await callAdminSocket(socket.path, { command: "platform.add", input: { name: "A" } })).toEqual({ status: 200, body: { ok: { name: "A" } } });
    expect(await callAdminSocket(socket.path, { command: "platform.list", input: {} })).toEqual({
      status: 403,
      body: { error: { code: "FORBIDDEN", status: 403, detail: "nope" } },
    });
    const unknown = await callAdminSocket(socket.path, { command: "drop.everything" as never, input: {} });
    expect(unknown.status).toBe(404);
    expect(seen.map((r) => r.command)).toEqual(["platform.add", "platform.list"]);

    await socket.close();
    expect(existsSync(socket.path)).toBe(false);
    await expect(callAdminSocket(socket.path, { command: "platform.list", input: {} })).rejects.toBeInstanceOf(AdminSocketUnavailable);
  });
});
