/**
 * Which of an org's endpoints subscribe to which type, cached per process so per-event types
 * (`event.delivered`, `event.failed`) cost the delivery drain nothing for orgs without webhooks: one SELECT
 * per org per TTL, none in the drain's transaction.
 *
 * Invalidation: an entry lives `ttlMs` (30 s); the management use cases drop the org's entry in their own
 * process when they change an endpoint, so on a single node a change applies at once and across nodes
 * within the TTL. At most `maxOrgs` entries; the oldest go first.
 */
import type { Clock } from '../lib/clock.js';
import type { DB } from '../storage/db.js';
import { enabledWebhookSubscriptions } from '../storage/repos/webhooks.js';

interface Entry {
  loadedAt: number;
  endpoints: Array<{ id: string; eventTypes: string[] }>;
}

export class WebhookSubscriptions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; maxOrgs: number } = { ttlMs: 30_000, maxOrgs: 10_000 },
  ) {}

  /**
   * The org's enabled endpoints subscribed to `type` (ids). Inside a transaction pass it as `db`: on SQLite a
   * query on the main handle would wait for that transaction to end.
   */
  async endpointsFor(orgId: string, type: string, db: DB = this.db): Promise<string[]> {
    const now = this.clock.now();
    let entry = this.entries.get(orgId);
    if (!entry || now - entry.loadedAt > this.options.ttlMs) {
      entry = { loadedAt: now, endpoints: await enabledWebhookSubscriptions(db, orgId) };
      this.entries.delete(orgId);
      this.entries.set(orgId, entry);
      while (this.entries.size > this.options.maxOrgs) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
    }
    return entry.endpoints.filter((e) => e.eventTypes.includes(type)).map((e) => e.id);
  }

  /** Drops the org's entry (or all): the next lookup reads the database. */
  invalidate(orgId?: string): void {
    if (orgId === undefined) this.entries.clear();
    else this.entries.delete(orgId);
  }

  get size(): number {
    return this.entries.size;
  }
}
