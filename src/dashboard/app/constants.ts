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
export const SHOP_PLATFORMS = ['woocommerce', 'shopify'] as const;
/** Order statuses a domain may count as paid, per shop platform (the server's KNOWN_STATUSES). */
export const KNOWN_ORDER_STATUSES = {
  woocommerce: ['pending', 'processing', 'on-hold', 'completed', 'refunded'],
  shopify: ['pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded'],
} as const;
