/**
 * Values the API's schemas enumerate and the browser needs for its filters and forms; the server's own lists
 * are the truth (test/browser/dashboard-assets.test.ts compares them).
 */
export const EVENT_NAMES = [
  'PageVisit',
  'ViewContent',
  'Search',
  'AddToCart',
  'AddToWishlist',
  'Purchase',
  'Lead',
  'SignUp',
  'Custom',
] as const;
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
