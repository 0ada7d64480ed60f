// From command-line words to a CommandRequest. Files (--jwks, --jwk) and the password on
// stdin are read HERE, in the operator's process, so the request is self-contained whether
// it runs locally or through the gateway's admin socket.
import { readFileSync } from "node:fs";
import { list, onlyOptions, optional, required, UsageError, type ParsedArgs } from "./args.js";
import type { CommandRequest } from "./operations.js";
import { relationsRequest, RELATIONS_USAGE } from "./relations.js";
import { classificationRequest, CLASSIFICATION_USAGE } from "./classification-commands.js";
import { HISTORY_USAGE } from "./history/command.js";

export const USAGE = `usage: npm run cli -- <command> [options]

  platform add --name NAME --jwks FILE [--webhook-url URL] [--scopes a,b]
                                   register a platform with its public keys; prints {platformId, clientId, ...}
  platform list                    every platform with its keys
  platform key add --platform ID --jwk FILE [--not-after ISO]
  platform key retire --platform ID --kid KID --reason TEXT   (stops new use; issued tokens run out)
  platform key revoke --platform ID --kid KID --reason TEXT   (fails at once: a compromised key)
  platform suspend --platform ID --reason TEXT     no tokens, its tokens stop working, no webhooks
  platform reactivate --platform ID --reason TEXT  it fetches new tokens (the old ones stay dead)
  regulator add --name USERNAME --role viewer|officer|admin --region PREFIX [--display-name TEXT]
                                   password: one line on stdin when piped, else (a terminal, or </dev/null)
                                   generated and printed once
  regulator list                   every regulator account
  regulator disable --name USERNAME --reason TEXT   cannot log in; its sessions end at once
  regulator enable --name USERNAME --reason TEXT
  regulator reset-password --name USERNAME --reason TEXT
                                   new password from stdin as for add (else generated, printed once);
                                   the account's sessions end at once
  keys rotate                      new gateway signing key; the old one stays published
  keys list                        the gateway's signing keys and their status
  keys revoke --kid KID --reason TEXT   leaves the JWKS, every token it signed stops working
                                   (the active key is replaced first)
  notice revoke-links --notice ID [--platform ID] --reason TEXT
                                   the notice's merchant links (one platform's, or all) stop working
  webhook list [--status pending|delivered|dead] [--platform ID] [--limit N]
                                   webhook deliveries, newest first; --status dead lists the dead letters
  webhook redeliver --delivery ID  send a dead-lettered delivery again (tries counted afresh; audited)
  audit verify [--from-seq N] [--expected-head SEQ:HASH]
  audit head                       sign the audit chain's current head now; prints {seq, hash, at, kid, jws}
                                   (publish the jws; the gateway also signs one every AUDIT_HEAD_INTERVAL_MINUTES)
  audit verify --head FILE|JWS [--jwks FILE|URL]
                                   check a published signed head: its signature (against the JWKS given, else
                                   the keys the gateway publishes) and that the chain still has its hash
  backup --out FILE                a consistent snapshot of the embedded database and DATA_DIR/keys (mode 0600;
                                   it holds the key-encryption key); taken by the running gateway when there is one
                                   (PostgreSQL: use pg_dump, see README "Backup and restore")
  restore --from FILE --data-dir DIR
                                   a backup into an empty or new data dir (refuses a non-empty one); prints the
                                   restored audit chain's verification
  inspection verify --draw ID      re-run an inspection draw from its record; prints whether the
                                   population and the result are the ones recorded (exit 0 either way)
${RELATIONS_USAGE}
${CLASSIFICATION_USAGE}
${HISTORY_USAGE}

Database: DATABASE_URL, or the embedded database in DATA_DIR (default ./.data). While a
gateway runs on that DATA_DIR, commands go through its admin socket (DATA_DIR/admin.sock).`;

export interface Io {
  readFile(path: string): string;
  /** The piped stdin, or undefined when stdin is a terminal. */
  readStdin(): Promise<string | undefined>;
}

