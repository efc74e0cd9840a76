/**
 * WooCommerce order webhooks (`order.created`, `order.updated`, `order.deleted`, `order.restored`): the
 * body is the REST order resource (reference/clients.md §2.3–2.4); for `order.deleted` only `{"id": N}`.
 */
import type { ContentItem } from '../destinations/types.js';
import {
  asArray,
  asObject,
  clickIdsFromLanding,
  idOf,
  type Json,
  money,
  type ShopOrder,
  type ShopRefund,
  storedIds,
  str,
  timeOf,
  userDataOf,
} from './shop-order.js';

/** Statuses that mean the shop has the money (the domain may choose others: orders/paid-statuses.ts). */
export const WOOCOMMERCE_PAID_STATUSES = ['processing', 'completed'] as const;

/** Statuses after which the order never becomes a Purchase. */
const CLOSED = new Set(['cancelled', 'failed', 'trash']);

function lineItems(order: Json): ContentItem[] {
  return asArray(order.line_items).flatMap((raw) => {
    const item = asObject(raw);
    // A variation is the product a feed lists (its own id), else the product itself.
    const id = idOf(item.variation_id) ?? idOf(item.product_id);
    if (id === undefined) return [];
    const quantity = typeof item.quantity === 'number' && item.quantity > 0 ? item.quantity : undefined;
    // `price` is the unit price after discounts, before tax; `total / quantity` where it is missing.
    const total = money(item.total);
    const price = money(item.price) ?? (total !== undefined && quantity ? total / quantity : undefined);
    const content: ContentItem = { id };
    if (quantity !== undefined) content.quantity = quantity;
    if (price !== undefined) content.price = Math.round(price * 100) / 100;
    const name = str(item.name);
    if (name !== undefined) content.name = name.slice(0, 500);
    return [content];
  });
}

/** `refunds[]` of the order resource: `{id, reason, total: "-5.00"}` (negative). */
function refunds(order: Json, fallbackAt: number): ShopRefund[] {
  return asArray(order.refunds).flatMap((raw) => {
    const refund = asObject(raw);
    const id = idOf(refund.id);
    const total = money(refund.total);
    if (id === undefined || total === undefined || total === 0) return [];
    return [{ id, amount: Math.abs(total), at: fallbackAt }];
  });
}

/** The landing page WooCommerce's order attribution recorded (WooCommerce 8.5+), if any. */
function landingUrl(meta: Array<{ name: unknown; value: unknown }>): string | undefined {
  const entry = meta.find((m) => m.name === '_wc_order_attribution_session_entry');
  return entry ? str(entry.value) : undefined;
}

/** The order resource of an `order.*` webhook; null when the body is not one (no id). */
export function readWooCommerceOrder(body: unknown): ShopOrder | null {
  const order = asObject(body);
  const orderId = idOf(order.id);
  if (orderId === undefined) return null;
  const status = str(order.status) ?? 'unknown';
  const orderedAt = timeOf(order.date_created_gmt) ?? timeOf(order.date_created) ?? Date.now();
  const modifiedAt = timeOf(order.date_modified_gmt) ?? timeOf(order.date_modified) ?? orderedAt;
  const billing = asObject(order.billing);
  const shippingAddress = asObject(order.shipping);
  const meta = asArray(order.meta_data).map((raw) => {
    const m = asObject(raw);
    return { name: m.key, value: m.value };
  });
  const ids = storedIds(meta);
  const landing = landingUrl(meta);
  const userData = {
    ...userDataOf({
      email: str(billing.email),
      phone: str(billing.phone) ?? str(shippingAddress.phone),
      firstName: str(billing.first_name) ?? str(shippingAddress.first_name),
      lastName: str(billing.last_name) ?? str(shippingAddress.last_name),
      city: str(billing.city) ?? str(shippingAddress.city),
      state: str(billing.state) ?? str(shippingAddress.state),
      zip: str(billing.postcode) ?? str(shippingAddress.postcode),
      country: str(billing.country) ?? str(shippingAddress.country),
      externalId: idOf(order.customer_id),
      ipAddress: str(order.customer_ip_address),
      userAgent: str(order.customer_user_agent),
    }),
    ...ids,
  };
  Object.assign(userData, clickIdsFromLanding(landing, orderedAt, userData));
  return {
    platform: 'woocommerce',
    orderId,
    orderNumber: str(order.number),
    status,
    cancelled: CLOSED.has(status),
    test: false,
    currency: str(order.currency)?.toUpperCase(),
    total: money(order.total),
    tax: money(order.total_tax),
    shipping: money(order.shipping_total),
    orderedAt,
    paidAt: timeOf(order.date_paid_gmt) ?? timeOf(order.date_paid),
    modifiedAt,
    userData,
    landingUrl: landing,
    contents: lineItems(order),
    refunds: refunds(order, modifiedAt),
  };
}
