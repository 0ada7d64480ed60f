// `npm run demo`: the gateway on the embedded default with three simulated platforms, a year of
// history and a compressed timeline; then it keeps the gateway running for the console.
//
//   npm run demo -- [--entities N] [--days N] [--storm-day N] [--seed N] [--port N] [--exit]
//
// Its data lives in ./.demo-data (wiped at each start: it never touches `npm start`'s ./.data).
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { runDemo } from "./run.js";
import { summaryLines } from "./summary.js";

const { values } = parseArgs({
  options: {
    entities: { type: "string", default: "2000" },
    days: { type: "string", default: "30" },
    "storm-day": { type: "string", default: "8" },
    seed: { type: "string", default: "2023" },
    port: { type: "string", default: "8090" },
    "data-dir": { type: "string", default: ".demo-data" },
    exit: { type: "boolean", default: false },
  },
});

const int = (name: keyof typeof values, min: number, max: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
};

async function main(): Promise<void> {
  const options = {
    entities: int("entities", 10, 100_000),
    days: int("days", 1, 365),
    stormDay: int("storm-day", 1, 365),
    seed: int("seed", 0, 2 ** 31),
    port: int("port", 0, 65535),
  };
  const dataDir = resolve(String(values["data-dir"]));
  rmSync(dataDir, { recursive: true, force: true });
  const db = await openDatabase({ kind: "pglite", dataDir });
  await migrate(db);
  const tty = process.stdout.isTTY;
  const run = await runDemo({
    db,
    dataDir,
    ...options,
    // One status line rewritten in place on a terminal; plain lines in a log.
    progress: (line) => (tty ? process.stdout.write(`\r\x1b[2K${line}`) : console.log(line)),
  });
  if (tty) process.stdout.write("\n");
  for (const line of summaryLines(run.summary)) console.log(line);
  const shutdown = async () => {
    await run.close();
    await db.close();
    process.exit(0);
  };
  if (values.exit) return shutdown();
  console.log("");
  console.log(`网关仍在运行：${run.gateway.url}   控制台：${run.gateway.url}/console   接口文档：${run.gateway.url}/docs`);
  console.log(`演示监管员账号：${run.officer.username}   密码：${run.officer.password}   （仅本次演示有效；Ctrl+C 结束）`);
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
