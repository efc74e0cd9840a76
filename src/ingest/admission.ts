/**
 * Whether an org may send events now: its subscription (suspended and expired stop ingest; past_due is a
 * grace state) and its plan's monthly request quota. One rule for the proxy, the sync purchase events and
 * the public API (which checks the subscription on every request and the quota on writes).
 */
import { ApiError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { subscriptionAllowsIngest } from '../storage/repos/orgs.js';
import type { QuotaDecision, QuotaTracker } from './quota.js';

export interface IngestingOrg {
  id: string;
  plan: string;
  subscriptionStatus: string;
}

export function assertSubscriptionActive(org: Pick<IngestingOrg, 'subscriptionStatus'>): void {
  if (!subscriptionAllowsIngest(org.subscriptionStatus)) {
    throw new ApiError('subscription_inactive', `The subscription is ${org.subscriptionStatus}`, {
      status: org.subscriptionStatus,
    });
  }
}

/**
 * Throws request_limit_exceeded (with Retry-After until the period ends) when the quota is used up.
 * `onDecision` sees the decision first, also when it refuses (the proxy turns it into rate-limit headers).
 */
export async function assertWithinQuota(
  deps: { quota: QuotaTracker; clock: Clock },
  org: Pick<IngestingOrg, 'id' | 'plan'>,
  onDecision?: (decision: QuotaDecision) => void,
): Promise<QuotaDecision> {
  const quota = await deps.quota.check(org.id, org.plan);
  onDecision?.(quota);
  if (!quota.allowed) {
    const retryAfter = Math.max(1, quota.resetAt - Math.floor(deps.clock.now() / 1000));
    throw new ApiError(
      'request_limit_exceeded',
      `The monthly request quota of the ${org.plan} plan (${quota.limit}) is exhausted`,
      { limit: quota.limit, used: quota.used, retry_after: retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }
  return quota;
}

/** Subscription, then quota: what every event-sending request passes before its body is read. */
export async function admitIngest(
  deps: { quota: QuotaTracker; clock: Clock },
  org: IngestingOrg,
  onDecision?: (decision: QuotaDecision) => void,
): Promise<QuotaDecision> {
  assertSubscriptionActive(org);
  return assertWithinQuota(deps, org, onDecision);
}
