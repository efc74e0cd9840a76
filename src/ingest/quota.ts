/**
 * Monthly request quotas. Checking runs on every proxy request, so the period's count is read from the
 * database at most every few seconds per org and requests accepted by this process since are added on top.
 * Across several nodes the count can trail by that interval: a quota is a billing bound, not a security one.
 */

import type { Clock } from '../lib/clock.js';
import { isPlan, type Plan } from '../lib/plans.js';
import type { DB } from '../storage/db.js';
import { monthPeriod, periodUsage } from '../storage/repos/usage.js';

export interface QuotaDecision {
  allowed: boolean;
  /** null: unlimited. */
  limit: number | null;
  used: number;
  /** Unix seconds of the period's end. */
  resetAt: number;
}

export class QuotaTracker {
  private readonly cache = new Map<string, { used: number; loadedAt: number; periodStart: number }>();

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly quotas: Record<Plan, number | null>,
    private readonly refreshMs = 5000,
  ) {}

  limitFor(plan: string): number | null {
    // `null` means unlimited (enterprise), so `??` would wrongly fall through to the free quota.
    return isPlan(plan) ? this.quotas[plan] : this.quotas.free;
  }

  async check(orgId: string, plan: string): Promise<QuotaDecision> {
    const now = this.clock.now();
    const period = monthPeriod(now);
    const limit = this.limitFor(plan);
    const resetAt = Math.ceil(period.end / 1000);
    if (limit === null) return { allowed: true, limit, used: 0, resetAt };
    let entry = this.cache.get(orgId);
    if (!entry || entry.periodStart !== period.start || now - entry.loadedAt > this.refreshMs) {
      const usage = await periodUsage(this.db, orgId, now);
      entry = { used: usage.requests, loadedAt: now, periodStart: period.start };
      this.cache.set(orgId, entry);
    }
    return { allowed: entry.used < limit, limit, used: entry.used, resetAt };
  }

  /** Counts a request this process accepted (until the next refresh reads it from the database). */
  record(orgId: string): void {
    const entry = this.cache.get(orgId);
    if (entry) entry.used += 1;
  }
}
