/**
 * Fixed-window counters for request limits. In-process by default; in Redis when REDIS_URL is set, so every
 * node shares the same windows. (A fixed window is what the X-RateLimit-Reset header can describe exactly.)
 */
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  resetAt: number;
  /** Seconds to wait when not allowed. */
  retryAfter: number;
}

export interface RateLimiter {
  /** Counts one hit against `key` in a window of `windowMs` allowing `limit` hits. */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}

function decide(count: number, limit: number, windowEnd: number, now: number): RateLimitDecision {
  return {
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    resetAt: Math.ceil(windowEnd / 1000),
    retryAfter: Math.max(1, Math.ceil((windowEnd - now) / 1000)),
  };
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; end: number }>();
  private lastSweep = 0;

  constructor(private readonly clock: Clock) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = this.clock.now();
    if (now - this.lastSweep > 60_000) this.sweep(now);
    const start = now - (now % windowMs);
    const fullKey = `${key}:${start}`;
    const window = this.windows.get(fullKey) ?? { count: 0, end: start + windowMs };
    window.count += 1;
    this.windows.set(fullKey, window);
    return decide(window.count, limit, window.end, now);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, window] of this.windows) if (window.end <= now) this.windows.delete(key);
  }
}

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly prefix = 'tagbridge:rl:',
  ) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = this.clock.now();
    const start = now - (now % windowMs);
    const fullKey = `${this.prefix}${key}:${start}`;
    const result = await this.redis
      .multi()
      .incr(fullKey)
      .pexpire(fullKey, windowMs + 1000)
      .exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    return decide(count, limit, start + windowMs, now);
  }
}
