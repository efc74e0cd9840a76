/**
 * Serving a published feed: from the cache while its generation is younger than the TTL and its
 * definition and catalogue unchanged (the content version is in the key); otherwise generated once —
 * concurrent requests of one process share the generation, and with Redis a lock makes other nodes wait
 * for it instead of generating the same feed.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import type { DB } from '../storage/db.js';
import { recordFeedGeneration } from '../storage/repos/feeds.js';
import { getStoreChannelById } from '../storage/repos/store-channels.js';
import type { CachedFeed, FeedCache } from './cache.js';
import type { FeedDefinition } from './definition.js';
import { generateFeed } from './generate.js';

export interface ServedFeed {
  feed: CachedFeed;
  /** Served from the cache (HIT) rather than generated for this request (MISS). */
  hit: boolean;
}

/** How long another node's generation is waited for before this node generates anyway. */
const LOCK_MS = 120_000;
const POLL_MS = 100;

export class FeedServer {
  private readonly inflight = new Map<string, Promise<ServedFeed | null>>();

  constructor(
    private readonly deps: {
      db: DB;
      /** SQLite's handle behind `db`, when it is SQLite (generation then reads rows one by one). */
      sqlite?: SqliteHandle | undefined;
      clock: Clock;
      config: Config['feeds'];
      cache: FeedCache;
      logger?: Logger | undefined;
    },
  ) {}

  private get ttlMs(): number {
    return this.deps.config.cacheTtlSeconds * 1000;
  }

  private fresh(entry: CachedFeed | null): entry is CachedFeed {
    return entry !== null && this.deps.clock.now() - entry.generatedAt < this.ttlMs;
  }

  /** The feed's current output; null when its channel is gone. */
  async load(definition: FeedDefinition): Promise<ServedFeed | null> {
    const key = `${definition.id}:${definition.contentVersion}`;
    const cached = await this.deps.cache.get(key);
    if (this.fresh(cached)) return { feed: cached, hit: true };
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.generateOnce(definition, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Generated here (MISS), or by another node while this one waited for its lock (HIT). */
  private async generateOnce(definition: FeedDefinition, key: string): Promise<ServedFeed | null> {
    const { cache } = this.deps;
    let token = await cache.lock(key, LOCK_MS);
    if (token === null) {
      // Another node generates it: wait for its result (or for its lock to lapse).
      const deadline = Date.now() + LOCK_MS;
      while (token === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const entry = await cache.get(key);
        if (this.fresh(entry)) return { feed: entry, hit: true };
        token = await cache.lock(key, LOCK_MS);
      }
    }
    try {
      // Another node may have finished between our miss and our lock.
      if (cache.shared) {
        const entry = await cache.get(key);
        if (this.fresh(entry)) return { feed: entry, hit: true };
      }
      const channel = await getStoreChannelById(this.deps.db, definition.channelId);
      if (!channel) return null;
      const started = Date.now();
      const generated = await generateFeed(this.deps.db, definition, channel, {
        pageSize: this.deps.config.pageSize,
        now: this.deps.clock.now(),
        sqlite: this.deps.sqlite,
      });
      const entry: CachedFeed = {
        gzip: generated.gzip,
        gzipBytes: generated.gzipBytes,
        etag: generated.etag,
        products: generated.products,
        skipped: generated.skipped,
        generatedAt: generated.generatedAt,
      };
      await cache.set(definition.id, key, entry, this.ttlMs);
      await recordFeedGeneration(this.deps.db, definition.id, {
        generatedAt: generated.generatedAt,
        products: generated.products,
        skipped: generated.skipped,
        reasons: generated.reasons,
      });
      this.deps.logger?.info(
        {
          feedId: definition.id,
          products: generated.products,
          skipped: generated.skipped,
          bytes: generated.bytes,
          gzipBytes: generated.gzipBytes,
          ms: Date.now() - started,
        },
        'feed generated',
      );
      return { feed: entry, hit: false };
    } finally {
      if (token !== null) await cache.unlock(key, token);
    }
  }
}
