// What a runner reports after each run, so main.ts can count jobs in /metrics and tests can
// wait for an outcome instead of sleeping. Same events from both runners.

export type JobEvent =
  | { type: "done"; id: number; job: string; attempt: number }
  /** retryAt: known to the in-process runner; Bull schedules the retry itself. */
  | { type: "retry"; id: number; job: string; attempt: number; error: string; retryAt?: Date }
  | { type: "failed"; id: number; job: string; attempt: number; error: string };

export type JobEventListener = (event: JobEvent) => void;

/**
 * Records events and lets callers await one ("the job ran", "it failed for good") instead of
 * sleeping: pass `log.listener` as onEvent. Used by tests here and by end-to-end tests.
 */
export class JobEventLog {
  readonly events: JobEvent[] = [];
  private waiters: { match: (e: JobEvent) => boolean; resolve: (e: JobEvent) => void }[] = [];

  readonly listener: JobEventListener = (event) => {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => (w.match(event) ? (w.resolve(event), false) : true));
  };

  /** The first event, past or future, that matches; rejects after timeoutMs (a guard, not a wait). */
  waitFor(match: (e: JobEvent) => boolean, timeoutMs = 10_000): Promise<JobEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching job event within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      const done = (e: JobEvent) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ match, resolve: done });
    });
  }
}
