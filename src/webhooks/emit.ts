/**
 * Emitting webhook events: the one way anything in Tagbridge announces an event to the org's endpoints.
 * Pass the transaction of the change that causes the event as `db`, so the message commits (or not)
 * with it. Every enabled endpoint of the org subscribed to the type gets a message; with none, it costs one
 * indexed SELECT and writes nothing.
 */
import type { DB } from '../storage/db.js';
import { type EnqueueResult, enqueueWebhookEvent } from '../storage/repos/webhooks.js';
import { type WebhookEventData, type WebhookEventType, webhookBody } from './events.js';

/**
 * Pending messages one endpoint may hold. An endpoint at the cap (down for a day on a busy shop) gets no new
 * messages until it drains: the oldest stay queued in order and the refusal is logged and counted
 * (`tagbridge_webhook_refused_total`).
 */
export const MAX_PENDING_PER_ENDPOINT = 10_000;

export interface EmitOptions {
  /** Only these endpoints (they must be the org's); default: every enabled one subscribed to the type. */
  endpointIds?: readonly string[];
}

/**
 * Queues `type` with `data` for the org's subscribed endpoints; returns the message ids and the endpoints
 * that were at their pending cap. Others call this, e.g. for `order.unmatched`:
 *
 *     await db.transaction().execute((trx) =>
 *       emitWebhookEvent(trx, { orgId, type: 'order.unmatched', data, now }));
 */
export async function emitWebhookEvent<T extends WebhookEventType>(
  db: DB,
  event: { orgId: string; type: T; data: WebhookEventData[T]; now: number },
  options: EmitOptions = {},
): Promise<EnqueueResult> {
  return enqueueWebhookEvent(db, {
    orgId: event.orgId,
    type: event.type,
    payload: webhookBody(event.type, event.data, event.now),
    now: event.now,
    maxPendingPerEndpoint: MAX_PENDING_PER_ENDPOINT,
    ...(options.endpointIds ? { endpointIds: options.endpointIds } : {}),
  });
}
