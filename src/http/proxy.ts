/**
 * What the proxy surface (`/v1/events`, `/v1/pmw-events`) does before a body is read: per-IP rate limit,
 * domain by Host, X-SSP-Token, subscription and monthly quota — and its CORS, answered for the domain's
 * shop origins and the configured extra origins only (proxy-cors.ts).
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { type Admission, admitEvents } from '../ingest/accept.js';
import type { IngestingOrg } from '../ingest/admission.js';
import type { DomainContext } from '../ingest/domain-context.js';
import { safeEqual, sha256Hex } from '../lib/crypto.js';
import { isAllowedProxyOrigin, PROXY_EXPOSED_HEADERS } from './proxy-cors.js';
import { enforceRateLimit, rateLimitHeaders } from './rate-limit.js';
import type { App } from './types.js';

declare module 'fastify' {
  interface FastifyRequest {
    proxyContext: DomainContext | null;
    /** Set by proxyGuard: the org passed admission before the body was read. */
    proxyAdmission: Admission | null;
  }
}

function applyCors(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: DomainContext | null,
  extraOrigins: readonly string[],
): boolean {
  reply.header('vary', 'Origin');
  const origin = request.headers.origin;
  if (!origin || !ctx) return false;
  if (!isAllowedProxyOrigin(origin, ctx.domain.shop_url, extraOrigins)) return false;
  reply.header('access-control-allow-origin', origin);
  reply.header('access-control-expose-headers', PROXY_EXPOSED_HEADERS);
  return true;
}

export function proxyGuard(deps: AppDeps): onRequestHookHandler {
  return async (request, reply) => {
    const { config } = deps;
    if (config.proxy.rateLimitPerMinute > 0) {
      const decision = await deps.rateLimiter.hit(
        `proxy:${request.ip}`,
        config.proxy.rateLimitPerMinute,
        60_000,
      );
      if (!decision.allowed) {
        // The shop's script can read a 429 and its Retry-After only with CORS headers. The domain comes
        // from the cache alone here: requests past the limit must not cost a query.
        applyCors(request, reply, deps.domains.peek(request.host) ?? null, config.proxy.corsExtraOrigins);
      }
      enforceRateLimit(reply, decision, 'Too many requests from this IP');
    }

    const ctx = await deps.domains.resolve(request.host);
    request.proxyContext = ctx;
    applyCors(request, reply, ctx, config.proxy.corsExtraOrigins);
    if (!ctx || ctx.domain.status === 'disabled') {
      throw new ApiError('domain_not_configured', `No domain is configured for ${request.host}`, {
        host: request.host,
      });
    }
    const token = request.headers['x-ssp-token'];
    const given = typeof token === 'string' ? token : '';
    if (!given || !safeEqual(sha256Hex(given), ctx.domain.proxy_token_hash)) {
      throw new ApiError(
        'unauthenticated',
        given ? 'X-SSP-Token is not valid for this domain' : 'X-SSP-Token is missing',
      );
    }
    request.proxyAdmission = await admitEvents(deps, proxyOrg(ctx), (quota) => {
      if (config.proxy.rateLimitPerMinute === 0 && quota.limit !== null) {
        reply.headers(rateLimitHeaders(quota.limit, Math.max(0, quota.limit - quota.used), quota.resetAt));
      }
    });
  };
}

/** CORS preflight for a proxy path: allowed for the domain's shop and extra origins, silent for any other. */
/** The org of a proxy request, as admission and acceptEvents take it. */
export function proxyOrg(ctx: DomainContext): IngestingOrg {
  return { id: ctx.org.id, plan: ctx.org.plan, subscriptionStatus: ctx.org.subscription_status };
}

export function registerProxyPreflight(app: App, deps: AppDeps, path: string): void {
  app.options(path, async (request, reply) => {
    const ctx = await deps.domains.resolve(request.host);
    if (applyCors(request, reply, ctx, deps.config.proxy.corsExtraOrigins)) {
      reply.headers({
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'Content-Type, X-SSP-Token',
        'access-control-max-age': '600',
      });
    }
    return reply.status(204).send();
  });
}
