/**
 * Values the API's schemas enumerate and the browser needs for its filters and forms; the server's own lists
 * are the truth (test/browser/dashboard-assets.test.ts compares them).
 */
// The pixel's copy of the contract's event names: both bundles run in browsers and may not import the server's.
export { EVENT_NAMES } from '../../pixel/script/events.js';
export const OUTCOMES = ['pending', 'delivered', 'failed', 'skipped', 'dead'] as const;
export const SCOPES = [
  'events:read',
  'events:write',
  'stats:read',
  'reconciliation:read',
  'attribution:read',
] as const;
export const DEFAULT_SCOPES = ['events:read', 'events:write', 'stats:read'] as const;
export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
/** The outbound webhooks' event types with the sentence the API shows (src/webhooks/events.ts). */
export const WEBHOOK_EVENT_TYPES = {
  'event.delivered': 'An event reached a destination (its final outcome).',
  'event.failed': 'A destination finally refused an event, or its retries ran out (failed or dead).',
  'destination.needs_attention': 'A platform rejected a destination’s credentials; its queue is held.',
  'usage.quota_warning': 'The month’s requests crossed 80 % or 100 % of the plan’s quota.',
  'order.unmatched': 'A shop order has no matching delivered purchase event.',
  'reconciliation.coverage_dropped':
    'The share of orders matched by delivered events fell below the threshold.',
} as const;
/** Product feed formats (src/feeds/definition.ts) and what each is for. */
export const FEED_FORMATS = {
  google: 'Google Merchant Center (RSS 2.0 XML)',
  meta: 'Meta catalogue (CSV)',
  json: 'JSON (docs/feeds.md)',
} as const;
export const SHOP_PLATFORMS = ['woocommerce', 'shopify'] as const;
/** Order statuses a domain may count as paid, per shop platform (the server's KNOWN_STATUSES). */
export const KNOWN_ORDER_STATUSES = {
  woocommerce: ['pending', 'processing', 'on-hold', 'completed', 'refunded'],
  shopify: ['pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded'],
} as const;
