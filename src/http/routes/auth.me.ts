import { type Static, Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { isoTime, RoleSchema } from '../../management/orgs/views.js';
import { listUserOrgs } from '../../storage/repos/memberships.js';
import { getUser } from '../../storage/repos/users.js';
import { requireSession, signedInSession } from '../auth/session.js';
import type { App } from '../types.js';

const OrgMembership = Type.Object({ id: Type.String(), name: Type.String(), role: RoleSchema });

export const MeResponse = Type.Object({
  user: Type.Object({
    id: Type.String(),
    email: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    lastLoginAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
  orgs: Type.Array(OrgMembership, { description: 'Every org the user belongs to, oldest membership first' }),
  currentOrg: Type.Union([OrgMembership, Type.Null()], {
    description: 'The org the session works in (POST /v1/auth/switch-org changes it); null without any org',
  }),
});
export type Me = Static<typeof MeResponse>;

export function registerAuthMe(app: App, deps: AppDeps): void {
  app.get(
    '/v1/auth/me',
    {
      // Any signed-in user, also one without an org yet.
      preHandler: [requireSession(deps)],
      schema: {
        description: 'The signed-in user, their orgs and role in the current one.',
        response: { 200: MeResponse },
      },
    },
    async (request) => {
      const session = signedInSession(request);
      const { db } = deps.storage;
      const user = await getUser(db, session.userId);
      if (!user) throw new ApiError('unauthenticated', 'Sign in first: no valid session');
      const orgs = (await listUserOrgs(db, user.id)).map((o) => ({
        id: o.orgId,
        name: o.name,
        role: o.role,
      }));
      const me: Me = {
        user: {
          id: user.id,
          email: user.email,
          createdAt: isoTime(user.created_at),
          lastLoginAt: user.last_login_at === null ? null : isoTime(user.last_login_at),
        },
        orgs,
        currentOrg: orgs.find((o) => o.id === session.orgId) ?? null,
      };
      return me;
    },
  );
}
