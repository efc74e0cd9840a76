import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import {
  type PixelBundle,
  type PixelConfig,
  pixelBundle,
  pixelSource,
  pixelVersion,
} from '../../pixel/bundle.js';
import { acceptsGzip, ifNoneMatchHits } from '../conditional.js';
import type { App } from '../types.js';

const YEAR = 'public, max-age=31536000, immutable';
const FIVE_MINUTES = 'public, max-age=300';

/** One domain's script as served: the bundle inside a function that hands it the domain's configuration. */
interface Served {
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

function serve(bundle: PixelBundle, config: PixelConfig): Served {
  const body = Buffer.from(pixelSource(bundle, config), 'utf8');
  const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 24)}"`;
  return { body, gzipped: gzipSync(body, { level: 9 }), etag };
}

export function registerPixelScript(app: App, deps: AppDeps): void {
  // Per domain configuration → the served script; a few hundred domains at most per process in practice,
  // bounded, least recently used dropped first (a rebuild costs one gzip).
  const cache = new LRUCache<string, Served>({ max: 500 });
  app.get(
    '/p.js',
    {
      schema: {
        description:
          'The browser pixel (docs/pixel.md), served on the domain’s proxy host (the domain is found by Host). ' +
          '`?v=<version>` naming the current build and configuration is cached for a year (immutable); otherwise for five minutes.',
        querystring: Type.Object({
          v: Type.Optional(
            Type.String({
              maxLength: 64,
              description: 'The version of the build and the domain configuration.',
            }),
          ),
        }),
      },
    },
    async (request, reply) => {
      const ctx = await deps.domains.resolve(request.host);
      if (!ctx || ctx.domain.status === 'disabled') {
        throw new ApiError('domain_not_configured', `No domain is configured for ${request.hostname}`, {
          host: request.hostname,
        });
      }
      const bundle = await pixelBundle();
      const config: PixelConfig = {
        consentDefault: ctx.domain.consent_default === 'deny' ? 'deny' : 'forward',
        // Protocol-relative: the script resolves it against its own URL, so it follows the scheme the
        // browser used (TLS is often terminated in front of this service).
        collectUrl: `//${request.host}/v1/collect`,
      };
      const cacheKey = `${bundle.hash}|${config.consentDefault}|${config.collectUrl}`;
      let served = cache.get(cacheKey);
      if (!served) {
        served = serve(bundle, config);
        cache.set(cacheKey, served);
      }
      const gzip = acceptsGzip(request.headers['accept-encoding']);
      reply.headers({
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': request.query.v === pixelVersion(bundle, config) ? YEAR : FIVE_MINUTES,
        // The gzipped and the plain body are two representations: each has its own (strong) tag.
        etag: gzip ? `${served.etag.slice(0, -1)}-gz"` : served.etag,
        vary: 'Accept-Encoding',
        'x-content-type-options': 'nosniff',
      });
      if (ifNoneMatchHits(request.headers['if-none-match'], reply.getHeader('etag') as string)) {
        return reply.status(304).send();
      }
      if (gzip) reply.header('content-encoding', 'gzip');
      return reply.send(gzip ? served.gzipped : served.body);
    },
  );
}
