/** Membership changes that must keep an org with at least one owner, also under concurrent requests. */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import type { DB } from '../../storage/db.js';
import { countOwners, getMembership, type Member } from '../../storage/repos/memberships.js';
import { lockOrgRow } from '../../storage/repos/orgs.js';

/**
 * Serializes membership changes of one org. SQLite transactions are serial already; on PostgreSQL two owners
 * demoting each other at once would each still count the other as owner without this row lock.
 */
export async function lockOrg(deps: Pick<AppDeps, 'storage'>, trx: DB, orgId: string): Promise<void> {
  if (deps.storage.dialect !== 'postgres') return;
  await lockOrgRow(trx, orgId);
}

/**
 * After a change to an owner inside the transaction: refuses (rolls back) when no owner would be left. (An org
 * an operator created has no owner at all; changes to its other members are not blocked by this.)
 */
export async function assertOwnerRemains(trx: DB, orgId: string): Promise<void> {
  if ((await countOwners(trx, orgId)) === 0) {
    throw new ApiError(
      'forbidden',
      'An organization needs at least one owner: make someone else owner first',
      {
        reason: 'last_owner',
      },
    );
  }
}

/** A member of the session's org, or 404 (another org's users look like nobody). */
export async function memberOr404(db: DB, orgId: string, userId: string): Promise<Member> {
  const member = await getMembership(db, orgId, userId);
  if (!member) throw new ApiError('not_found', 'No such member in this organization');
  return member;
}

export function memberView(member: Member): {
  userId: string;
  email: string;
  role: Member['role'];
  joinedAt: string;
  lastLoginAt: string | null;
} {
  return {
    userId: member.userId,
    email: member.email,
    role: member.role,
    joinedAt: new Date(member.joinedAt).toISOString(),
    lastLoginAt: member.lastLoginAt === null ? null : new Date(member.lastLoginAt).toISOString(),
  };
}
