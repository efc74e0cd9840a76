/**
 * When an order counts as paid, and so becomes a Purchase: a status the domain lists for its platform
 * (defaults: WooCommerce `processing`/`completed`, Shopify `paid` and the refunded states, which were paid
 * first). Never a cancelled, failed or test order.
 */
import type { ShopOrder, ShopPlatform } from './shop-order.js';
import { SHOPIFY_PAID_STATUSES } from './shopify.js';
import { WOOCOMMERCE_PAID_STATUSES } from './woocommerce.js';

export type PaidStatuses = Readonly<Record<ShopPlatform, readonly string[]>>;

export const DEFAULT_PAID_STATUSES: PaidStatuses = {
  woocommerce: WOOCOMMERCE_PAID_STATUSES,
  shopify: SHOPIFY_PAID_STATUSES,
};

/** Statuses a shop may list (anything else is a typo that would silently stop every Purchase). */
export const KNOWN_STATUSES: PaidStatuses = {
  woocommerce: ['pending', 'processing', 'on-hold', 'completed', 'refunded'],
  shopify: ['pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded'],
};

/** The domain's column (JSON, per platform) over the defaults; a platform it does not name keeps them. */
export function paidStatusesOf(column: string | null): PaidStatuses {
  if (!column) return DEFAULT_PAID_STATUSES;
  try {
    const parsed = JSON.parse(column) as Partial<Record<ShopPlatform, string[]>>;
    return {
      woocommerce: parsed.woocommerce ?? DEFAULT_PAID_STATUSES.woocommerce,
      shopify: parsed.shopify ?? DEFAULT_PAID_STATUSES.shopify,
    };
  } catch {
    return DEFAULT_PAID_STATUSES;
  }
}

/**
 * Whether the order is paid. A WooCommerce order first seen as `refunded` with a payment date was paid
 * before it was refunded: it is a Purchase (and a refund).
 */
export function isPaid(order: ShopOrder, statuses: PaidStatuses): boolean {
  if (order.test) return false;
  if (statuses[order.platform].includes(order.status)) return !order.cancelled || order.refunds.length > 0;
  return order.platform === 'woocommerce' && order.status === 'refunded' && order.paidAt !== undefined;
}
