/**
 * What every public API request goes through before its body is read: a key in the URL is refused, the
 * `Authorization: Bearer sp_…` key is looked up by its hash (on every request, so a revocation holds at once
 * on every node), the per-key hourly limit is counted (in Redis when configured, so nodes share it), and the
 * org's subscription and the key's scope are checked. The surface is server-to-server only: no CORS headers,
 * and Origin means nothing here.
 */
import type { onRequestHookHandler, onSendHookHandler } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { assertSubscriptionActive } from '../../ingest/admission.js';
import {
  type ApiKeyAuth,
  apiKeyHash,
  isWellFormedApiKey,
  parseScopes,
  type Scope,
} from '../../public-api/keys.js';
import { apiKeyStatus, findApiKeyByHash, touchApiKey } from '../../storage/repos/api-keys.js';
import { enforceRateLimit } from '../rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyAuth | null;
  }
}

// Names under which clients commonly put a key into a URL, where it ends up in access logs and proxies.
const QUERY_KEY_PARAMETERS = ['api_key', 'apikey', 'key', 'access_token', 'token'];
// last_used_at is written at most once a minute per key: reads stay cheap.
const TOUCH_INTERVAL_MS = 60_000;
const HOUR_MS = 3600_000;

function queryKeyParameter(query: unknown): string | null {
  if (!query || typeof query !== 'object') return null;
  for (const name of Object.keys(query)) {
    if (QUERY_KEY_PARAMETERS.includes(name.toLowerCase())) return name;
  }
  return null;
}

/** onRequest hook of a public API route needing `scope`. */
export function requireApiKey(deps: AppDeps, scope: Scope): onRequestHookHandler {
  return async (request, reply) => {
    const inQuery = queryKeyParameter(request.query);
    if (inQuery) {
      throw new ApiError(
        'unauthenticated',
        `API keys are accepted only in the Authorization header; a key in the URL (${inQuery}) is refused. Revoke a key that was sent this way: URLs end up in logs.`,
        { parameter: inQuery },
      );
    }
    const header = request.headers.authorization;
    if (!header) {
      throw new ApiError('unauthenticated', 'Authorization header missing: send Authorization: Bearer sp_…');
    }
    const match = /^Bearer (\S+)$/i.exec(header.trim());
    if (!match || !isWellFormedApiKey(match[1]!)) {
      throw new ApiError(
        'unauthenticated',
        'Authorization header malformed: expected Bearer sp_ and 32 characters',
      );
    }
    const found = await findApiKeyByHash(deps.storage.db, apiKeyHash(match[1]!));
    if (!found) throw new ApiError('unauthenticated', 'API key is not valid');
    const now = deps.clock.now();
    const status = apiKeyStatus(found.key, now);
    if (status !== 'active') throw new ApiError('unauthenticated', `API key is ${status}`, { status });

    const limit = deps.config.api.requestsPerKeyPerHour;
    const decision = await deps.rateLimiter.hit(`api:${found.key.id}`, limit, HOUR_MS);
    enforceRateLimit(reply, decision, `Rate limit exceeded: ${limit} requests per hour per API key`);
    assertSubscriptionActive(found.org);
    const scopes = parseScopes(found.key.scopes);
    if (!scopes.includes(scope)) {
      throw new ApiError('forbidden', `Permission ${scope} required: this API key does not have it`, {
        required_scope: scope,
        scopes,
      });
    }
    if (found.key.lastUsedAt === null || now - found.key.lastUsedAt >= TOUCH_INTERVAL_MS) {
      await touchApiKey(deps.storage.db, found.key.id, now, TOUCH_INTERVAL_MS);
    }
    request.apiKey = {
      id: found.key.id,
      orgId: found.key.orgId,
      domainId: found.key.domainId,
      prefix: found.key.prefix,
      scopes,
      plan: found.org.plan,
      subscriptionStatus: found.org.subscriptionStatus,
    };
  };
}

/**
 * onSend of every public API route: whatever another plugin may add, this surface answers without CORS
 * headers, so a browser never lets a page read it (keys belong on servers).
 */
export const withoutCors: onSendHookHandler = async (_request, reply, payload) => {
  for (const name of Object.keys(reply.getHeaders())) {
    if (name.toLowerCase().startsWith('access-control-')) reply.removeHeader(name);
  }
  return payload;
};
