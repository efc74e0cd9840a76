/**
 * Whether a domain runs the pixel at all, for the server-side purchase link on the ingest path
 * (src/ingest/purchase-attribution.ts): a shop without pixel visitors has nothing to attribute, so its
 * Purchases cost one cached lookup here instead of opening their sealed data and an upsert each (the
 * difference between a bulk import of orders at full speed and one statement per order).
 *
 * Cached per process and database, bounded in entries and age. A visitor recorded by this process marks
 * its domain at once; another node learns within the cache's age (a shop's first minute of server-side
 * purchases after installing the pixel may go unlinked there — they had no touchpoints yet anyway).
 */
import { LRUCache } from 'lru-cache';
import type { DB } from '../storage/db.js';
import { domainHasVisitor } from '../storage/repos/attribution.js';

const MAX_DOMAINS = 10_000;
const AGE_MS = 60_000;

const caches = new WeakMap<DB, LRUCache<string, { has: boolean }>>();

function cacheOf(db: DB): LRUCache<string, { has: boolean }> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new LRUCache({ max: MAX_DOMAINS, ttl: AGE_MS });
    caches.set(db, cache);
  }
  return cache;
}

export async function domainUsesPixel(db: DB, domainId: string): Promise<boolean> {
  const cache = cacheOf(db);
  const cached = cache.get(domainId);
  if (cached) return cached.has;
  const has = await domainHasVisitor(db, domainId);
  cache.set(domainId, { has });
  return has;
}

/** Called when this process records a visitor: the domain's purchases link from now on. */
export function markDomainUsesPixel(db: DB, domainId: string): void {
  const cache = cacheOf(db);
  if (cache.get(domainId)?.has !== true) cache.set(domainId, { has: true });
}
