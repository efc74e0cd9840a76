import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { MemberSchema } from '../../management/orgs/member-schema.js';
import { memberView } from '../../management/orgs/members.js';
import { isoTime, RoleSchema } from '../../management/orgs/views.js';
import { listOpenInvites } from '../../storage/repos/login-tokens.js';
import { listMembers } from '../../storage/repos/memberships.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const MemberListResponse = Type.Object({
  members: Type.Array(MemberSchema),
  invites: Type.Array(
    Type.Object({
      email: Type.String(),
      role: RoleSchema,
      invitedBy: Type.Union([Type.String(), Type.Null()], { description: 'User id of the inviter' }),
      expiresAt: Type.String({ format: 'date-time' }),
    }),
    { description: 'Invites not used yet and not expired' },
  ),
});

export function registerOrgMembersList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/members',
    {
      preHandler: [requireSession(deps), requireRole('viewer')],
      schema: {
        description: 'Members of the current org with their roles, and open invites.',
        response: { 200: MemberListResponse },
      },
    },
    async (request) => {
      const orgId = orgSession(request).orgId;
      const { db } = deps.storage;
      const members = await listMembers(db, orgId);
      const invites = await listOpenInvites(db, orgId, deps.clock.now());
      return {
        members: members.map(memberView),
        invites: invites.map((i) => ({
          email: i.email,
          role: (i.role ?? 'viewer') as (typeof members)[number]['role'],
          invitedBy: i.invited_by,
          expiresAt: isoTime(i.expires_at),
        })),
      };
    },
  );
}
