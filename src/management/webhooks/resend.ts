/**
 * Sending a message again: `POST /v1/org/webhooks/:id/messages/:messageId/resend`, `webhook resend`. The
 * message (same id, same body) is due now; if that attempt fails it follows what is left of the schedule.
 */
import { ApiError } from '../../errors.js';
import { type Actor, auditBy } from '../../storage/repos/audit-log.js';
import {
  getWebhookMessage,
  resendWebhookMessage,
  type WebhookMessageRow,
} from '../../storage/repos/webhooks.js';
import { loadEndpoint, type WebhookDeps } from './rules.js';

export async function resendWebhookMessageOfOrg(
  deps: WebhookDeps,
  actor: Actor,
  input: { orgId: string; id: string; messageId: string },
): Promise<WebhookMessageRow> {
  const now = deps.clock.now();
  const message = await deps.storage.db.transaction().execute(async (trx) => {
    const endpoint = await loadEndpoint(trx, input.orgId, input.id);
    const found = await getWebhookMessage(trx, input.orgId, input.messageId);
    if (found?.endpoint_id !== endpoint.id) {
      throw new ApiError('not_found', `No message ${input.messageId} for this endpoint`, {
        id: input.messageId,
      });
    }
    if (endpoint.enabled !== 1) {
      throw new ApiError('validation_failed', 'The endpoint is disabled: enable it first', {
        field: 'enabled',
      });
    }
    await resendWebhookMessage(trx, input.orgId, input.messageId, now);
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'webhook.resend',
      targetType: 'webhook_message',
      targetId: input.messageId,
      details: { endpointId: endpoint.id, eventType: found.event_type },
      at: now,
    });
    return (await getWebhookMessage(trx, input.orgId, input.messageId)) ?? found;
  });
  deps.wakeWebhooks?.();
  return message;
}
