/**
 * The shop plugin's authentication on `/v1/sync/*`: the domain's sync token, as `Authorization: Bearer
 * <token>` or a `sync_token` body field (Pixel Manager's wire format is not public, so both are accepted).
 * The token is looked up by its SHA-256: the database never holds it.
 */
import type { FastifyReply, FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { findDomainBySyncToken } from '../../storage/repos/domain-admin.js';
import type { Domain } from '../../storage/schema.js';
import { enforceRateLimit } from '../rate-limit.js';

/** The sync token the request carries (header first), lower-cased: tokens are hex and pasted by people. */
export function syncTokenOf(request: FastifyRequest, bodyToken: string | undefined): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1]!.toLowerCase();
  }
  const token = bodyToken?.trim();
  return token ? token.toLowerCase() : null;
}

export async function authenticateSync(
  deps: AppDeps,
  request: FastifyRequest,
  bodyToken: string | undefined,
): Promise<Domain> {
  const token = syncTokenOf(request, bodyToken);
  if (!token) {
    throw new ApiError(
      'unauthenticated',
      'The sync token is missing: send Authorization: Bearer <sync token> or a sync_token field',
    );
  }
  const domain = /^[0-9a-f]{32,64}$/.test(token)
    ? await findDomainBySyncToken(deps.storage.db, token)
    : undefined;
  if (!domain) throw new ApiError('unauthenticated', 'The sync token is not valid (was it regenerated?)');
  return domain;
}

const authenticated = new WeakMap<FastifyRequest, Domain>();

/**
 * preValidation hook of every sync route: authentication runs on the parsed body before it is validated,
 * so a caller without a valid token learns nothing about the schema.
 */
export function syncAuth(deps: AppDeps): preValidationAsyncHookHandler {
  return async (request) => {
    const body = request.body;
    const field =
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>).sync_token
        : undefined;
    authenticated.set(
      request,
      await authenticateSync(deps, request, typeof field === 'string' ? field : undefined),
    );
  };
}

/** The domain syncAuth found for this request. */
export function syncDomain(request: FastifyRequest): Domain {
  const domain = authenticated.get(request);
  if (!domain) throw new ApiError('unauthenticated', 'The sync token is missing');
  return domain;
}

// Configuration syncs and callback registrations make Tagbridge call out (platform test events, DNS):
// a few a minute per domain is plenty for a plugin that syncs on save and once a day.
const SYNC_WRITES_PER_MINUTE = 20;

export async function limitSyncWrites(deps: AppDeps, domain: Domain, reply: FastifyReply): Promise<void> {
  const decision = await deps.rateLimiter.hit(`sync:${domain.id}`, SYNC_WRITES_PER_MINUTE, 60_000);
  enforceRateLimit(reply, decision, 'Too many syncs for this domain');
}
