/**
 * "Send test": `POST /v1/org/webhooks/:id/test` queues a `webhook.ping` for this endpoint (subscribed to it
 * or not). It is an ordinary message: the dispatcher signs, sends and records it like any other.
 */
import { ApiError } from '../../errors.js';
import { type Actor, auditBy } from '../../storage/repos/audit-log.js';
import {
  enqueueWebhookEvent,
  getWebhookMessage,
  type WebhookMessageRow,
} from '../../storage/repos/webhooks.js';
import { MAX_PENDING_PER_ENDPOINT } from '../../webhooks/emit.js';
import { type PingData, webhookBody } from '../../webhooks/events.js';
import { loadEndpoint, type WebhookDeps } from './rules.js';

export async function sendWebhookTest(
  deps: WebhookDeps,
  actor: Actor,
  input: { orgId: string; id: string },
): Promise<WebhookMessageRow> {
  const now = deps.clock.now();
  const message = await deps.storage.db.transaction().execute(async (trx) => {
    const endpoint = await loadEndpoint(trx, input.orgId, input.id);
    if (endpoint.enabled !== 1) {
      throw new ApiError('validation_failed', 'The endpoint is disabled: enable it first', {
        field: 'enabled',
      });
    }
    const data: PingData = { endpointId: endpoint.id };
    const { messageIds } = await enqueueWebhookEvent(trx, {
      orgId: input.orgId,
      type: 'webhook.ping',
      payload: webhookBody('webhook.ping', data, now),
      now,
      endpointIds: [endpoint.id],
      maxPendingPerEndpoint: MAX_PENDING_PER_ENDPOINT,
    });
    const [id] = messageIds;
    if (id === undefined) {
      throw new ApiError(
        'validation_failed',
        `The endpoint already holds ${MAX_PENDING_PER_ENDPOINT} pending messages`,
      );
    }
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'webhook.test',
      targetType: 'webhook_endpoint',
      targetId: endpoint.id,
      details: { messageId: id },
      at: now,
    });
    return getWebhookMessage(trx, input.orgId, id);
  });
  if (!message) throw new ApiError('internal_error', 'The test message was not stored');
  deps.wakeWebhooks?.();
  return message;
}
