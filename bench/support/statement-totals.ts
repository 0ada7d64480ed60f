// Where PostgreSQL's time went, statement by statement, from pg_stat_statements: total execution
// time (lock and I/O waits included) and planning time per statement, for one database and one
// phase. Only when the cluster preloads the module (PG_STAT_STATEMENTS=1 scripts/services.sh
// start DIR); the sampler (statement-sampler.ts) tells what the time was spent waiting on.
import postgres from "postgres";

export interface StatementTotals {
  reset(): Promise<void>;
  /** The top statements by execution + planning time since the last reset, and the totals of all. */
  read(top: number): Promise<{ execSeconds: number; planSeconds: number; calls: number; statements: string[] }>;
}

export async function statementTotals(sql: postgres.Sql, database: string): Promise<StatementTotals | undefined> {
  try {
    await sql`create extension if not exists pg_stat_statements`;
    await sql`select 1 from pg_stat_statements limit 1`; // fails unless preloaded
  } catch {
    return undefined;
  }
  const dbid = sql`(select oid from pg_database where datname = ${database})`;
  return {
    async reset() {
      await sql`select pg_stat_statements_reset(0, ${dbid}, 0)`;
    },
    async read(top) {
      const [all] = await sql`select coalesce(sum(total_exec_time), 0) / 1000 as exec, coalesce(sum(total_plan_time), 0) / 1000 as plan,
        coalesce(sum(calls), 0)::bigint as calls from pg_stat_statements where dbid = ${dbid}`;
      const rows = await sql`select total_exec_time / 1000 as exec, total_plan_time / 1000 as plan, calls::bigint as calls,
        left(regexp_replace(query, '\\s+', ' ', 'g'), 100) as query
        from pg_stat_statements where dbid = ${dbid} order by total_exec_time + total_plan_time desc limit ${top}`;
      const s = (x: unknown) => Number(x).toFixed(1);
      return {
        execSeconds: +s(all!.exec),
        planSeconds: +s(all!.plan),
        calls: Number(all!.calls),
        statements: rows.map((r) => `${s(r.exec)} s exec + ${s(r.plan)} s plan, ${Number(r.calls)} calls: ${r.query}`),
      };
    },
  };
}
