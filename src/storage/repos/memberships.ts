import { sql } from 'kysely';
import type { DB } from '../db.js';
import type { Role } from '../schema.js';

export interface UserOrg {
  orgId: string;
  name: string;
  role: Role;
  joinedAt: number;
}

export interface Member {
  userId: string;
  email: string;
  role: Role;
  joinedAt: number;
  lastLoginAt: number | null;
}

/** The orgs a user belongs to, oldest membership first (the first is the default current org). */
export async function listUserOrgs(db: DB, userId: string): Promise<UserOrg[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('orgs', 'orgs.id', 'memberships.org_id')
    .select(['orgs.id', 'orgs.name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.user_id', '=', userId)
    .orderBy('memberships.created_at')
    .orderBy('orgs.id')
    .execute();
  return rows.map((r) => ({ orgId: r.id, name: r.name, role: r.role as Role, joinedAt: r.created_at }));
}

export async function getMembership(db: DB, orgId: string, userId: string): Promise<Member | undefined> {
  const row = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.last_login_at', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', orgId)
    .where('memberships.user_id', '=', userId)
    .executeTakeFirst();
  return row
    ? {
        userId: row.id,
        email: row.email,
        role: row.role as Role,
        joinedAt: row.created_at,
        lastLoginAt: row.last_login_at,
      }
    : undefined;
}

export async function listMembers(db: DB, orgId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.last_login_at', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', orgId)
    .orderBy('memberships.created_at')
    .orderBy('users.id')
    .execute();
  return rows.map((r) => ({
    userId: r.id,
    email: r.email,
    role: r.role as Role,
    joinedAt: r.created_at,
    lastLoginAt: r.last_login_at,
  }));
}

/** Adds a membership; an existing one keeps its role (an old invite never changes a role set since). */
export async function addMembership(
  db: DB,
  input: { orgId: string; userId: string; role: Role; now: number },
): Promise<boolean> {
  const result = await db
    .insertInto('memberships')
    .values({ org_id: input.orgId, user_id: input.userId, role: input.role, created_at: input.now })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function setMemberRole(db: DB, orgId: string, userId: string, role: Role): Promise<void> {
  await db
    .updateTable('memberships')
    .set({ role })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .execute();
}

export async function removeMembership(db: DB, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function countOwners(db: DB, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select(sql<number>`count(*)`.as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
