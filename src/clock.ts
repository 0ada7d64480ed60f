// The only way code reads the time: deadlines, windows and token expiries all go through an
// injected Clock, so tests and demos can move time instead of waiting for it.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string = "2026-01-01T00:00:00Z") {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(to: Date | string): void {
    this.t = new Date(to).getTime();
  }
}

/** Wall-clock time moved by an offset: time flows as usual and a demo jumps it forward. */
export class OffsetClock implements Clock {
  private offsetMs: number;
  constructor(start: Date | string = new Date()) {
    this.offsetMs = new Date(start).getTime() - Date.now();
  }
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  /** Moves to `to` unless the clock is already past it (time never runs backwards). */
  advanceTo(to: Date): void {
    this.offsetMs = Math.max(this.offsetMs, to.getTime() - Date.now());
  }
}
