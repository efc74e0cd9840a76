/**
 * The organisation-level pages beside the domains (webhooks, stores, feeds): their nav entries and routes,
 * kept here so main.tsx only spreads and calls them. The privacy requests are a tab of the Organisation page.
 */
import type { JSX } from 'preact';
import type { Role } from './api.js';
import { FeedsPage } from './pages/feeds.js';
import { StorePage, StoresPage } from './pages/stores.js';
import { WebhookPage, WebhooksPage } from './pages/webhooks.js';

export const ORG_AREA_NAV: Array<{ href: string; label: string; min: Role; match: (p: string) => boolean }> =
  [
    { href: '/app/stores', label: 'Stores', min: 'viewer', match: (p) => p.startsWith('/app/stores') },
    { href: '/app/feeds', label: 'Feeds', min: 'viewer', match: (p) => p.startsWith('/app/feeds') },
    // The webhook routes are admin-only (WEBHOOK_ROLE): not shown to members and viewers.
    { href: '/app/webhooks', label: 'Webhooks', min: 'admin', match: (p) => p.startsWith('/app/webhooks') },
  ];

/** The page of path `p` (no trailing slash) if it is one of these, else null. */
export function orgAreaRoute(p: string): JSX.Element | null {
  if (p === '/app/stores') return <StoresPage />;
  if (p === '/app/feeds') return <FeedsPage />;
  if (p === '/app/webhooks') return <WebhooksPage />;
  const store = /^\/app\/stores\/([^/]+)$/.exec(p);
  if (store) return <StorePage id={decodeURIComponent(store[1]!)} />;
  const webhook = /^\/app\/webhooks\/([^/]+)$/.exec(p);
  if (webhook) return <WebhookPage id={decodeURIComponent(webhook[1]!)} />;
  return null;
}
