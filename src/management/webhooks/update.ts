/**
 * Changing an endpoint: `PATCH /v1/org/webhooks/:id` (url, eventTypes, description, enabled). Disabling
 * fails its pending messages (each can be resent); enabling clears why Tagbridge had disabled it.
 */
import { ApiError } from '../../errors.js';
import { type Actor, auditBy } from '../../storage/repos/audit-log.js';
import {
  disableWebhookEndpoint,
  getWebhookEndpoint,
  updateWebhookEndpoint,
  type WebhookEndpointPatch,
  type WebhookEndpointRow,
} from '../../storage/repos/webhooks.js';
import {
  assertDescription,
  assertEndpointUrl,
  assertEventTypes,
  loadEndpoint,
  type WebhookDeps,
} from './rules.js';

export interface UpdateWebhookInput {
  orgId: string;
  id: string;
  url?: string | undefined;
  eventTypes?: readonly string[] | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
}

export async function updateWebhookEndpointOfOrg(
  deps: WebhookDeps,
  actor: Actor,
  input: UpdateWebhookInput,
): Promise<WebhookEndpointRow> {
  const { db } = deps.storage;
  await loadEndpoint(db, input.orgId, input.id);
  const patch: WebhookEndpointPatch = {};
  if (input.eventTypes !== undefined) patch.event_types = assertEventTypes(input.eventTypes).join(',');
  if (input.description !== undefined) patch.description = assertDescription(input.description);
  if (input.url !== undefined) patch.url = await assertEndpointUrl(deps, input.url);
  if (Object.keys(patch).length === 0 && input.enabled === undefined) {
    throw new ApiError(
      'validation_failed',
      'Nothing to change: give url, eventTypes, description or enabled',
    );
  }
  const now = deps.clock.now();
  const updated = await db.transaction().execute(async (trx) => {
    const before = await loadEndpoint(trx, input.orgId, input.id);
    if (input.enabled === false && before.enabled === 1)
      await disableWebhookEndpoint(trx, before.id, null, now);
    if (input.enabled === true && before.enabled === 0) {
      // A fresh start: the 5-day failure clock begins again with the next failure.
      Object.assign(patch, { enabled: 1, disabled_reason: null, failing_since: null });
    }
    await updateWebhookEndpoint(trx, input.orgId, input.id, patch, now);
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'webhook.update',
      targetType: 'webhook_endpoint',
      targetId: input.id,
      details: {
        ...(input.url !== undefined ? { url: patch.url } : {}),
        ...(input.eventTypes !== undefined ? { eventTypes: patch.event_types?.split(',') } : {}),
        ...(input.description !== undefined ? { description: patch.description } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      },
      at: now,
    });
    return getWebhookEndpoint(trx, input.orgId, input.id);
  });
  // Every node's subscription cache (the workers' outcome fan-out reads it) drops the org's entry.
  await deps.caches?.orgChanged(input.orgId);
  if (!updated) throw new ApiError('not_found', `No webhook endpoint ${input.id}`, { id: input.id });
  return updated;
}
