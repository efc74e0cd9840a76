/**
 * Resolves a proxy request's Host to its domain, org and enabled destinations. Cached briefly per process:
 * this runs on every proxy request. A change to an org's domains, destinations or plan drops the org's
 * entries on every node through the cache bus (src/lib/cache-bus.ts: at once here, within milliseconds on
 * the other nodes when REDIS_URL is set); the TTL bounds a missed message.
 *
 * Bounded in entries as well as in age: the Host header is the client's to choose, and an unknown host is
 * cached too (as null, so a flood of made-up hosts costs one query each and no more), so without a bound
 * every distinct Host ever sent would stay in memory.
 */
import { LRUCache } from 'lru-cache';

import { isDestinationType } from '../destinations/registry.js';
import type { DestinationType } from '../destinations/types.js';
import type { Clock } from '../lib/clock.js';
import type { DB } from '../storage/db.js';
import { listEnabledDestinations } from '../storage/repos/destinations.js';
import { findDomainByHost, normalizeHost } from '../storage/repos/domains.js';
import { getOrg } from '../storage/repos/orgs.js';
import type { Domain, Org } from '../storage/schema.js';

export interface DomainContext {
  domain: Domain;
  org: Org;
  destinations: Array<{ id: string; type: DestinationType }>;
}

/** Hosts kept at most; the least recently used goes first. A few thousand shops per node fit many times. */
export const DOMAIN_CACHE_MAX_ENTRIES = 10_000;

export class DomainContextCache {
  // lru-cache stores objects only: an unknown host is kept as { value: null }.
  private readonly entries: LRUCache<string, { value: DomainContext | null }>;
  /** Bumped by every drop: a load that started before it must not store what it read. */
  private generation = 0;

  constructor(
    private readonly db: DB,
    clock: Clock,
    ttlMs = 5000,
    maxEntries = DOMAIN_CACHE_MAX_ENTRIES,
  ) {
    this.entries = new LRUCache({
      max: maxEntries,
      ttl: ttlMs,
      // The project's clock, so tests drive expiry; checked on every read (no timer per entry).
      perf: { now: () => clock.now() },
      ttlResolution: 0,
    });
  }

  async resolve(host: string): Promise<DomainContext | null> {
    const key = normalizeHost(host);
    const cached = this.entries.get(key);
    if (cached) return cached.value;
    const generation = this.generation;
    const value = await this.load(key);
    // Read before a change was announced, it may hold the old state: answer it once, do not keep it.
    if (generation === this.generation) this.entries.set(key, { value });
    return value;
  }

  /** The cached answer for `host` if still fresh, without a query (undefined: not cached). */
  peek(host: string): DomainContext | null | undefined {
    return this.entries.peek(normalizeHost(host))?.value;
  }

  /** Hosts held now (fresh or not yet swept); never more than the bound. */
  get size(): number {
    return this.entries.size;
  }

  /** Drop everything held in this process (tests, `dev`); changes are announced through the cache bus. */
  invalidate(): void {
    this.drop(null);
  }

  /**
   * The cache bus's drop: the org's hosts and every unknown host (a domain just added may be cached as
   * unknown), or everything (`null`).
   */
  drop(orgId: string | null): void {
    this.generation += 1;
    if (orgId === null) {
      this.entries.clear();
      return;
    }
    const stale: string[] = [];
    for (const [host, entry] of this.entries.entries()) {
      if (entry.value === null || entry.value.org.id === orgId) stale.push(host);
    }
    for (const host of stale) this.entries.delete(host);
  }

  private async load(host: string): Promise<DomainContext | null> {
    const domain = await findDomainByHost(this.db, host);
    // A deleted domain's host is a tombstone already; this also covers a request naming the tombstone.
    if (!domain || domain.status === 'deleted') return null;
    const org = await getOrg(this.db, domain.org_id);
    if (!org) return null;
    const rows = await listEnabledDestinations(this.db, domain.id);
    const destinations = rows.flatMap((row) =>
      isDestinationType(row.type) ? [{ id: row.id, type: row.type }] : [],
    );
    return { domain, org, destinations };
  }
}
