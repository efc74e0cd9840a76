import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { OVERVIEW_DAYS, orgOverview } from '../../dashboard/overview.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const OrgOverviewResponse = Type.Object({
  days: Type.Integer({ description: 'Length of the daily series.' }),
  domains: Type.Array(
    Type.Object({
      id: Type.String(),
      host: Type.String(),
      status: Type.String(),
      events24h: Type.Integer({ description: 'Events received in the last 24 hours.' }),
      events30d: Type.Integer({ description: 'Events received in the last 30 days.' }),
      daily: Type.Array(Type.Object({ day: Type.String(), events: Type.Integer() }), {
        description: 'Events received per UTC day, oldest first, zeros included.',
      }),
    }),
  ),
});

export function registerOrgOverviewGet(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/overview',
    {
      preHandler: [requireSession(deps), requireRole('viewer')],
      schema: {
        description:
          'The dashboard overview’s traffic: per live domain of the current org, events received in the last 24 hours and 30 days, and per day over 30 days. Delivery health per destination is GET /v1/domains/:id/destinations.',
        response: { 200: OrgOverviewResponse },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      return {
        days: OVERVIEW_DAYS,
        domains: await orgOverview(deps.storage.db, orgId, deps.clock.now()),
      };
    },
  );
}
