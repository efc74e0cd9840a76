/**
 * An endpoint's messages (newest first, by status) and its attempts (all, or one message's):
 * `GET /v1/org/webhooks/:id/messages`, `GET /v1/org/webhooks/:id/attempts`, `webhook attempts`.
 */
import { ApiError } from '../../errors.js';
import {
  getWebhookMessage,
  listWebhookAttempts,
  listWebhookMessages,
  type WebhookAttemptRow,
  type WebhookMessageRow,
} from '../../storage/repos/webhooks.js';
import { loadEndpoint, type WebhookDeps } from './rules.js';

export const MESSAGE_STATUSES = ['pending', 'delivered', 'failed'] as const;
export const MAX_PAGE = 100;

function pageSize(limit: number | undefined): number {
  const n = limit ?? 50;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new ApiError('validation_failed', `limit must be 1 to ${MAX_PAGE}`, { field: 'limit' });
  }
  return n;
}

export async function listEndpointMessages(
  deps: Pick<WebhookDeps, 'storage'>,
  input: {
    orgId: string;
    id: string;
    status?: string | undefined;
    limit?: number | undefined;
    before?: string | undefined;
  },
): Promise<WebhookMessageRow[]> {
  const limit = pageSize(input.limit);
  if (input.status !== undefined && !(MESSAGE_STATUSES as readonly string[]).includes(input.status)) {
    throw new ApiError('validation_failed', `status must be one of ${MESSAGE_STATUSES.join(', ')}`, {
      field: 'status',
    });
  }
  const { db } = deps.storage;
  await loadEndpoint(db, input.orgId, input.id);
  return listWebhookMessages(db, input.orgId, input.id, {
    status: input.status,
    limit,
    before: input.before,
  });
}

export async function listEndpointAttempts(
  deps: Pick<WebhookDeps, 'storage'>,
  input: { orgId: string; id: string; messageId?: string | undefined; limit?: number | undefined },
): Promise<WebhookAttemptRow[]> {
  const limit = pageSize(input.limit);
  const { db } = deps.storage;
  await loadEndpoint(db, input.orgId, input.id);
  if (input.messageId !== undefined) {
    const message = await getWebhookMessage(db, input.orgId, input.messageId);
    if (message?.endpoint_id !== input.id) {
      throw new ApiError('not_found', `No message ${input.messageId} for this endpoint`, {
        id: input.messageId,
      });
    }
  }
  return listWebhookAttempts(db, input.id, { messageId: input.messageId, limit });
}
