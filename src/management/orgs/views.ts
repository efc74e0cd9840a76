/** What the management API shows of orgs and their subscription; shared by several operations. */
import { type Static, Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { isPlan } from '../../lib/plans.js';
import { getOrg } from '../../storage/repos/orgs.js';
import { monthPeriod } from '../../storage/repos/usage.js';
import type { Org } from '../../storage/schema.js';

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export const RoleSchema = Type.Union(
  [Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member'), Type.Literal('viewer')],
  { description: 'owner, admin, member (read and operate) or viewer (read)' },
);

/** The plan's monthly request quota (null: unlimited); an unknown plan name counts as free. */
export function planQuota(deps: AppDeps, plan: string): number | null {
  const quotas = deps.config.planQuotas;
  return isPlan(plan) ? quotas[plan] : quotas.free;
}

export const SubscriptionSchema = Type.Object({
  plan: Type.String({ description: 'free, starter, pro or enterprise; changed by operators (CLI)' }),
  status: Type.String({ description: 'active, past_due, suspended or expired' }),
  periodStart: Type.String({ format: 'date-time', description: 'Start of the calendar month (UTC)' }),
  periodEnd: Type.String({ format: 'date-time', description: 'Start of the next calendar month (UTC)' }),
  monthlyRequestQuota: Type.Union([Type.Integer(), Type.Null()], { description: 'null: unlimited' }),
});
export type SubscriptionView = Static<typeof SubscriptionSchema>;

export function subscriptionView(deps: AppDeps, org: Org): SubscriptionView {
  const period = monthPeriod(deps.clock.now());
  return {
    plan: org.plan,
    status: org.subscription_status,
    periodStart: isoTime(period.start),
    periodEnd: isoTime(period.end),
    monthlyRequestQuota: planQuota(deps, org.plan),
  };
}

export const OrgSettingsSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  role: RoleSchema,
  subscription: SubscriptionSchema,
});
export type OrgSettingsView = Static<typeof OrgSettingsSchema>;

export function orgSettingsView(deps: AppDeps, org: Org, role: Static<typeof RoleSchema>): OrgSettingsView {
  return {
    id: org.id,
    name: org.name,
    createdAt: isoTime(org.created_at),
    role,
    subscription: subscriptionView(deps, org),
  };
}

/** The session's current org; it exists while the membership does (requireRole checked that). */
export async function currentOrg(deps: AppDeps, orgId: string): Promise<Org> {
  const org = await getOrg(deps.storage.db, orgId);
  if (!org) throw new ApiError('not_found', 'No such organization');
  return org;
}

export const OrgNameSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '\\S',
  description: 'Display name of the organization',
});
