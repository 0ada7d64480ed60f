// The one job interface. Domain code defines jobs and enqueues them through the outbox in its
// own transaction; which runner executes them (Bull on Redis, or in-process from the outbox)
// is decided once, in createJobRunner. Swapping Bull for another runner changes only jobs/.
import type { Executor } from "../db/client.js";

/** Thrown by a handler (or by payload validation) when retrying cannot help. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}

export interface JobContext {
  /** Outbox row id: stable across retries, usable as an idempotency key. */
  jobId: number;
  /** 1 on the first run. */
  attempt: number;
}

export interface JobDefinition<P = unknown> {
  name: string;
  /** Checks and narrows the stored payload; throw PermanentJobError on bad input. */
  parse(payload: unknown): P;
  /** Must be idempotent: a job may run more than once. */
  handle(payload: P, ctx: JobContext): Promise<void>;
  /** Total tries including the first (default 8). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, with jitter (default 1 s). */
  backoffMs?: number;
  /** Longest delay between two tries, however many failed before (default 6 h). */
  maxBackoffMs?: number;
  /** Longest a single run may take before its lease lapses and another worker may retry it. */
  timeoutMs?: number;
  /**
   * How long after being enqueued a run may start at the earliest, when the enqueuer names no
   * runAt (default 0). The instant is rounded up to a multiple of the delay, so rows enqueued
   * within one interval share it (at most twice the delay after the earliest of them). Lets a job
   * gather the work requested meanwhile: see classification.rescore.
   */
  delayMs?: number;
}

export interface EnqueueOptions {
  /** Run no earlier than this (delayed jobs: deadlines, reminders). */
  runAt?: Date;
  /** While a pending job has this key, enqueuing another is a no-op (coalescing). */
  dedupKey?: string;
}

export interface JobCounts {
  pending: number;
  running: number;
  done: number;
  failed: number;
}

export interface JobRunner {
  readonly kind: "in-process" | "bull";
  /** Starts executing (workers) and/or relaying the outbox. Idempotent. */
  start(): Promise<void>;
  /** Stops taking work, waits for running jobs, closes connections. */
  stop(): Promise<void>;
  /** Hint that new outbox rows were committed: run them now rather than at the next poll. */
  kick(): void;
  counts(): Promise<Record<string, JobCounts>>;
  /** Health: is the queue backend reachable? */
  ping(): Promise<void>;
}

export type Enqueue = (on: Executor, job: string, payload: unknown, options?: EnqueueOptions) => Promise<void>;
