/**
 * `POST /v1/collect`: the first-party pixel's events, authenticated by a publishable `pk_` key and the
 * browser's Origin. Checks, in this order (each refusal stores nothing):
 * 1. per-IP rate limit (PIXEL_RATE_LIMIT_PER_IP_PER_MINUTE), before the body is read;
 * 2. the key, from `X-Tagbridge-Key` or the body's `key`: missing, unknown or revoked → 401;
 * 3. the Origin header: present and one of the key's domain's origins (proxy-cors.ts) → else 403;
 * 4. a Host that is a Tagbridge domain must be the key's domain → else 403;
 * 5. per-key rate limit (PIXEL_RATE_LIMIT_PER_KEY_PER_MINUTE), then subscription and quota;
 * 6. the body's schema → 400 invalid_payload.
 * Bodies are JSON as `application/json` or `text/plain` (what `navigator.sendBeacon` sends without a
 * preflight), at most 64 KB. The answer comes once the events are durable, with the first-party cookies
 * (src/pixel/identifiers.ts) and credentialed CORS for the allowed origin.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import type { Admission } from '../../ingest/accept.js';
import { admitEvents } from '../../ingest/accept.js';
import type { DomainContext } from '../../ingest/domain-context.js';
import type { RateLimitDecision } from '../../lib/rate-limiter.js';
import { CollectBodySchema, collectEvents } from '../../pixel/collect.js';
import { cookieAttributes, cookieDomain } from '../../pixel/cookies.js';
import { type PixelKeyAuth, pixelKeyCache } from '../../pixel/keys.js';
import { isAllowedProxyOrigin, PROXY_EXPOSED_HEADERS } from '../proxy-cors.js';
import { enforceRateLimit } from '../rate-limit.js';
import type { App } from '../types.js';

export const COLLECT_BODY_LIMIT_BYTES = 64 * 1024;
const KEY_HEADER = 'x-tagbridge-key';

interface CollectGuard {
  key: PixelKeyAuth;
  ctx: DomainContext;
  admission: Admission;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the collect route's guard. */
    pixelCollect: CollectGuard | null;
    pixelIpLimit: RateLimitDecision | null;
  }
}

function allowOrigin(reply: FastifyReply, origin: string): void {
  reply.header('access-control-allow-origin', origin);
  reply.header('access-control-allow-credentials', 'true');
  reply.header('access-control-expose-headers', PROXY_EXPOSED_HEADERS);
}

function originAllowed(deps: AppDeps, origin: string | undefined, ctx: DomainContext): origin is string {
  return (
    origin !== undefined &&
    isAllowedProxyOrigin(origin, ctx.domain.shop_url, deps.config.proxy.corsExtraOrigins)
  );
}

