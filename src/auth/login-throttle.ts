// A small in-memory brake on password guessing: after MAX_FAILURES failed logins for one
// username from one address within WINDOW_MS, further attempts get 429 until the window ends.
// Per process and bounded (oldest entries dropped); a shared limiter is the exchange's concern.
export const MAX_FAILURES = 5;
const WINDOW_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

export class LoginThrottle {
  private failures = new Map<string, { count: number; since: number }>();

  /** Seconds to wait, or 0 when an attempt is allowed. */
  retryAfter(key: string, nowMs: number): number {
    const f = this.failures.get(key);
    if (!f) return 0;
    if (nowMs - f.since >= WINDOW_MS) {
      this.failures.delete(key);
      return 0;
    }
    return f.count >= MAX_FAILURES ? Math.ceil((f.since + WINDOW_MS - nowMs) / 1000) : 0;
  }

  failed(key: string, nowMs: number): void {
    const f = this.failures.get(key);
    if (f && nowMs - f.since < WINDOW_MS) {
      f.count++;
      return;
    }
    if (this.failures.size >= MAX_ENTRIES) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(key, { count: 1, since: nowMs });
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }
}
