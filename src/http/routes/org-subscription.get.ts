import type { AppDeps } from '../../app-deps.js';
import { currentOrg, SubscriptionSchema, subscriptionView } from '../../management/orgs/views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerOrgSubscriptionGet(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/subscription',
    {
      preHandler: [requireSession(deps), requireRole('viewer')],
      schema: {
        description:
          'Plan, status, the current billing period (calendar month, UTC) and the monthly request quota.',
        response: { 200: SubscriptionSchema },
      },
    },
    async (request) => subscriptionView(deps, await currentOrg(deps, orgSession(request).orgId)),
  );
}
