/**
 * Adds a person to an org directly (no invite mail): the user is found by address or created, so signing in
 * later by magic link shows the org. Used by `tagbridge org add-member` and by `org create --owner`.
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import type { DB } from '../../storage/db.js';
import { addMembership, getMembership, type Member } from '../../storage/repos/memberships.js';
import { getOrg } from '../../storage/repos/orgs.js';
import { getOrCreateUser, normalizeEmail } from '../../storage/repos/users.js';
import { ROLES, type Role } from '../../storage/schema.js';
import { type Actor, auditBy } from '../audit.js';
import { lockOrg } from './members.js';

// The same shape the management API's format: 'email' accepts; a typo'd address would never get a link.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function validEmail(email: string, field = 'email'): string {
  const address = normalizeEmail(email);
  if (address.length > 254 || !EMAIL_PATTERN.test(address)) {
    throw new ApiError('validation_failed', `${email} is not an e-mail address`, {
      field,
      reason: 'not an e-mail address',
    });
  }
  return address;
}

/** Inside a transaction: the membership and its audit entry commit together. */
export async function addMemberIn(
  trx: DB,
  actor: Actor,
  input: { orgId: string; email: string; role: Role; now: number },
): Promise<Member> {
  const { user } = await getOrCreateUser(trx, input.email, input.now);
  if (await getMembership(trx, input.orgId, user.id)) {
    throw new ApiError('validation_failed', `${input.email} is already a member; change their role instead`, {
      field: 'email',
    });
  }
  await addMembership(trx, { orgId: input.orgId, userId: user.id, role: input.role, now: input.now });
  await auditBy(trx, actor, {
    orgId: input.orgId,
    action: 'member.add',
    targetType: 'user',
    targetId: user.id,
    details: { email: user.email, role: input.role },
    at: input.now,
  });
  const member = await getMembership(trx, input.orgId, user.id);
  if (!member) throw new Error(`membership of ${user.id} in ${input.orgId} vanished`);
  return member;
}

export async function addMember(
  deps: Pick<AppDeps, 'storage' | 'clock'>,
  actor: Actor,
  input: { orgId: string; email: string; role: string },
): Promise<Member> {
  const email = validEmail(input.email);
  const role = input.role;
  if (!isRole(role)) {
    throw new ApiError('validation_failed', `role must be one of ${ROLES.join(', ')}`, { field: 'role' });
  }
  const now = deps.clock.now();
  return deps.storage.db.transaction().execute(async (trx) => {
    await lockOrg(deps, trx, input.orgId);
    if (!(await getOrg(trx, input.orgId))) {
      throw new ApiError('not_found', `No org ${input.orgId}`, { id: input.orgId });
    }
    return addMemberIn(trx, actor, { orgId: input.orgId, email, role, now });
  });
}