function headerKey(request: FastifyRequest): string | undefined {
  const value = request.headers[KEY_HEADER];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function bodyKey(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const key = (body as { key?: unknown }).key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

const BAD_KEY = 'The pixel key is unknown or revoked';

/** The context of a key's domain; null once the domain is deleted (the key went with it). */
async function keyDomain(deps: AppDeps, key: PixelKeyAuth): Promise<DomainContext | null> {
  if (key.host === null) return null;
  const ctx = await deps.domains.resolve(key.host);
  return ctx && ctx.domain.id === key.domainId ? ctx : null;
}

async function guard(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { config } = deps;
  const origin = request.headers.origin;
  const given = headerKey(request) ?? bodyKey(request.body);
  if (!given) {
    throw new ApiError(
      'unauthenticated',
      'The pixel key is missing: send it as "key" in the body or in X-Tagbridge-Key',
    );
  }
  const cache = pixelKeyCache(deps.storage.db, deps.clock);
  const key = await cache.lookup(given);
  const ctx = key ? await keyDomain(deps, key) : null;
  if (!key || !ctx) throw new ApiError('unauthenticated', BAD_KEY);
  // A page of the shop may read why it was refused from here on (a revoked key: stop sending).
  if (originAllowed(deps, origin, ctx)) allowOrigin(reply, origin);
  if (key.revoked) throw new ApiError('unauthenticated', BAD_KEY);
  if (origin === undefined) {
    throw new ApiError(
      'forbidden',
      'The Origin header is missing: /v1/collect takes requests from shop pages',
    );
  }
  if (!originAllowed(deps, origin, ctx)) {
    throw new ApiError('forbidden', `Origin ${origin} is not allowed for this pixel key`, { origin });
  }
  if (ctx.domain.status === 'disabled') {
    throw new ApiError('domain_not_configured', `The domain ${ctx.domain.host} is disabled`, {
      host: ctx.domain.host,
    });
  }
  // Called on a Tagbridge host, the key must be that host's domain's: one shop's key does not post to another's host.
  const hostCtx = await deps.domains.resolve(request.host);
  if (hostCtx && hostCtx.domain.id !== ctx.domain.id) {
    throw new ApiError('forbidden', `This pixel key belongs to another domain than ${request.hostname}`);
  }

  const perKey = await deps.rateLimiter.hit(
    `pixel-key:${key.id}`,
    config.pixel.rateLimitPerKeyPerMinute,
    60_000,
  );
  const perIp = request.pixelIpLimit;
  // The headers describe whichever window has less room left (the one refusing, past a limit).
  const shown = !perKey.allowed || !perIp || perKey.remaining < perIp.remaining ? perKey : perIp;
  enforceRateLimit(reply, shown, 'Too many requests with this pixel key');

  const admission = await admitEvents(deps, {
    id: ctx.org.id,
    plan: ctx.org.plan,
    subscriptionStatus: ctx.org.subscription_status,
  });
  await cache.touch(key.id);
  request.pixelCollect = { key, ctx, admission };
}

export async function registerCollect(app: App, deps: AppDeps): Promise<void> {
  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.decorateRequest('pixelCollect', null);
    scope.decorateRequest('pixelIpLimit', null);
    // sendBeacon sends text/plain (no preflight): the same JSON, parsed by Fastify's own JSON parser
    // (prototype-poisoning checks included). Only in this scope: every other route stays JSON-only.
    scope.addContentTypeParser(
      'text/plain',
      { parseAs: 'string', bodyLimit: COLLECT_BODY_LIMIT_BYTES },
      scope.getDefaultJsonParser('error', 'error'),
    );

    scope.options('/v1/collect', async (request, reply) => {
      reply.header('vary', 'Origin');
      const origin = request.headers.origin;
      // A preflight carries no key: the Host's domain decides (the script posts to its own host).
      const ctx = await deps.domains.resolve(request.host);
      const allowed = ctx
        ? originAllowed(deps, origin, ctx)
        : origin !== undefined && deps.config.proxy.corsExtraOrigins.includes(origin);
      if (allowed && origin) {
        allowOrigin(reply, origin);
        reply.headers({
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': 'Content-Type, X-Tagbridge-Key',
          'access-control-max-age': '600',
        });
      }
      return reply.status(204).send();
    });

    scope.post(
      '/v1/collect',
      {
        bodyLimit: COLLECT_BODY_LIMIT_BYTES,
        config: { invalidCode: 'invalid_payload', idempotency: false },
        onRequest: async (request, reply) => {
          reply.header('vary', 'Origin');
          const decision = await deps.rateLimiter.hit(
            `pixel-ip:${request.ip}`,
            deps.config.pixel.rateLimitPerIpPerMinute,
            60_000,
          );
          request.pixelIpLimit = decision;
          if (!decision.allowed) {
            // Past the limit the key is looked up in the cache only: a refused request costs no query.
            const given = headerKey(request);
            const key = given ? pixelKeyCache(deps.storage.db, deps.clock).peek(given) : undefined;
            const ctx = key?.host ? deps.domains.peek(key.host) : undefined;
            const origin = request.headers.origin;
            if (ctx && ctx.domain.id === key?.domainId && originAllowed(deps, origin, ctx)) {
              allowOrigin(reply, origin);
            }
          }
          enforceRateLimit(reply, decision, 'Too many requests from this IP');
        },
        preValidation: async (request, reply) => guard(deps, request, reply),
        schema: {
          summary: 'Collect pixel events',
          description:
            'Events from the first-party pixel (/p.js) on a shop page: authenticated by a publishable pk_ key (body `key` or X-Tagbridge-Key) and the Origin of the shop, JSON as application/json or text/plain (sendBeacon), at most 64 KB and 50 events. Stored durably before the answer, which sets the first-party cookies (_fbp, _fbc, _tb_vid, …) on the registrable domain of the host. See docs/pixel.md.',
          headers: Type.Object({
            [KEY_HEADER]: Type.Optional(Type.String({ description: 'The pk_ key, unless in the body.' })),
            origin: Type.Optional(
              Type.String({ description: 'Set by the browser: one of the shop’s origins.' }),
            ),
          }),
          body: CollectBodySchema,
          response: { 200: Type.Object({ success: Type.Literal(true) }) },
        },
      },
      async (request, reply) => {
        const guarded = request.pixelCollect!;
        const outcome = await collectEvents(deps, {
          ctx: guarded.ctx,
          admission: guarded.admission,
          body: request.body,
          cookies: request.cookies,
          client: { ip: request.ip, userAgent: request.headers['user-agent'] },
        });
        const domain = cookieDomain(request.host);
        for (const cookie of outcome.cookies) {
          reply.setCookie(cookie.name, cookie.value, cookieAttributes(domain, cookie.maxAgeSeconds));
        }
        return reply.send({ success: true as const });
      },
    );
  });
}
