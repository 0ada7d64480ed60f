import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "./args.js";
import { toRequest, type Io } from "./commands.js";

const files: Record<string, string> = {
  "set.json": JSON.stringify({ keys: [{ kty: "EC", kid: "a" }] }),
  "one.json": JSON.stringify({ kty: "OKP", kid: "b" }),
  "two.json": JSON.stringify({ keys: [{ kid: "a" }, { kid: "b" }] }),
  "bad.json": "{not json",
  "head.json": JSON.stringify({ seq: 3, jws: "aGVhZGVy.cGF5bG9hZA.c2ln" }),
  "head.jws": "aGVhZGVy.cGF5bG9hZA.c2ln\n",
};
const io = (stdin?: string): Io => ({
  readFile: (p) => {
    const f = files[p];
    if (f === undefined) throw Object.assign(new Error("nope"), { code: "ENOENT" });
    return f;
  },
  readStdin: async () => stdin,
});
const req = (argv: string[], stdin?: string) => toRequest(parseArgs(argv), io(stdin));

describe("CLI commands", () => {
  it("signs and checks audit heads: --head inline, as a file, or the JSON `audit head` printed; --jwks only with it", async () => {
    expect(await req(["audit", "head"])).toEqual({ command: "audit.head", input: {} });
    const jws = "aGVhZGVy.cGF5bG9hZA.c2ln";
    for (const head of [jws, "head.json", "head.jws"]) {
      expect(await req(["audit", "verify", "--head", head])).toEqual({ command: "audit.verify-head", input: { jws } });
    }
    expect(await req(["audit", "verify", "--head", jws, "--jwks", "set.json"])).toEqual({
      command: "audit.verify-head",
      input: { jws, jwks: { keys: [{ kty: "EC", kid: "a" }] } },
    });
    await expect(req(["audit", "verify", "--head", "bad.json"])).rejects.toThrow(/holds no compact JWS/);
    await expect(req(["audit", "verify", "--head", "missing"])).rejects.toThrow(UsageError);
    await expect(req(["audit", "verify", "--head", jws, "--jwks", "one.json"])).rejects.toThrow(/not a JWK set/);
    await expect(req(["audit", "verify", "--jwks", "set.json"])).rejects.toThrow(/--jwks goes with --head/);
    await expect(req(["audit", "verify", "--head", jws, "--from-seq", "2"])).rejects.toThrow(/alone/);
  });

  it("builds platform add from flags and a JWKS file (a single JWK is a set of one)", async () => {
    expect(await req(["platform", "add", "--name", "A", "--jwks", "set.json", "--webhook-url", "https://a/h", "--scopes", "events:write, feed:read"])).toEqual({
      command: "platform.add",
      input: { name: "A", jwks: { keys: [{ kty: "EC", kid: "a" }] }, webhookUrl: "https://a/h", scopes: ["events:write", "feed:read"] },
    });
    expect((await req(["platform", "add", "--name=A", "--jwks=one.json"])).input).toEqual({ name: "A", jwks: { keys: [{ kty: "OKP", kid: "b" }] } });
  });

  it("takes one key for platform key add and maps retire/revoke", async () => {
    expect(await req(["platform", "key", "add", "--platform", "p", "--jwk", "set.json"])).toEqual({ command: "platform.key.add", input: { platformId: "p", jwk: { kty: "EC", kid: "a" } } });
    await expect(req(["platform", "key", "add", "--platform", "p", "--jwk", "two.json"])).rejects.toThrow(/exactly one/);
    expect(await req(["platform", "key", "revoke", "--platform", "p", "--kid", "k", "--reason", "leaked key"])).toEqual({
      command: "platform.key.revoke",
      input: { platformId: "p", kid: "k", reason: "leaked key" },
    });
  });

  it("reads a regulator password from piped stdin (one line), else leaves it to be generated", async () => {
    expect((await req(["regulator", "add", "--name", "u", "--role", "officer", "--region", "510104"], "s3cret-pass-phrase\n")).input).toEqual({
      username: "u",
      role: "officer",
      regionPrefix: "510104",
      password: "s3cret-pass-phrase",
    });
    expect((await req(["regulator", "add", "--name", "u", "--role", "admin", "--region", "5101"], "")).input).not.toHaveProperty("password");
    expect((await req(["regulator", "add", "--name", "u", "--role", "admin", "--region", "5101"])).input).not.toHaveProperty("password");
    await expect(req(["regulator", "add", "--name", "u", "--role", "boss", "--region", "5101"])).rejects.toThrow(/--role/);
  });

  it("builds the account and key commands: suspend/reactivate, disable/enable, reset-password, keys list/revoke", async () => {
    expect(await req(["platform", "suspend", "--platform", "p", "--reason", "leak"])).toEqual({ command: "platform.suspend", input: { platformId: "p", reason: "leak" } });
    expect(await req(["platform", "backfill", "start", "--platform", "p", "--reason", "history"])).toEqual({ command: "backfill.start", input: { platformId: "p", reason: "history" } });
    expect(await req(["platform", "backfill", "finish", "--platform", "p,q", "--reason", "done"])).toEqual({ command: "backfill.finish", input: { platformIds: ["p", "q"], reason: "done" } });
    await expect(req(["platform", "backfill", "finish", "--reason", "done"])).rejects.toBeInstanceOf(UsageError);
    expect(await req(["platform", "reactivate", "--platform", "p", "--reason", "fixed"])).toEqual({ command: "platform.reactivate", input: { platformId: "p", reason: "fixed" } });
    expect(await req(["regulator", "disable", "--name", "u", "--reason", "left"])).toEqual({ command: "regulator.disable", input: { username: "u", reason: "left" } });
    expect(await req(["regulator", "enable", "--name", "u", "--reason", "back"])).toEqual({ command: "regulator.enable", input: { username: "u", reason: "back" } });
    expect(await req(["regulator", "reset-password", "--name", "u", "--reason", "forgot"], "a-new-pass-phrase\n")).toEqual({
      command: "regulator.reset-password",
      input: { username: "u", reason: "forgot", password: "a-new-pass-phrase" },
    });
    expect((await req(["regulator", "reset-password", "--name", "u", "--reason", "forgot"])).input).not.toHaveProperty("password");
    expect(await req(["keys", "list"])).toEqual({ command: "keys.list", input: {} });
    expect(await req(["keys", "revoke", "--kid", "gw-1", "--reason", "leaked"])).toEqual({ command: "keys.revoke", input: { kid: "gw-1", reason: "leaked" } });
    expect(await req(["notice", "revoke-links", "--notice", "n", "--platform", "p", "--reason", "leaked"])).toEqual({
      command: "notice.revoke-links",
      input: { noticeId: "n", platformId: "p", reason: "leaked" },
    });
    expect((await req(["notice", "revoke-links", "--notice", "n", "--reason", "leaked"])).input).toEqual({ noticeId: "n", reason: "leaked" });
    await expect(req(["notice", "revoke-links", "--notice", "n"])).rejects.toBeInstanceOf(UsageError);
    await expect(req(["platform", "suspend", "--platform", "p"])).rejects.toBeInstanceOf(UsageError);
    await expect(req(["regulator", "disable", "--name", "u"])).rejects.toBeInstanceOf(UsageError);
  });

  it("parses audit verify anchors and refuses unknown commands, options and unreadable files", async () => {
    const hash = "a".repeat(64);
    expect(await req(["audit", "verify", "--from-seq", "10", "--expected-head", `12:${hash}`])).toEqual({ command: "audit.verify", input: { fromSeq: 10, expectedHead: { seq: 12, hash } } });
    for (const argv of [["platform", "remove"], ["platform", "list", "--all"], ["platform", "add", "--name", "A", "--jwks", "missing.json"], ["platform", "add", "--name", "A", "--jwks", "bad.json"], ["audit", "verify", "--expected-head", "12"]]) {
      await expect(req(argv)).rejects.toBeInstanceOf(UsageError);
    }
  });

  it("builds webhook list and redeliver, refusing a bad status, limit or id", async () => {
    const id = "01930000-0000-7000-8000-000000000001";
    expect(await req(["webhook", "list", "--status", "dead", "--platform", id, "--limit", "20"])).toEqual({
      command: "webhook.list",
      input: { status: "dead", platformId: id, limit: 20 },
    });
    expect(await req(["webhook", "list"])).toEqual({ command: "webhook.list", input: {} });
    expect(await req(["webhook", "redeliver", "--delivery", id])).toEqual({ command: "webhook.redeliver", input: { deliveryId: id } });
    await expect(req(["webhook", "list", "--status", "lost"])).rejects.toThrow(UsageError);
    await expect(req(["webhook", "list", "--limit", "0"])).rejects.toThrow(/--limit/);
    await expect(req(["webhook", "redeliver", "--delivery", "x"])).rejects.toThrow(/--delivery/);
    await expect(req(["webhook", "redeliver"])).rejects.toThrow(UsageError);
  });
});
