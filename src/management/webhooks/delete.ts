/** Deleting an endpoint with its messages and attempts: `DELETE /v1/org/webhooks/:id`, `webhook delete`. */
import { type Actor, auditBy } from '../../storage/repos/audit-log.js';
import { deleteWebhookEndpoint } from '../../storage/repos/webhooks.js';
import { loadEndpoint, type WebhookDeps } from './rules.js';

export async function deleteWebhookEndpointOfOrg(
  deps: WebhookDeps,
  actor: Actor,
  input: { orgId: string; id: string },
): Promise<void> {
  const now = deps.clock.now();
  await deps.storage.db.transaction().execute(async (trx) => {
    const endpoint = await loadEndpoint(trx, input.orgId, input.id);
    await deleteWebhookEndpoint(trx, input.orgId, input.id);
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'webhook.delete',
      targetType: 'webhook_endpoint',
      targetId: input.id,
      details: { url: endpoint.url },
      at: now,
    });
  });
  // Every node's subscription cache (the workers' outcome fan-out reads it) drops the org's entry.
  await deps.caches?.orgChanged(input.orgId);
}
