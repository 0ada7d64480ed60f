// Password hashing (scrypt, 32 MiB and tens of milliseconds each) is the costliest thing an
// anonymous caller can make the gateway do. At most `concurrency` hashes run at once and at most
// `queue` callers wait for one; anyone beyond that gets 503 with Retry-After at once, instead of
// a queue (and memory) that grows as fast as an attacker can send.
import { AppError } from "../http/errors.js";

export interface HashingGateLimits {
  concurrency: number;
  queue: number;
}

/** libuv runs 4 crypto jobs at once by default: two for logins leave room for everything else. */
export const DEFAULT_HASHING_GATE: HashingGateLimits = { concurrency: 2, queue: 16 };

export interface HashingGate {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createHashingGate(limits: HashingGateLimits = DEFAULT_HASHING_GATE): HashingGate {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    async run(work) {
      if (running < limits.concurrency) running++;
      else if (waiting.length < limits.queue) await new Promise<void>((resolve) => waiting.push(resolve));
      else throw new AppError("UNAVAILABLE", "the gateway is busy checking passwords; try again shortly", { headers: { "Retry-After": "1" } });
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
