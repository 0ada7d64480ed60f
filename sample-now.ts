import postgres from "postgres";
import { StatementSampler } from "./bench/support/statement-sampler.js";
const db = process.argv[2]!;
const sql = postgres(`postgres://postgres@127.0.0.1:54349/${db}`, { max: 1, onnotice: () => {} });
const s = new StatementSampler(sql, db);
s.start();
setTimeout(async () => { for (const x of s.stop(2)) console.log(String(x.percent).padStart(6), x.state.padEnd(8), x.statement.slice(0, 110)); await sql.end(); }, Number(process.argv[3] ?? 20) * 1000);
