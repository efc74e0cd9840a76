/**
 * Creating a webhook endpoint: `POST /v1/org/webhooks` and `tagbridge webhook create`. The signing secret
 * (`whsec_…`) is returned this once; it is stored sealed, because every attempt is signed with it.
 */
import { ApiError } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { type Actor, auditBy } from '../../storage/repos/audit-log.js';
import { getOrg } from '../../storage/repos/orgs.js';
import {
  countWebhookEndpoints,
  insertWebhookEndpoint,
  type WebhookEndpointRow,
} from '../../storage/repos/webhooks.js';
import { generateWebhookSecret } from '../../webhooks/signing.js';
import {
  assertDescription,
  assertEndpointUrl,
  assertEventTypes,
  MAX_ENDPOINTS_PER_ORG,
  type WebhookDeps,
} from './rules.js';

export interface CreateWebhookInput {
  orgId: string;
  url: string;
  eventTypes: readonly string[];
  description?: string | undefined;
  /** Default true. */
  enabled?: boolean | undefined;
}

export async function createWebhookEndpoint(
  deps: WebhookDeps,
  actor: Actor,
  input: CreateWebhookInput,
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  const eventTypes = assertEventTypes(input.eventTypes);
  const description = assertDescription(input.description ?? '');
  const url = await assertEndpointUrl(deps, input.url);
  const now = deps.clock.now();
  const id = newId('whe', now);
  const secret = generateWebhookSecret();
  const endpoint: WebhookEndpointRow = {
    id,
    org_id: input.orgId,
    url,
    description,
    event_types: eventTypes.join(','),
    enabled: input.enabled === false ? 0 : 1,
    disabled_reason: null,
    secret_sealed: deps.sealer.seal(secret, id),
    previous_secret_sealed: null,
    previous_secret_expires_at: null,
    failing_since: null,
    created_at: now,
    updated_at: now,
  };
  await deps.storage.db.transaction().execute(async (trx) => {
    if (!(await getOrg(trx, input.orgId))) {
      throw new ApiError('not_found', `No org ${input.orgId}`, { id: input.orgId });
    }
    if ((await countWebhookEndpoints(trx, input.orgId)) >= MAX_ENDPOINTS_PER_ORG) {
      throw new ApiError(
        'validation_failed',
        `An org has at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints`,
        {
          limit: MAX_ENDPOINTS_PER_ORG,
        },
      );
    }
    await insertWebhookEndpoint(trx, endpoint);
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'webhook.create',
      targetType: 'webhook_endpoint',
      targetId: id,
      details: { url, eventTypes, enabled: endpoint.enabled === 1 },
      at: now,
    });
  });
  // Every node's subscription cache (the workers' outcome fan-out reads it) drops the org's entry.
  await deps.caches?.orgChanged(input.orgId);
  return { endpoint, secret };
}
