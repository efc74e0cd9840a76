/** An operator changes an org's plan or subscription status (`tagbridge org set`); orgs cannot do it themselves. */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import {
  getOrg,
  SUBSCRIPTION_STATUSES,
  type SubscriptionStatus,
  updateOrgPlan,
} from '../../storage/repos/orgs.js';
import type { Org } from '../../storage/schema.js';
import { type Actor, auditBy } from '../audit.js';
import { validPlan } from './create-org.js';

export function validSubscriptionStatus(status: string): SubscriptionStatus {
  if (!(SUBSCRIPTION_STATUSES as readonly string[]).includes(status)) {
    throw new ApiError('validation_failed', `status must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`, {
      field: 'status',
    });
  }
  return status as SubscriptionStatus;
}

export async function setOrgPlan(
  deps: Pick<AppDeps, 'storage' | 'clock'> & Partial<Pick<AppDeps, 'caches'>>,
  actor: Actor,
  input: { orgId: string; plan?: string; status?: string },
): Promise<Org> {
  const plan = input.plan === undefined ? undefined : validPlan(input.plan);
  const status = input.status === undefined ? undefined : validSubscriptionStatus(input.status);
  const now = deps.clock.now();
  const org = await deps.storage.db.transaction().execute(async (trx) => {
    const before = await getOrg(trx, input.orgId);
    if (!before) throw new ApiError('not_found', `No org ${input.orgId}`, { id: input.orgId });
    const after = await updateOrgPlan(trx, input.orgId, {
      ...(plan ? { plan } : {}),
      ...(status ? { subscriptionStatus: status } : {}),
    });
    if (!after) throw new ApiError('not_found', `No org ${input.orgId}`, { id: input.orgId });
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'org.plan_set',
      targetType: 'org',
      targetId: input.orgId,
      details: {
        plan: { from: before.plan, to: after.plan },
        subscriptionStatus: { from: before.subscription_status, to: after.subscription_status },
      },
      at: now,
    });
    return after;
  });
  // Admission reads the plan and the subscription from every node's cached domain context.
  await deps.caches?.orgChanged(input.orgId);
  return org;
}
