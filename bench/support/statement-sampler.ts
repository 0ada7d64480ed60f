// A sampling profile of one PostgreSQL database: ten times a second, which statements are
// running (pg_stat_activity) and what they wait on. The share of samples per statement says
// where the database's time goes in a phase, without pg_stat_statements or a restart.
import postgres from "postgres";

export interface StatementShare {
  /** Share of samples in which a backend ran this statement (can sum past 100 %: backends run side by side). */
  percent: number;
  /** "cpu" or the wait event type (Lock, IO, Client, ...). */
  state: string;
  statement: string;
}

export class StatementSampler {
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly database: string,
  ) {}

  start(everyMs = 100): void {
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const rows = await this.sql`
        select left(regexp_replace(query, '\\s+', ' ', 'g'), 100) as q, coalesce(wait_event_type, 'cpu') as w
        from pg_stat_activity where datname = ${this.database} and state = 'active' and pid <> pg_backend_pid()`;
      for (const r of rows) {
        const key = `${r.w}\u0000${r.q}`;
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      }
      this.samples++;
    } catch {
      // a sample lost (the database restarting, the connection closing at the end) changes no share
    } finally {
      this.busy = false;
    }
  }

  /** Stops sampling and returns the statements above `minPercent`, largest first. */
  stop(minPercent = 2): StatementShare[] {
    clearInterval(this.timer);
    const n = Math.max(1, this.samples);
    return [...this.counts]
      .map(([key, c]) => {
        const [state, statement] = key.split("\u0000") as [string, string];
        return { percent: +((100 * c) / n).toFixed(1), state, statement };
      })
      .filter((s) => s.percent >= minPercent)
      .sort((a, b) => b.percent - a.percent);
  }
}
