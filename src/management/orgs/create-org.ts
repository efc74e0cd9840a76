/**
 * Creating an org, with its first owner: the signed-in user (`POST /v1/orgs`) or an address the operator
 * names (`tagbridge org create --owner`). An org without an owner is reachable by operators only.
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { isPlan, PLANS } from '../../lib/plans.js';
import type { DB } from '../../storage/db.js';
import { addMembership } from '../../storage/repos/memberships.js';
import { createOrg as insertOrg } from '../../storage/repos/orgs.js';
import type { Org } from '../../storage/schema.js';
import { type Actor, auditBy } from '../audit.js';
import { addMemberIn, validEmail } from './add-member.js';

export const ORG_NAME_MAX = 100;

export function validOrgName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > ORG_NAME_MAX) {
    throw new ApiError('validation_failed', `name must be 1 to ${ORG_NAME_MAX} characters`, {
      field: 'name',
    });
  }
  return trimmed;
}

export function validPlan(plan: string): (typeof PLANS)[number] {
  if (!isPlan(plan)) {
    throw new ApiError('validation_failed', `plan must be one of ${PLANS.join(', ')}`, { field: 'plan' });
  }
  return plan;
}

export interface CreateOrgInput {
  name: string;
  plan: string;
  /** The first owner: a user id (the signed-in user) or an address (found or created); none for operators. */
  owner?: { userId: string } | { email: string };
  /** Runs in the creating transaction (the route switches the session to the new org). */
  within?: (trx: DB, org: Org) => Promise<void>;
}

export async function createOrg(
  deps: Pick<AppDeps, 'storage' | 'clock'>,
  actor: Actor,
  input: CreateOrgInput,
): Promise<Org> {
  const name = validOrgName(input.name);
  const plan = validPlan(input.plan);
  const owner = input.owner;
  const ownerEmail = owner && 'email' in owner ? validEmail(owner.email, 'owner') : null;
  const now = deps.clock.now();
  return deps.storage.db.transaction().execute(async (trx) => {
    const org = await insertOrg(trx, { name, plan, now });
    await auditBy(trx, actor, {
      orgId: org.id,
      action: 'org.create',
      targetType: 'org',
      targetId: org.id,
      details: { name: org.name, plan: org.plan, ...(ownerEmail ? { owner: ownerEmail } : {}) },
      at: now,
    });
    if (owner && 'userId' in owner) {
      await addMembership(trx, { orgId: org.id, userId: owner.userId, role: 'owner', now });
    } else if (ownerEmail) {
      await addMemberIn(trx, actor, { orgId: org.id, email: ownerEmail, role: 'owner', now });
    }
    if (input.within) await input.within(trx, org);
    return org;
  });
}