export const processIo: Io = {
  readFile: (path) => readFileSync(path, "utf8"),
  async readStdin() {
    if (process.stdin.isTTY) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
};

export async function toRequest(args: ParsedArgs, io: Io = processIo): Promise<CommandRequest> {
  const words = args.words.join(" ");
  if (args.words[0] === "relations") return relationsRequest(args, io.readFile);
  if (args.words[0] === "reclassify" || args.words[0] === "model" || (args.words[0] === "platform" && args.words[1] === "backfill")) return classificationRequest(args);
  switch (words) {
    case "platform add": {
      onlyOptions(args, ["name", "jwks", "webhook-url", "scopes"]);
      const jwks = readJson(io, required(args, "jwks"), "--jwks");
      // A single JWK is accepted as a set of one.
      const set = Array.isArray((jwks as { keys?: unknown }).keys) ? jwks : { keys: [jwks] };
      const input: Record<string, unknown> = { name: required(args, "name"), jwks: set };
      const webhookUrl = optional(args, "webhook-url");
      if (webhookUrl) input.webhookUrl = webhookUrl;
      const scopes = list(args, "scopes");
      if (scopes) input.scopes = scopes;
      return { command: "platform.add", input };
    }
    case "platform list":
      onlyOptions(args, []);
      return { command: "platform.list", input: {} };
    case "platform key add": {
      onlyOptions(args, ["platform", "jwk", "not-after"]);
      let jwk = readJson(io, required(args, "jwk"), "--jwk") as Record<string, unknown>;
      const keys = (jwk as { keys?: unknown }).keys;
      if (Array.isArray(keys)) {
        if (keys.length !== 1) throw new UsageError("--jwk: give one key (a JWK, or a JWKS holding exactly one)");
        jwk = keys[0] as Record<string, unknown>;
      }
      const notAfter = optional(args, "not-after");
      return { command: "platform.key.add", input: { platformId: required(args, "platform"), jwk, ...(notAfter ? { notAfter } : {}) } };
    }
    case "platform key retire":
    case "platform key revoke": {
      onlyOptions(args, ["platform", "kid", "reason"]);
      const input = { platformId: required(args, "platform"), kid: required(args, "kid"), reason: required(args, "reason") };
      return { command: words === "platform key retire" ? "platform.key.retire" : "platform.key.revoke", input };
    }
    case "regulator add": {
      onlyOptions(args, ["name", "role", "region", "display-name"]);
      const role = required(args, "role");
      if (!["viewer", "officer", "admin"].includes(role)) throw new UsageError("--role must be viewer, officer or admin");
      const region = args.options.get("region");
      if (region === undefined) throw new UsageError('--region is required (a GB/T 2260 prefix such as 5101, or "" for nationwide)');
      const input: Record<string, unknown> = { username: required(args, "name"), role, regionPrefix: region === true ? "" : region };
      const displayName = optional(args, "display-name");
      if (displayName) input.displayName = displayName;
      // A piped password (one line); nothing piped (a terminal, or empty input such as
      // </dev/null) means the gateway generates one and it is printed once.
      const password = (await io.readStdin())?.replace(/\r?\n$/, "");
      if (password) input.password = password;
      return { command: "regulator.add", input };
    }
    case "platform suspend":
    case "platform reactivate": {
      onlyOptions(args, ["platform", "reason"]);
      const input = { platformId: required(args, "platform"), reason: required(args, "reason") };
      return { command: words === "platform suspend" ? "platform.suspend" : "platform.reactivate", input };
    }
    case "regulator list":
      onlyOptions(args, []);
      return { command: "regulator.list", input: {} };
    case "regulator disable":
    case "regulator enable": {
      onlyOptions(args, ["name", "reason"]);
      const input = { username: required(args, "name"), reason: required(args, "reason") };
      return { command: words === "regulator disable" ? "regulator.disable" : "regulator.enable", input };
    }
    case "regulator reset-password": {
      onlyOptions(args, ["name", "reason"]);
      const input: Record<string, unknown> = { username: required(args, "name"), reason: required(args, "reason") };
      const password = (await io.readStdin())?.replace(/\r?\n$/, "");
      if (password) input.password = password;
      return { command: "regulator.reset-password", input };
    }
    case "keys rotate":
      onlyOptions(args, []);
      return { command: "keys.rotate", input: {} };
    case "keys list":
      onlyOptions(args, []);
      return { command: "keys.list", input: {} };
    case "keys revoke": {
      onlyOptions(args, ["kid", "reason"]);
      return { command: "keys.revoke", input: { kid: required(args, "kid"), reason: required(args, "reason") } };
    }
    case "notice revoke-links": {
      onlyOptions(args, ["notice", "platform", "reason"]);
      const input: Record<string, unknown> = { noticeId: required(args, "notice"), reason: required(args, "reason") };
      const platformId = optional(args, "platform");
      if (platformId) input.platformId = platformId;
      return { command: "notice.revoke-links", input };
    }
    case "webhook list": {
      onlyOptions(args, ["status", "platform", "limit"]);
      const input: Record<string, unknown> = {};
      const status = optional(args, "status");
      if (status !== undefined) {
        if (!["pending", "delivered", "dead"].includes(status)) throw new UsageError("--status must be pending, delivered or dead");
        input.status = status;
      }
      const platformId = optional(args, "platform");
      if (platformId !== undefined) input.platformId = uuidOption(platformId, "--platform", "a platform id");
      const limit = optional(args, "limit");
      if (limit !== undefined) {
        if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 500) throw new UsageError("--limit must be a whole number from 1 to 500");
        input.limit = Number(limit);
      }
      return { command: "webhook.list", input };
    }
    case "webhook redeliver": {
      onlyOptions(args, ["delivery"]);
      return { command: "webhook.redeliver", input: { deliveryId: uuidOption(required(args, "delivery"), "--delivery", "a delivery id") } };
    }
    case "audit head":
      onlyOptions(args, []);
      return { command: "audit.head", input: {} };
    case "audit verify": {
      onlyOptions(args, ["from-seq", "expected-head", "head", "jwks"]);
      const signed = optional(args, "head");
      if (signed !== undefined) {
        if (args.options.has("from-seq") || args.options.has("expected-head")) throw new UsageError("--head checks the whole chain: give it alone (with --jwks)");
        const jwksFrom = optional(args, "jwks");
        return { command: "audit.verify-head", input: { jws: readHead(io, signed), ...(jwksFrom ? { jwks: await readJwks(io, jwksFrom) } : {}) } };
      }
      if (args.options.has("jwks")) throw new UsageError("--jwks goes with --head");
      const input: Record<string, unknown> = {};
      const fromSeq = optional(args, "from-seq");
      if (fromSeq !== undefined) {
        if (!/^\d+$/.test(fromSeq)) throw new UsageError("--from-seq must be a whole number");
        input.fromSeq = Number(fromSeq);
      }
      const head = optional(args, "expected-head");
      if (head !== undefined) {
        const m = /^(\d+):([0-9a-f]{64})$/.exec(head);
        if (!m) throw new UsageError("--expected-head must be SEQ:HASH (hex), as printed by an earlier verify");
        input.expectedHead = { seq: Number(m[1]), hash: m[2] };
      }
      return { command: "audit.verify", input };
    }
    case "inspection verify": {
      onlyOptions(args, ["draw"]);
      const drawId = required(args, "draw");
      return { command: "inspection.verify", input: { drawId: uuidOption(drawId, "--draw", "a draw id") } };
    }
    default:
      throw new UsageError(words ? `unknown command "${words}"` : "no command given");
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidOption(value: string, option: string, what: string): string {
  if (!UUID.test(value)) throw new UsageError(`${option} must be ${what} (uuid)`);
  return value;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A signed head given inline, or a file holding it (alone, or as the JSON `audit head` printed). */
function readHead(io: Io, arg: string): string {
  if (COMPACT_JWS.test(arg)) return arg;
  let text: string;
  try {
    text = io.readFile(arg).trim();
  } catch (err) {
    throw new UsageError(`--head: neither a compact JWS nor a readable file (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (text.startsWith("{")) {
    let jws: unknown;
    try {
      jws = (JSON.parse(text) as { jws?: unknown }).jws;
    } catch {
      /* not JSON: refused below */
    }
    if (typeof jws === "string") return jws;
  }
  if (!COMPACT_JWS.test(text)) throw new UsageError(`--head: ${arg} holds no compact JWS`);
  return text;
}

/** The JWKS to check against: a file, or an https/http URL (e.g. the gateway's /.well-known/jwks.json). */
async function readJwks(io: Io, from: string): Promise<unknown> {
  if (/^https?:\/\//.test(from)) {
    const res = await fetch(from).catch((err: Error) => {
      throw new UsageError(`--jwks: cannot fetch ${from} (${err.message})`);
    });
    if (!res.ok) throw new UsageError(`--jwks: ${from} answered HTTP ${res.status}`);
    return res.json();
  }
  const jwks = readJson(io, from, "--jwks");
  if (!Array.isArray((jwks as { keys?: unknown }).keys)) throw new UsageError("--jwks: not a JWK set ({keys: [...]})");
  return jwks;
}

function readJson(io: Io, path: string, what: string): unknown {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (err) {
    throw new UsageError(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== "object") throw new Error("not an object");
    return value;
  } catch {
    throw new UsageError(`${what}: ${path} is not a JSON object`);
  }
}
