import { newId } from '../../lib/ids.js';
import type { Plan } from '../../lib/plans.js';
import type { DB } from '../db.js';
import type { Org } from '../schema.js';

export const SUBSCRIPTION_STATUSES = ['active', 'past_due', 'suspended', 'expired'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export async function createOrg(db: DB, input: { name: string; plan: Plan; now: number }): Promise<Org> {
  const org: Org = {
    id: newId('org', input.now),
    name: input.name,
    plan: input.plan,
    subscription_status: 'active',
    period_start: input.now,
    created_at: input.now,
  };
  await db.insertInto('orgs').values(org).execute();
  return org;
}

export async function getOrg(db: DB, orgId: string): Promise<Org | undefined> {
  return db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export async function listOrgs(db: DB): Promise<Org[]> {
  return db.selectFrom('orgs').selectAll().orderBy('created_at').execute();
}

export async function updateOrgPlan(
  db: DB,
  orgId: string,
  patch: { plan?: Plan; subscriptionStatus?: SubscriptionStatus },
): Promise<Org | undefined> {
  const values: { plan?: string; subscription_status?: string } = {};
  if (patch.plan) values.plan = patch.plan;
  if (patch.subscriptionStatus) values.subscription_status = patch.subscriptionStatus;
  if (Object.keys(values).length > 0)
    await db.updateTable('orgs').set(values).where('id', '=', orgId).execute();
  return getOrg(db, orgId);
}

/** Suspended and expired subscriptions stop ingest; past_due is a grace state and keeps working. */
export function subscriptionAllowsIngest(status: string): boolean {
  return status === 'active' || status === 'past_due';
}

export async function renameOrg(db: DB, orgId: string, name: string): Promise<void> {
  await db.updateTable('orgs').set({ name }).where('id', '=', orgId).execute();
}

/** Serializes changes of one org's memberships: a row lock on PostgreSQL (SQLite transactions are serial). */
export async function lockOrgRow(db: DB, orgId: string): Promise<void> {
  await db.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().executeTakeFirst();
}
