import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { isoTime, RoleSchema } from '../../management/orgs/views.js';
import { listUserOrgs } from '../../storage/repos/memberships.js';
import { requireSession, signedInSession } from '../auth/session.js';
import type { App } from '../types.js';

export const OrgListResponse = Type.Object({
  orgs: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      role: RoleSchema,
      joinedAt: Type.String({ format: 'date-time' }),
      current: Type.Boolean({ description: 'The session’s current org' }),
    }),
  ),
});

export function registerOrgsList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/orgs',
    {
      // Any signed-in user: the list is of their own memberships.
      preHandler: [requireSession(deps)],
      schema: {
        description: 'The orgs you belong to, with your role in each.',
        response: { 200: OrgListResponse },
      },
    },
    async (request) => {
      const session = signedInSession(request);
      const orgs = await listUserOrgs(deps.storage.db, session.userId);
      return {
        orgs: orgs.map((o) => ({
          id: o.orgId,
          name: o.name,
          role: o.role,
          joinedAt: isoTime(o.joinedAt),
          current: o.orgId === session.orgId,
        })),
      };
    },
  );
}
