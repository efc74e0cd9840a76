/**
 * Resolves a proxy request's Host to its domain, org and enabled destinations. Cached briefly per process:
 * this runs on every proxy request. Changes made through this process invalidate at once; other nodes see
 * them within the TTL.
 */

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

export class DomainContextCache {
  private readonly entries = new Map<string, { value: DomainContext | null; expiresAt: number }>();

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly ttlMs = 5000,
  ) {}

  async resolve(host: string): Promise<DomainContext | null> {
    const key = normalizeHost(host);
    const now = this.clock.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = await this.load(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    return value;
  }

  /** The cached answer for `host` if still fresh, without a query (undefined: not cached). */
  peek(host: string): DomainContext | null | undefined {
    const cached = this.entries.get(normalizeHost(host));
    return cached && cached.expiresAt > this.clock.now() ? cached.value : undefined;
  }

  /** Drop everything (after a domain, org or destination change made by this process). */
  invalidate(): void {
    this.entries.clear();
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
