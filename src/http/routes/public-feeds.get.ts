import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { type FeedCache, MemoryFeedCache, RedisFeedCache } from '../../feeds/cache.js';
import { type FeedFormat, feedDefinition, SLUG_RE } from '../../feeds/definition.js';
import { FeedServer } from '../../feeds/server.js';
import { getFeedBySlug } from '../../storage/repos/feeds.js';
import { acceptsGzip, ifNoneMatchHits } from '../conditional.js';
import { rateLimitHeaders } from '../rate-limit.js';
import { Sync2SysError } from '../sync2sys-errors.js';
import type { App } from '../types.js';

const CONTENT_TYPES: Record<FeedFormat, string> = {
  google: 'application/xml; charset=utf-8',
  meta: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};
const EXTENSIONS: Record<FeedFormat, string> = { google: 'xml', meta: 'csv', json: 'json' };

/** "2024-03-15T14:30:00Z", as seed 004 writes it. */
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function feedCache(deps: AppDeps): Promise<FeedCache> {
  const { config, clock } = deps;
  if (!config.redisUrl) return new MemoryFeedCache(config.feeds.cacheMaxBytes, () => clock.now());
  // A connection of its own: feed bodies are megabytes, and must not queue ahead of the rate limiter's
  // small commands on the shared one.
  const { Redis } = await import('ioredis');
  return new RedisFeedCache(new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }));
}

export async function registerPublicFeedsGet(app: App, deps: AppDeps): Promise<void> {
  const cache = await feedCache(deps);
  const server = new FeedServer({
    db: deps.storage.db,
    sqlite: deps.storage.sqlite,
    clock: deps.clock,
    config: deps.config.feeds,
    cache,
    logger: deps.logger,
  });
  app.addHook('onClose', async () => cache.close());
  const limit = deps.config.feeds.rateLimitPerMinute;

  app.get(
    '/api/public/feeds/:slug',
    {
      schema: {
        summary: 'A published product feed',
        description:
          "No authentication. XML (Google Merchant RSS 2.0), CSV (Meta catalogue) or JSON, per the feed's format; cached for 5 minutes; ETag/If-None-Match; gzip when accepted; 30 requests per minute per IP. Errors use seed 004's shape (docs/feeds.md).",
        tags: ['Feeds'],
        params: Type.Object({ slug: Type.String({ maxLength: 200 }) }),
      },
    },
    async (request, reply) => {
      const decision = await deps.rateLimiter.hit(`feeds:${request.ip}`, limit, 60_000);
      reply.headers(rateLimitHeaders(decision.limit, decision.remaining, decision.resetAt));
      if (!decision.allowed) {
        throw new Sync2SysError(
          429,
          `Rate limit exceeded: ${limit} requests per minute; retry after ${decision.retryAfter}s`,
          'Too Many Requests',
          {},
          { 'retry-after': String(decision.retryAfter) },
        );
      }
      const { slug } = request.params;
      const row = SLUG_RE.test(slug) ? await getFeedBySlug(deps.storage.db, slug) : undefined;
      const published = row !== undefined && row.published === 1;
      if (!row || !published) throw new Sync2SysError(404, 'Feed not found or not published');
      const definition = feedDefinition(row);
      const served = await server.load(definition);
      if (!served) throw new Sync2SysError(404, 'Feed not found or not published');
      const { feed, hit } = served;
      reply.headers({
        'content-type': CONTENT_TYPES[definition.format],
        'content-disposition': `inline; filename="${slug}.${EXTENSIONS[definition.format]}"`,
        'cache-control': 'public, max-age=300',
        'x-feed-products': String(feed.products),
        'x-feed-generated': isoSeconds(feed.generatedAt),
        'x-cache': hit ? 'HIT' : 'MISS',
        etag: feed.etag,
        vary: 'Accept-Encoding',
      });
      if (ifNoneMatchHits(request.headers['if-none-match'], feed.etag)) return reply.status(304).send();
      if (acceptsGzip(request.headers['accept-encoding'])) {
        reply.header('content-encoding', 'gzip');
        reply.header('content-length', feed.gzipBytes);
        return reply.send(feed.gzip.length === 1 ? feed.gzip[0] : Readable.from(feed.gzip));
      }
      // A client without gzip gets the bytes decompressed on the fly (never held whole).
      return reply.send(Readable.from(feed.gzip).pipe(createGunzip()));
    },
  );
}
