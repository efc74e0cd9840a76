/**
 * The events an order becomes: one `Purchase` with the id the browser pixel and the shop plugin use
 * (`purchase_<orderId>`, so the platforms deduplicate browser and server), and one refund event per refund
 * (`Custom` "Refund": GA4 sends it as its `refund` event, the others as their custom event) with the
 * refunded value.
 */

import type { InboundEvent } from '../ingest/schema.js';
import type { ShopOrder, ShopRefund } from './shop-order.js';

/** The Purchase event id of an order: what the pixel and the plugin send for it (ingest/prepare.ts). */
export function purchaseEventId(orderId: string): string {
  return `purchase_${orderId}`;
}

export function refundEventId(orderId: string, refundId: string): string {
  return `refund_${orderId}_${refundId}`;
}

/** The custom event name of refunds (the same the plugin's sync uses). */
export const REFUND_EVENT_NAME = 'Refund';

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * The order's Purchase, dated when it was paid (where the shop recorded it, else when it was placed): a
 * bank transfer paid days later is a conversion then, and is still inside the platforms' time windows.
 * Never in the future (a shop clock ahead of ours).
 */
export function purchaseEvent(order: ShopOrder, now: number): InboundEvent {
  const at = Math.min(order.paidAt ?? order.orderedAt, now);
  const customData: Record<string, unknown> = { orderId: order.orderId, contents: order.contents };
  if (order.total !== undefined) customData.value = order.total;
  if (order.currency !== undefined) customData.currency = order.currency;
  if (order.contents.length > 0) {
    customData.numItems = order.contents.reduce((n, item) => n + (item.quantity ?? 1), 0);
  }
  if (order.tax !== undefined) customData.tax = order.tax;
  if (order.shipping !== undefined) customData.shipping = order.shipping;
  return {
    eventName: 'Purchase',
    eventTime: seconds(at),
    eventId: purchaseEventId(order.orderId),
    ...(order.landingUrl ? { eventSourceUrl: order.landingUrl.slice(0, 2048) } : {}),
    userData: order.userData as InboundEvent['userData'],
    customData: customData as InboundEvent['customData'],
  };
}

/** One refund: the refunded value, the order it belongs to, the buyer's data (the platforms match on it). */
export function refundEvent(order: ShopOrder, refund: ShopRefund, now: number): InboundEvent {
  const customData: Record<string, unknown> = { orderId: order.orderId, value: refund.amount };
  if (order.currency !== undefined) customData.currency = order.currency;
  return {
    eventName: 'Custom',
    customEventName: REFUND_EVENT_NAME,
    eventTime: seconds(Math.min(refund.at, now)),
    eventId: refundEventId(order.orderId, refund.id),
    userData: order.userData as InboundEvent['userData'],
    customData: customData as InboundEvent['customData'],
  };
}
