/**
 * Where generated feeds are kept between requests: gzip bytes with their ETag, counts and generation
 * time, under `<feedId>:<contentVersion>`. In-process (LRU bounded by total bytes) without Redis; in Redis
 * when REDIS_URL is set, so every node serves the same generation, and a lock keeps two nodes from
 * generating the same feed at once.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface CachedFeed {
  /** The gzip bytes as the compressor produced them (never concatenated: no second copy at the peak). */
  gzip: Buffer[];
  gzipBytes: number;
  etag: string;
  products: number;
  skipped: number;
  generatedAt: number;
}

export interface FeedCache {
  readonly shared: boolean;
  get(key: string): Promise<CachedFeed | null>;
  /** Stores `entry` for `ttlMs`; entries of the same feed under other keys (older versions) may go. */
  set(feedId: string, key: string, entry: CachedFeed, ttlMs: number): Promise<void>;
  /** Takes the generation lock of `key` for at most `ttlMs`: a token when taken, null when another holds it. */
  lock(key: string, ttlMs: number): Promise<string | null>;
  unlock(key: string, token: string): Promise<void>;
  close(): Promise<void>;
}

/** Least recently used first out, by total gzip bytes; the newest entry always stays, even alone over the bound. */
export class MemoryFeedCache implements FeedCache {
  readonly shared = false;
  private readonly entries = new Map<string, { feedId: string; entry: CachedFeed; expiresAt: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number,
  ) {}

  get totalBytes(): number {
    return this.bytes;
  }

  async get(key: string): Promise<CachedFeed | null> {
    const found = this.entries.get(key);
    if (!found) return null;
    if (found.expiresAt <= this.now()) {
      this.remove(key);
      return null;
    }
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, found);
    return found.entry;
  }

  async set(feedId: string, key: string, entry: CachedFeed, ttlMs: number): Promise<void> {
    for (const [other, value] of this.entries) if (value.feedId === feedId) this.remove(other);
    this.entries.set(key, { feedId, entry, expiresAt: this.now() + ttlMs });
    this.bytes += entry.gzipBytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes || oldest === key) break;
      this.remove(oldest);
    }
  }

  /** One process: concurrent requests already share one generation (FeedServer's in-flight map). */
  async lock(): Promise<string | null> {
    return 'local';
  }

  async unlock(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(key: string): void {
    const found = this.entries.get(key);
    if (!found) return;
    this.entries.delete(key);
    this.bytes -= found.entry.gzipBytes;
  }
}

const UNLOCK =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Redis: one key per generation holding `<4-byte header length><JSON header><gzip bytes>`, expiring with
 * the TTL (Redis's own maxmemory bounds the total); `SET NX PX` as the generation lock.
 */
export class RedisFeedCache implements FeedCache {
  readonly shared = true;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'tagbridge:feed:',
  ) {}

  async get(key: string): Promise<CachedFeed | null> {
    const raw = await this.redis.getBuffer(`${this.prefix}${key}`);
    if (!raw || raw.length < 4) return null;
    const headerLength = raw.readUInt32BE(0);
    const header = JSON.parse(raw.subarray(4, 4 + headerLength).toString('utf8')) as Omit<
      CachedFeed,
      'gzip' | 'gzipBytes'
    >;
    const body = raw.subarray(4 + headerLength);
    return { ...header, gzip: [body], gzipBytes: body.length };
  }

  async set(_feedId: string, key: string, entry: CachedFeed, ttlMs: number): Promise<void> {
    const header = Buffer.from(
      JSON.stringify({
        etag: entry.etag,
        products: entry.products,
        skipped: entry.skipped,
        generatedAt: entry.generatedAt,
      }),
    );
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length, 0);
    // Appended chunk by chunk in one transaction (no concatenated copy); the feed's older generations are
    // unreachable (their version is gone) and expire on their own.
    const name = `${this.prefix}${key}`;
    const multi = this.redis.multi().set(name, Buffer.concat([length, header]), 'PX', ttlMs);
    for (const chunk of entry.gzip) multi.append(name, chunk);
    await multi.exec();
  }

  async lock(key: string, ttlMs: number): Promise<string | null> {
    const token = randomBytes(12).toString('hex');
    const result = await this.redis.set(`${this.prefix}lock:${key}`, token, 'PX', ttlMs, 'NX');
    return result === 'OK' ? token : null;
  }

  async unlock(key: string, token: string): Promise<void> {
    await this.redis.eval(UNLOCK, 1, `${this.prefix}lock:${key}`, token);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
