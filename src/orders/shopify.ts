/**
 * Shopify order webhooks (`orders/create`, `orders/paid`, `orders/updated`, `orders/cancelled`) and
 * `refunds/create` (reference/clients.md §3.2–3.3). Bodies are read losslessly (ids above 2^53 stay text:
 * orders/webhook-body.ts), so every id here may be a number or a string.
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

/** `financial_status` values that mean the shop has the money (refunded ones were paid first). */
export const SHOPIFY_PAID_STATUSES = ['paid', 'partially_refunded', 'refunded'] as const;

function lineItems(order: Json): ContentItem[] {
  return asArray(order.line_items).flatMap((raw) => {
    const item = asObject(raw);
    // The variant is what a Shopify catalogue lists; a custom line item has neither.
    const id = idOf(item.variant_id) ?? idOf(item.product_id);
    if (id === undefined) return [];
    const content: ContentItem = { id };
    if (typeof item.quantity === 'number' && item.quantity > 0) content.quantity = item.quantity;
    const price = money(item.price);
    if (price !== undefined) content.price = price;
    const name = str(item.name) ?? str(item.title);
    if (name !== undefined) content.name = name.slice(0, 500);
    const brand = str(item.vendor);
    if (brand !== undefined) content.brand = brand.slice(0, 200);
    return [content];
  });
}

/**
 * What a refund gave back: its successful refund transactions (what the buyer received), else its line
 * items' subtotals plus tax (a refund recorded without a payment transaction).
 */
export function refundAmount(refund: Json): number {
  let paid = 0;
  for (const raw of asArray(refund.transactions)) {
    const t = asObject(raw);
    if (t.kind === 'refund' && (t.status === 'success' || t.status === undefined))
      paid += money(t.amount) ?? 0;
  }
  if (paid > 0) return Math.round(paid * 100) / 100;
  let items = 0;
  for (const raw of asArray(refund.refund_line_items)) {
    const line = asObject(raw);
    items += (money(line.subtotal) ?? 0) + (money(line.total_tax) ?? 0);
  }
  return Math.round(items * 100) / 100;
}

/** One refund object (a `refunds/create` body, or an element of an order's `refunds`). */
export function readShopifyRefund(body: unknown, fallbackAt: number): ShopRefund | null {
  const refund = asObject(body);
  const id = idOf(refund.id);
  const amount = refundAmount(refund);
  if (id === undefined || amount <= 0) return null;
  return { id, amount, at: timeOf(refund.processed_at) ?? timeOf(refund.created_at) ?? fallbackAt };
}

/**
 * Absolute landing URL: `landing_site` is usually a path with its query, relative to the shop. The order
 * does not carry the shop's host: without one, no URL (a made-up host would be sent as the page URL, in
 * place of the domain's shop URL); its click ids are read from the path all the same.
 */
function landingUrl(site: string | undefined, order: Json): string | undefined {
  if (site === undefined) return undefined;
  if (/^https?:\/\//i.test(site)) return site;
  const shop = str(order.source_url);
  if (shop === undefined) return undefined;
  try {
    return new URL(site, shop).toString();
  } catch {
    return undefined;
  }
}

/** An order webhook's body (the bare order resource; a REST `{"order": …}` wrapper is taken too). */
export function readShopifyOrder(body: unknown): ShopOrder | null {
  const outer = asObject(body);
  const order = outer.order !== undefined && outer.id === undefined ? asObject(outer.order) : outer;
  const orderId = idOf(order.id);
  if (orderId === undefined) return null;
  const orderedAt = timeOf(order.created_at) ?? Date.now();
  const modifiedAt = timeOf(order.updated_at) ?? orderedAt;
  const billing = asObject(order.billing_address);
  const shipping = asObject(order.shipping_address);
  const customer = asObject(order.customer);
  const client = asObject(order.client_details);
  const ids = storedIds(
    asArray(order.note_attributes).map((raw) => {
      const a = asObject(raw);
      return { name: a.name, value: a.value };
    }),
  );
  const landingSite = str(order.landing_site);
  const landing = landingUrl(landingSite, order);
  const userData = {
    ...userDataOf({
      email: str(order.email) ?? str(order.contact_email) ?? str(customer.email),
      phone: str(order.phone) ?? str(billing.phone) ?? str(customer.phone) ?? str(shipping.phone),
      firstName: str(billing.first_name) ?? str(customer.first_name) ?? str(shipping.first_name),
      lastName: str(billing.last_name) ?? str(customer.last_name) ?? str(shipping.last_name),
      city: str(billing.city) ?? str(shipping.city),
      state: str(billing.province_code) ?? str(billing.province) ?? str(shipping.province_code),
      zip: str(billing.zip) ?? str(shipping.zip),
      country: str(billing.country_code) ?? str(billing.country) ?? str(shipping.country_code),
      externalId: idOf(customer.id),
      ipAddress: str(order.browser_ip) ?? str(client.browser_ip),
      userAgent: str(client.user_agent),
    }),
    ...ids,
  };
  Object.assign(userData, clickIdsFromLanding(landing ?? landingSite, orderedAt, userData));
  const shippingSet = asObject(asObject(order.total_shipping_price_set).shop_money);
  let shippingTotal = money(shippingSet.amount);
  if (shippingTotal === undefined) {
    const lines = asArray(order.shipping_lines).map((raw) => money(asObject(raw).price));
    if (lines.some((v) => v !== undefined)) shippingTotal = lines.reduce<number>((a, v) => a + (v ?? 0), 0);
  }
  return {
    platform: 'shopify',
    orderId,
    orderNumber: str(order.name) ?? str(order.order_number),
    status: str(order.financial_status) ?? 'pending',
    cancelled: str(order.cancelled_at) !== undefined,
    test: order.test === true,
    currency: str(order.currency)?.toUpperCase(),
    total: money(order.total_price),
    tax: money(order.total_tax),
    shipping: shippingTotal,
    orderedAt,
    // Shopify has no paid time on the order; `processed_at` is when it was processed (usually paid).
    paidAt: timeOf(order.processed_at),
    modifiedAt,
    userData,
    landingUrl: landing,
    contents: lineItems(order),
    refunds: asArray(order.refunds).flatMap((raw) => {
      const refund = readShopifyRefund(raw, modifiedAt);
      return refund ? [refund] : [];
    }),
  };
}

/** The order a `refunds/create` body belongs to. */
export function shopifyRefundOrderId(body: unknown): string | undefined {
  return idOf(asObject(body).order_id);
}
