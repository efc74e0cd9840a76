import type { AppDeps } from '../../app-deps.js';
import { currentOrg, OrgSettingsSchema, orgSettingsView } from '../../management/orgs/views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerOrgSettingsGet(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/settings',
    {
      preHandler: [requireSession(deps), requireRole('viewer')],
      schema: {
        description: 'The current org: name, your role and its subscription.',
        response: { 200: OrgSettingsSchema },
      },
    },
    async (request) => {
      const session = orgSession(request);
      const org = await currentOrg(deps, session.orgId);
      return orgSettingsView(deps, org, session.role);
    },
  );
}
