/**
 * Monthly request quotas. Checking runs on every proxy request, so it must not cost a database query each
 * time:
 * - one node (no Redis): the period's count is read from the database at most every few seconds per org,
 *   and the requests this process accepted since are added on top — exact, since nobody else accepts;
 * - several nodes (REDIS_URL): one counter per org and period in Redis, which every node reads on each check
 *   and increments for each request it accepted, so the quota holds for the deployment in total, not per
 *   node. The counter starts from the database's count (the truth: usage is written in the events'
 *   transaction) the first time a node needs it in a period. Without Redis reachable a node falls back to the
 *   one-node way rather than refuse or accept blindly.
 * Either way, requests admitted at the same moment may pass the last unit together (a check, then a commit):
 * a quota is a billing bound, not a security one.
 */
import type { Redis } from 'ioredis';
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

/** The shared counter lives a day past its period (a node whose clock lags still finds it). */
const COUNTER_GRACE_MS = 24 * 3600_000;
/**
 * Counts only into a counter that exists: one that expired or was never started must start from the
 * database's count, not from 1.
 */
const INCREMENT_IF_STARTED =
  "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incr', KEYS[1]) end";

export class QuotaTracker {
  private readonly cache = new Map<string, { used: number; loadedAt: number; periodStart: number }>();

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly quotas: Record<Plan, number | null>,
    private readonly refreshMs = 5000,
    private readonly redis: Redis | null = null,
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
    const shared = this.redis ? await this.sharedCount(orgId, now) : null;
    const used = shared ?? (await this.localCount(orgId, now));
    return { allowed: used < limit, limit, used, resetAt };
  }

  /** Counts a request this process accepted (until the next refresh reads it from the database). */
  record(orgId: string): void {
    const entry = this.cache.get(orgId);
    if (entry) entry.used += 1;
    // Not awaited: the request is answered already. A lost increment undercounts by one request.
    this.redis?.eval(INCREMENT_IF_STARTED, 1, counterKey(orgId, this.clock.now())).catch(() => {});
  }

  /** The cache bus's drop: the org's count (or every count) is read again on the next check. */
  drop(orgId: string | null): void {
    if (orgId === null) this.cache.clear();
    else this.cache.delete(orgId);
  }

  private async localCount(orgId: string, now: number): Promise<number> {
    const periodStart = monthPeriod(now).start;
    let entry = this.cache.get(orgId);
    if (!entry || entry.periodStart !== periodStart || now - entry.loadedAt > this.refreshMs) {
      const usage = await periodUsage(this.db, orgId, now);
      entry = { used: usage.requests, loadedAt: now, periodStart };
      this.cache.set(orgId, entry);
    }
    return entry.used;
  }

  /** The deployment's count from Redis, started from the database's when missing; null if Redis fails. */
  private async sharedCount(orgId: string, now: number): Promise<number | null> {
    const redis = this.redis;
    if (!redis) return null;
    const key = counterKey(orgId, now);
    try {
      const current = await redis.get(key);
      if (current !== null) return Number(current);
      const usage = await periodUsage(this.db, orgId, now);
      const ttl = monthPeriod(now).end - now + COUNTER_GRACE_MS;
      // NX: another node may have started it meanwhile (and counted into it since): its value wins.
      await redis.set(key, usage.requests, 'PX', ttl, 'NX');
      return Number((await redis.get(key)) ?? usage.requests);
    } catch {
      return null;
    }
  }
}

/** Org ids are unique across deployments sharing a Redis (random), so the key needs no namespace. */
function counterKey(orgId: string, now: number): string {
  return `tagbridge:quota:${orgId}:${monthPeriod(now).start}`;
}
