/**
 * Who may give which role to whom. Pure, so the rules are tested as a table; the routes add what needs the
 * database (membership, the last owner).
 */
import type { Role } from '../../storage/schema.js';

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function roleAtLeast(role: Role | null, minimum: Role): boolean {
  return role !== null && RANK[role] >= RANK[minimum];
}

/** Why `actor` may not do this, or null when allowed. */
export function denyInvite(actorRole: Role, role: Role): string | null {
  if (role === 'owner' && actorRole !== 'owner') return 'Only owners can make owners';
  if (!roleAtLeast(actorRole, 'admin')) return 'Only admins and owners can invite';
  return null;
}

export function denyRoleChange(
  actor: { userId: string; role: Role },
  target: { userId: string; role: Role },
  role: Role,
): string | null {
  if (actor.userId === target.userId) return 'You may not change your own role';
  if (!roleAtLeast(actor.role, 'admin')) return 'Only admins and owners can change roles';
  if (role === 'owner' && actor.role !== 'owner') return 'Only owners can make owners';
  if (target.role === 'owner' && actor.role !== 'owner') return 'Only owners can change an owner’s role';
  return null;
}

export function denyRemoval(
  actor: { userId: string; role: Role },
  target: { userId: string; role: Role },
): string | null {
  if (!roleAtLeast(actor.role, 'admin')) return 'Only admins and owners can remove members';
  if (target.role === 'owner' && actor.role !== 'owner') return 'Only owners can remove an owner';
  return null;
}
