// Redis connections for Bull. Every Bull queue would open three connections of its own; with
// one queue per job name that multiplies, so queues share one command client and one
// subscriber and only the blocking client (which cannot be shared) is per queue. Bull does
// not close connections it got from createClient, so this owner closes them all.
import { Redis, type RedisOptions } from "ioredis";

export class BullConnections {
  private readonly all: Redis[] = [];
  private client: Redis | undefined;
  private subscriber: Redis | undefined;

  constructor(private readonly url: string) {}

  /** Bull's createClient option. */
  readonly createClient = (type: "client" | "subscriber" | "bclient"): Redis => {
    if (type === "client") return (this.client ??= this.open({}));
    // Bull refuses blocking/subscriber connections with a ready check or a request retry limit.
    const blocking: RedisOptions = { enableReadyCheck: false, maxRetriesPerRequest: null };
    if (type === "subscriber") return (this.subscriber ??= this.open(blocking));
    return this.open(blocking);
  };

  /** A connection for this runner's own use (kick pub/sub). */
  open(options: RedisOptions): Redis {
    const redis = new Redis(this.url, { lazyConnect: false, ...options });
    // Without a listener ioredis prints every reconnect error; Bull and ping() surface failures.
    redis.on("error", () => {});
    // The shared client and subscriber carry one set of listeners per queue (one queue per
    // job name): that is expected, not a leak, so lift Node's default warning threshold of 10.
    redis.setMaxListeners(0);
    this.all.push(redis);
    return redis;
  }

  command(): Redis {
    return this.createClient("client");
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.all.map((r) => r.quit().catch(() => r.disconnect())));
    this.all.length = 0;
    this.client = undefined;
    this.subscriber = undefined;
  }
}
