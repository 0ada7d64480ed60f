// `npm run bench -- NAME [args]` runs bench/NAME.ts; with no name it lists the benchmarks.
// Results are recorded by hand in bench/results/NAME.md together with the machine they ran on.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .map((f) => f.slice(0, -3));
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}> [args]`);
  process.exit(name ? 2 : 0);
}
const result = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.ts`), ...args], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
