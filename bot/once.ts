// Things that may happen once within a time window: a Slack request (its timestamp and
// signature), a Discord interaction id, the one-time token of a confirmation prompt. The first
// `claim` of a key within `ttlMs` wins; every later one, in this process or (with Redis) in any
// process sharing the prefix, loses. Without Redis the memory of one process is the window:
// enough for one `peerbot start`; behind a load balancer, set REDIS_URL.
import type { Redis } from "ioredis";

export interface OnceStore {
  /** True the first time `key` is claimed within `ttlMs`, false afterwards. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** In one process: a map of keys to when they may be claimed again, swept as it grows. */
export class MemoryOnceStore implements OnceStore {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const t = this.now();
    const held = this.until.get(key);
    if (held !== undefined && held > t) return false;
    if (this.until.size >= this.max) this.sweep(t);
    // Still full of live keys: drop the oldest (Map keeps insertion order) rather than grow.
    while (this.until.size >= this.max) {
      const first = this.until.keys().next().value as string;
      this.until.delete(first);
    }
    this.until.set(key, t + ttlMs);
    return true;
  }

  private sweep(t: number): void {
    for (const [k, v] of this.until) if (v <= t) this.until.delete(k);
  }

  async close(): Promise<void> {
    this.until.clear();
  }
}

/** Across processes: SET key NX PX ttl on Redis, under the queue prefix. */
export class RedisOnceStore implements OnceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly owned = true,
  ) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const r = await this.redis.set(`${this.prefix}:once:${key}`, "1", "PX", Math.max(1, ttlMs), "NX");
    return r === "OK";
  }

  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => {});
  }
}

/** The store for this process: Redis when REDIS_URL is set, memory otherwise. */
export async function onceStore(config: {
  REDIS_URL?: string | undefined;
  PEERBOT_QUEUE_PREFIX: string;
}): Promise<OnceStore> {
  if (!config.REDIS_URL) return new MemoryOnceStore();
  const { Redis } = await import("ioredis");
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  redis.on("error", () => {}); // reported by readiness and by the claim that fails
  return new RedisOnceStore(redis, config.PEERBOT_QUEUE_PREFIX);
}
