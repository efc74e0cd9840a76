import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { OrgSettingsSchema, orgSettingsView } from '../../management/orgs/views.js';
import { getMembership } from '../../storage/repos/memberships.js';
import { getOrg } from '../../storage/repos/orgs.js';
import { setSessionOrg } from '../../storage/repos/sessions.js';
import { requireSession, signedInSession } from '../auth/session.js';
import type { App } from '../types.js';

export const SwitchOrgBody = Type.Object(
  { orgId: Type.String({ minLength: 1, maxLength: 64, description: 'An org you are a member of' }) },
  { additionalProperties: false },
);

export function registerAuthSwitchOrg(app: App, deps: AppDeps): void {
  app.post(
    '/v1/auth/switch-org',
    {
      // Any signed-in user; membership of the target org is the rule.
      preHandler: [requireSession(deps)],
      schema: {
        description:
          'Makes another of your orgs the session’s current org: every /v1/org/* and /v1/domains/* request ' +
          'then works in it. Not a member (or no such org): 404.',
        body: SwitchOrgBody,
        response: { 200: OrgSettingsSchema },
      },
    },
    async (request) => {
      const session = signedInSession(request);
      const { db } = deps.storage;
      const membership = await getMembership(db, request.body.orgId, session.userId);
      const org = membership ? await getOrg(db, request.body.orgId) : undefined;
      if (!membership || !org) throw new ApiError('not_found', 'No such organization');
      await setSessionOrg(db, session.sessionId, org.id);
      return orgSettingsView(deps, org, membership.role);
    },
  );
}
