import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { currentOrg, isoTime, planQuota } from '../../management/orgs/views.js';
import { monthPeriod, periodUsage } from '../../storage/repos/usage.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const UsageResponse = Type.Object({
  periodStart: Type.String({ format: 'date-time' }),
  periodEnd: Type.String({ format: 'date-time' }),
  requests: Type.Integer({ description: 'Accepted requests this period (what the quota counts)' }),
  events: Type.Integer({ description: 'Events stored this period' }),
  monthlyRequestQuota: Type.Union([Type.Integer(), Type.Null()], { description: 'null: unlimited' }),
  usagePercent: Type.Union([Type.Number(), Type.Null()], {
    description: 'requests / quota in percent, one decimal; null when unlimited',
  }),
  quotaExceeded: Type.Boolean(),
});

export function registerOrgUsageGet(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/usage',
    {
      preHandler: [requireSession(deps), requireRole('viewer')],
      schema: {
        description: 'Requests and events of the current billing period against the plan’s quota.',
        response: { 200: UsageResponse },
      },
    },
    async (request) => {
      const org = await currentOrg(deps, orgSession(request).orgId);
      const now = deps.clock.now();
      const period = monthPeriod(now);
      const usage = await periodUsage(deps.storage.db, org.id, now);
      const quota = planQuota(deps, org.plan);
      return {
        periodStart: isoTime(period.start),
        periodEnd: isoTime(period.end),
        requests: usage.requests,
        events: usage.events,
        monthlyRequestQuota: quota,
        usagePercent:
          quota === null ? null : quota === 0 ? 100 : Math.round((usage.requests / quota) * 1000) / 10,
        quotaExceeded: quota !== null && usage.requests >= quota,
      };
    },
  );
}
