import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { audit } from '../../management/audit.js';
import { denyRemoval } from '../../management/orgs/member-rules.js';
import { assertOwnerRemains, lockOrg, memberOr404 } from '../../management/orgs/members.js';
import { removeMembership } from '../../storage/repos/memberships.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const RemoveMemberParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerOrgMembersRemove(app: App, deps: AppDeps): void {
  app.delete(
    '/v1/org/members/:userId',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        description:
          'Removes a member (admins: non-owners; owners: anyone, themselves included). The last owner cannot ' +
          'be removed. Their sessions lose this org at once.',
        params: RemoveMemberParams,
        response: { 204: Type.Null({ description: 'Removed' }) },
      },
    },
    async (request, reply) => {
      const session = orgSession(request);
      const orgId = session.orgId;
      const now = deps.clock.now();
      await deps.storage.db.transaction().execute(async (trx) => {
        await lockOrg(deps, trx, orgId);
        const target = await memberOr404(trx, orgId, request.params.userId);
        const denied = denyRemoval({ userId: session.userId, role: session.role }, target);
        if (denied) throw new ApiError('forbidden', denied);
        await removeMembership(trx, orgId, target.userId);
        if (target.role === 'owner') await assertOwnerRemains(trx, orgId);
        await audit(trx, {
          orgId,
          actorType: 'user',
          actorId: session.userId,
          action: 'member.remove',
          targetType: 'user',
          targetId: target.userId,
          details: { role: target.role },
          ip: request.ip,
          at: now,
        });
      });
      return reply.status(204).send(null);
    },
  );
}
