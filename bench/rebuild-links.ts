// The relationship graph rebuilt from scratch over a kept benchmark database (after a bulk load
// whose records never went through a rescore): wall time and links made.
//   npm run bench -- rebuild-links --db bench_city_xxxxxxxx
import { parseArgs } from "node:util";
import { rebuildLinks } from "../src/classification/relationships-rebuild.js";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:54349/postgres";
const { values: args } = parseArgs({ options: { db: { type: "string" } } });
if (!args.db || !/^bench_[a-z0-9_]+$/.test(args.db)) throw new Error("--db takes a benchmark database's name");
const url = new URL(ADMIN_URL);
url.pathname = `/${args.db}`;
const db = await openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 2 });
await migrate(db); // a kept database may predate the engine's newer migrations
const t0 = performance.now();
let last = 0;
const done = await rebuildLinks(db, new Date(), {
  onChunk: (n) => {
    if (performance.now() - last > 30_000) {
      last = performance.now();
      console.error(`${n.toLocaleString()} entities (${((last - t0) / 1000).toFixed(0)} s)`);
    }
  },
});
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ ...done, seconds: +seconds.toFixed(1), entitiesPerSecond: Math.round(done.entities / seconds) }, null, 2));
await db.close();
