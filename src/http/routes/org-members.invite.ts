import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { sendInvite } from '../../management/auth/magic-link.js';
import { denyInvite } from '../../management/orgs/member-rules.js';
import { currentOrg, isoTime, RoleSchema } from '../../management/orgs/views.js';
import { getMembership } from '../../storage/repos/memberships.js';
import { findUserByEmail, normalizeEmail } from '../../storage/repos/users.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const InviteBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    role: RoleSchema,
  },
  { additionalProperties: false },
);

export const InviteResponse = Type.Object({
  email: Type.String(),
  role: RoleSchema,
  expiresAt: Type.String({ format: 'date-time' }),
});

export function registerOrgMembersInvite(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/members/invite',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        description:
          'Mails an invite link that joins the current org with the role (creating the account if needed). ' +
          'Admins invite up to admin; only owners invite owners. A new invite to the same address replaces ' +
          'the open one. At most INVITE_RATE_LIMIT_PER_ORG_PER_DAY invitations per org and ' +
          'INVITE_RATE_LIMIT_PER_USER_PER_DAY per inviting user in 24 hours (429 rate_limited with Retry-After).',
        body: InviteBody,
        response: { 202: InviteResponse },
      },
    },
    async (request, reply) => {
      const session = orgSession(request);
      const orgId = session.orgId;
      const email = normalizeEmail(request.body.email);
      const role = request.body.role;
      const denied = denyInvite(session.role, role);
      if (denied) throw new ApiError('forbidden', denied, { required_role: 'owner' });
      const { db } = deps.storage;
      const existing = await findUserByEmail(db, email);
      if (existing && (await getMembership(db, orgId, existing.id))) {
        throw new ApiError('validation_failed', `${email} is already a member; change their role instead`, {
          field: 'email',
        });
      }
      const org = await currentOrg(deps, orgId);
      const invite = await sendInvite(deps, {
        email,
        orgId,
        orgName: org.name,
        role,
        invitedBy: { id: session.userId, email: session.email },
        ip: request.ip,
      });
      return reply.status(202).send({ email, role, expiresAt: isoTime(invite.expires_at) });
    },
  );
}
