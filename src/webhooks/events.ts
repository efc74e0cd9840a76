/**
 * The event types an endpoint can subscribe to, and the `data` each one carries. A message's body is
 * Standard Webhooks' recommended shape: `{"type": "...", "timestamp": ISO 8601, "data": {...}}`. No event
 * carries personal data: ids, names, counts and the platforms' messages only. docs/webhooks.md documents the
 * same list (a test keeps them equal).
 */

/** A final delivery outcome of one event to one destination (`event.delivered`, `event.failed`). */
export interface EventOutcomeData {
  /** The event's id as the shop sent it (the deduplication id). */
  eventId: string;
  /** `Purchase`, `AddToCart`… or the custom event's name. */
  eventName: string;
  domain: { id: string };
  destination: { id: string; type: string };
  /** delivered | failed | dead (dead: the retry horizon passed before the platform took it). */
  status: 'delivered' | 'failed' | 'dead';
  /** The platform's message (null on success). */
  message: string | null;
  /** Attempts made, this one included. */
  attempts: number;
}

/** A destination's queue is held until someone fixes its credentials. */
export interface DestinationNeedsAttentionData {
  domain: { id: string };
  destination: { id: string; type: string };
  /** The platform's message. */
  reason: string;
}

/** The org's requests this month crossed 80 % or 100 % of its plan's monthly quota (once each per month). */
export interface QuotaWarningData {
  /** 80 or 100. */
  thresholdPercent: number;
  plan: string;
  limit: number;
  used: number;
  /** The month, `YYYY-MM` (UTC). */
  period: string;
}

/**
 * An order the shop reported that no tracked purchase event matches (orders reconciliation). Emitted by the
 * orders work through `emitWebhookEvent`; ids only.
 */
export interface OrderUnmatchedData {
  domain: { id: string };
  /** The shop's order id. */
  orderId: string;
  /** When the order was placed, ISO 8601. */
  orderedAt: string;
  /** Order value and currency as the shop reported them (null when unknown). */
  value: number | null;
  currency: string | null;
  /** Why it is unmatched: no purchase event at all, or one that a destination did not accept. */
  reason: 'no_event' | 'not_delivered';
  /** The enabled destinations that do not have it: their outcome and the platform's message or reason. */
  missing?: Array<{ destination: string; outcome: string; message: string | null }>;
}

/** The share of orders matched by delivered purchase events fell below the threshold over a window. */
export interface CoverageDroppedData {
  domain: { id: string };
  /** The window compared, ISO 8601 start and end. */
  window: { from: string; to: string };
  /** Coverage in the window and the previous one, 0 to 1. */
  coverage: number;
  previousCoverage: number | null;
  /** The threshold that was crossed, 0 to 1. */
  threshold: number;
  /** Orders in the window and those matched. */
  orders: number;
  matched: number;
  /** Per destination type when known, e.g. `{ "meta": 0.71 }`. */
  byDestination?: Record<string, number>;
}

/** `webhook.ping`: sent by "send test"; any endpoint gets it, subscribed or not. */
export interface PingData {
  endpointId: string;
}

export interface WebhookEventData {
  'event.delivered': EventOutcomeData;
  'event.failed': EventOutcomeData;
  'destination.needs_attention': DestinationNeedsAttentionData;
  'usage.quota_warning': QuotaWarningData;
  'order.unmatched': OrderUnmatchedData;
  'reconciliation.coverage_dropped': CoverageDroppedData;
}

export type WebhookEventType = keyof WebhookEventData;

/** What an endpoint may subscribe to, with the sentence the docs and the API schema show. */
export const WEBHOOK_EVENT_TYPES: Readonly<Record<WebhookEventType, string>> = {
  'event.delivered': 'An event reached a destination (its final outcome).',
  'event.failed': 'A destination finally refused an event, or its retries ran out (failed or dead).',
  'destination.needs_attention': 'A platform rejected a destination’s credentials; its queue is held.',
  'usage.quota_warning': 'The month’s requests crossed 80 % or 100 % of the plan’s quota.',
  'order.unmatched': 'A shop order has no matching delivered purchase event.',
  'reconciliation.coverage_dropped':
    'The share of orders matched by delivered events fell below the threshold.',
};

export const WEBHOOK_EVENT_TYPE_NAMES = Object.keys(WEBHOOK_EVENT_TYPES) as WebhookEventType[];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_TYPES, value);
}

/** The body of a message: serialized once, stored, and sent byte for byte on every attempt. */
export function webhookBody(type: string, data: unknown, now: number): string {
  return JSON.stringify({ type, timestamp: new Date(now).toISOString(), data });
}
