// Job definitions by name. Both runners and enqueue look definitions up here, so a job is
// defined once (name, payload parser, handler, retry policy) and runs the same everywhere.
import { DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_BACKOFF_MS, DEFAULT_TIMEOUT_MS } from "./backoff.js";
import { PermanentJobError, type JobContext, type JobDefinition } from "./types.js";

/** A definition with its policy defaults filled in. */
export interface ResolvedJob {
  name: string;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  /** Earliest start after enqueue when no runAt is given (0: at once). */
  delayMs: number;
  definition: JobDefinition<unknown>;
}

/** Typed helper: infers P from parse() so handle() sees the parsed payload type. */
export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

export class JobRegistry {
  private readonly jobs = new Map<string, ResolvedJob>();

  define<P>(definition: JobDefinition<P>): this {
    if (this.jobs.has(definition.name)) throw new Error(`job "${definition.name}" is already defined`);
    const positive = (v: number | undefined, fallback: number, what: string): number => {
      if (v === undefined) return fallback;
      if (!Number.isFinite(v) || v <= 0) throw new Error(`job "${definition.name}": ${what} must be positive`);
      return v;
    };
    const notNegative = (v: number | undefined, what: string): number => {
      if (v === undefined) return 0;
      if (!Number.isFinite(v) || v < 0) throw new Error(`job "${definition.name}": ${what} must not be negative`);
      return v;
    };
    this.jobs.set(definition.name, {
      name: definition.name,
      maxAttempts: Math.floor(positive(definition.maxAttempts, DEFAULT_MAX_ATTEMPTS, "maxAttempts")),
      backoffMs: positive(definition.backoffMs, DEFAULT_BACKOFF_MS, "backoffMs"),
      maxBackoffMs: positive(definition.maxBackoffMs, DEFAULT_MAX_BACKOFF_MS, "maxBackoffMs"),
      timeoutMs: positive(definition.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs"),
      delayMs: notNegative(definition.delayMs, "delayMs"),
      definition: definition as JobDefinition<unknown>,
    });
    return this;
  }

  get(name: string): ResolvedJob | undefined {
    return this.jobs.get(name);
  }

  /** For enqueue: an unknown name is a programming error in the caller, so fail its transaction. */
  require(name: string): ResolvedJob {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`unknown job "${name}": define it in the job registry before enqueuing`);
    return job;
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  /**
   * Runs one attempt: resolve, parse, handle. A row whose job is no longer defined, or whose
   * payload does not parse, can never succeed, so both surface as PermanentJobError.
   */
  async run(name: string, payload: unknown, ctx: JobContext): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) throw new PermanentJobError(`unknown job "${name}"`);
    let parsed: unknown;
    try {
      parsed = job.definition.parse(payload);
    } catch (err) {
      if (isPermanent(err)) throw err;
      throw new PermanentJobError(`invalid payload for job "${name}": ${err instanceof Error ? err.message : String(err)}`);
    }
    await job.definition.handle(parsed, ctx);
  }
}

/** By name as well as class, so an error from a second copy of this module still counts. */
export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentJobError || (err instanceof Error && err.name === "PermanentJobError");
}
