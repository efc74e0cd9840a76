/**
 * The webhook events the delivery side causes: a delivery's final outcome (`event.delivered`,
 * `event.failed`) and a destination whose credentials a platform rejected (`destination.needs_attention`).
 */
import type { DB, Dialect } from '../storage/db.js';
import {
  type DeliveryOutcome,
  type ExpiredDelivery,
  outcomeWebhookContext,
} from '../storage/repos/deliveries.js';
import { markCredentialsRejected } from '../storage/repos/destinations.js';
import { enqueueWebhookEvents, type WebhookFanout } from '../storage/repos/webhooks.js';
import type { DestinationRow } from '../storage/schema.js';
import { emitWebhookEvent, MAX_PENDING_PER_ENDPOINT } from './emit.js';
import { type EventOutcomeData, webhookBody } from './events.js';
import type { WebhookSubscriptions } from './subscriptions.js';

/** Which endpoints want the org's outcomes; null when none does (then nothing else is done). */
export async function outcomeSubscribers(
  subscriptions: WebhookSubscriptions,
  orgId: string,
): Promise<{ delivered: string[]; failed: string[] } | null> {
  const delivered = await subscriptions.endpointsFor(orgId, 'event.delivered');
  const failed = await subscriptions.endpointsFor(orgId, 'event.failed');
  return delivered.length === 0 && failed.length === 0 ? null : { delivered, failed };
}

export interface OutcomeEventInfo {
  eventId: string;
  eventName: string;
}

/**
 * The messages for a batch's final outcomes (delivered; failed and dead), written by `recordOutcomes` in its
 * own transaction. Pending and skipped outcomes announce nothing.
 */
export function outcomeFanout(input: {
  subscribers: { delivered: string[]; failed: string[] };
  destination: Pick<DestinationRow, 'id' | 'org_id' | 'domain_id' | 'type'>;
  events: ReadonlyMap<string, OutcomeEventInfo>;
  outcomes: readonly DeliveryOutcome[];
  now: number;
}): WebhookFanout[] {
  const { subscribers, destination, events, outcomes, now } = input;
  const delivered: string[] = [];
  const failed: string[] = [];
  for (const o of outcomes) {
    if (o.status !== 'delivered' && o.status !== 'failed' && o.status !== 'dead') continue;
    const target = o.status === 'delivered' ? subscribers.delivered : subscribers.failed;
    if (target.length === 0) continue;
    const event = events.get(o.delivery.event_pk);
    const data: EventOutcomeData = {
      eventId: event?.eventId ?? o.delivery.event_pk,
      eventName: event?.eventName ?? 'unknown',
      domain: { id: destination.domain_id },
      destination: { id: destination.id, type: destination.type },
      status: o.status,
      message: o.status === 'delivered' ? null : o.message,
      attempts: o.delivery.attempts + (o.attempted ? 1 : 0),
    };
    const type = o.status === 'delivered' ? 'event.delivered' : 'event.failed';
    (o.status === 'delivered' ? delivered : failed).push(webhookBody(type, data, now));
  }
  const fanout: WebhookFanout[] = [];
  const base = { orgId: destination.org_id, maxPendingPerEndpoint: MAX_PENDING_PER_ENDPOINT };
  if (delivered.length > 0)
    fanout.push({
      ...base,
      type: 'event.delivered',
      endpointIds: subscribers.delivered,
      payloads: delivered,
    });
  if (failed.length > 0)
    fanout.push({ ...base, type: 'event.failed', endpointIds: subscribers.failed, payloads: failed });
  return fanout;
}

/**
 * Holds a destination whose credentials were rejected (`markCredentialsRejected`) and, when that changed
 * it, queues `destination.needs_attention` in the same transaction.
 */
export async function markCredentialsRejectedAndNotify(
  db: DB,
  destination: Pick<DestinationRow, 'id' | 'org_id' | 'domain_id' | 'type' | 'config_version'>,
  message: string,
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const marked = await markCredentialsRejected(trx, destination, message, now);
    if (marked) {
      await emitWebhookEvent(trx, {
        orgId: destination.org_id,
        type: 'destination.needs_attention',
        data: {
          domain: { id: destination.domain_id },
          destination: { id: destination.id, type: destination.type },
          reason: message,
        },
        now,
      });
    }
    return marked;
  });
}

/**
 * `event.failed` for deliveries the worker's maintenance declared dead (their retry horizon passed while they
 * waited: a held queue, an open circuit), in the transaction that declared them. Only orgs whose endpoints
 * subscribe cost anything beyond the cache lookups.
 */
export async function announceExpired(
  trx: DB,
  dialect: Dialect,
  subscriptions: WebhookSubscriptions,
  expired: readonly ExpiredDelivery[],
  now: number,
): Promise<void> {
  const wanted: ExpiredDelivery[] = [];
  const subscribers = new Map<string, string[]>();
  for (const row of expired) {
    if (!subscribers.has(row.org_id))
      subscribers.set(row.org_id, await subscriptions.endpointsFor(row.org_id, 'event.failed', trx));
    if ((subscribers.get(row.org_id) ?? []).length > 0) wanted.push(row);
  }
  if (wanted.length === 0) return;
  const context = await outcomeWebhookContext(trx, dialect, {
    eventPks: [...new Set(wanted.map((r) => r.event_pk))],
    destinationIds: [...new Set(wanted.map((r) => r.destination_id))],
  });
  const byDestination = new Map<string, ExpiredDelivery[]>();
  for (const row of wanted)
    byDestination.set(row.destination_id, [...(byDestination.get(row.destination_id) ?? []), row]);
  for (const [destinationId, rows] of byDestination) {
    const destination = context.destinations.get(destinationId);
    if (!destination) continue;
    const fanout = outcomeFanout({
      subscribers: { delivered: [], failed: subscribers.get(destination.org_id) ?? [] },
      destination,
      events: context.events,
      outcomes: rows.map((row) => ({
        delivery: { id: row.id, event_pk: row.event_pk, attempts: row.attempts },
        status: 'dead',
        attempted: false,
        statusCode: null,
        outcome: 'dead',
        message: 'retry horizon reached before delivery',
      })),
      now,
    });
    for (const f of fanout) await enqueueWebhookEvents(trx, { ...f, now });
  }
}
