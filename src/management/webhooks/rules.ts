/** What every webhook use case shares: its dependencies, input checks, loading an org's endpoint. */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { checkOutboundUrl } from '../../lib/safe-url.js';
import type { DB } from '../../storage/db.js';
import { getWebhookEndpoint, type WebhookEndpointRow } from '../../storage/repos/webhooks.js';
import { isWebhookEventType, type WebhookEventType } from '../../webhooks/events.js';

/** HTTP and CLI alike: the operator's CLI has no cache or dispatcher to tell. */
export type WebhookDeps = Pick<AppDeps, 'storage' | 'clock' | 'sealer' | 'config'> &
  Partial<Pick<AppDeps, 'caches' | 'wakeWebhooks'>>;

export const MAX_ENDPOINTS_PER_ORG = 20;
export const MAX_URL_LENGTH = 2000;
export const MAX_DESCRIPTION_LENGTH = 500;

/**
 * An endpoint URL must pass the SSRF guard now (https, public addresses only; http and private ones only
 * with ALLOW_PRIVATE_NETWORK_TARGETS); the dispatcher checks it again on every attempt.
 */
export async function assertEndpointUrl(deps: Pick<AppDeps, 'config'>, raw: string): Promise<string> {
  const url = raw.trim();
  if (url === '' || url.length > MAX_URL_LENGTH) {
    throw new ApiError('validation_failed', `url must be 1 to ${MAX_URL_LENGTH} characters`, {
      field: 'url',
    });
  }
  const check = await checkOutboundUrl(url, {
    allowPrivate: deps.config.management.allowPrivateNetworkTargets,
  });
  if (!check.ok) {
    throw new ApiError('validation_failed', `url is not allowed: ${check.reason}`, {
      field: 'url',
      reason: check.reason,
    });
  }
  return url;
}

export function assertEventTypes(types: readonly string[]): WebhookEventType[] {
  const unknown = types.filter((t) => !isWebhookEventType(t));
  if (types.length === 0 || unknown.length > 0) {
    throw new ApiError('validation_failed', 'eventTypes must be a non-empty list of known event types', {
      field: 'eventTypes',
      ...(unknown.length > 0 ? { unknown } : {}),
    });
  }
  return [...new Set(types as readonly WebhookEventType[])];
}

export function assertDescription(description: string): string {
  const trimmed = description.trim();
  if (trimmed.length > MAX_DESCRIPTION_LENGTH) {
    throw new ApiError(
      'validation_failed',
      `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
      {
        field: 'description',
      },
    );
  }
  return trimmed;
}

/** One of the org's endpoints; another org's id or garbage is not_found. */
export async function loadEndpoint(db: DB, orgId: string, id: string): Promise<WebhookEndpointRow> {
  const endpoint = await getWebhookEndpoint(db, orgId, id);
  if (!endpoint) throw new ApiError('not_found', `No webhook endpoint ${id}`, { id });
  return endpoint;
}
