import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { audit } from '../../management/audit.js';
import { denyRoleChange } from '../../management/orgs/member-rules.js';
import { MemberSchema } from '../../management/orgs/member-schema.js';
import { assertOwnerRemains, lockOrg, memberOr404, memberView } from '../../management/orgs/members.js';
import { RoleSchema } from '../../management/orgs/views.js';
import { setMemberRole } from '../../storage/repos/memberships.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const UpdateMemberParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) });
export const UpdateMemberBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });

export function registerOrgMembersUpdate(app: App, deps: AppDeps): void {
  app.patch(
    '/v1/org/members/:userId',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        description:
          'Changes a member’s role. Not your own; owners only by owners; the last owner stays owner.',
        params: UpdateMemberParams,
        body: UpdateMemberBody,
        response: { 200: MemberSchema },
      },
    },
    async (request) => {
      const session = orgSession(request);
      const orgId = session.orgId;
      const now = deps.clock.now();
      const role = request.body.role;
      const member = await deps.storage.db.transaction().execute(async (trx) => {
        await lockOrg(deps, trx, orgId);
        const target = await memberOr404(trx, orgId, request.params.userId);
        const denied = denyRoleChange({ userId: session.userId, role: session.role }, target, role);
        if (denied) throw new ApiError('forbidden', denied);
        if (target.role === role) return target;
        await setMemberRole(trx, orgId, target.userId, role);
        if (target.role === 'owner') await assertOwnerRemains(trx, orgId);
        await audit(trx, {
          orgId,
          actorType: 'user',
          actorId: session.userId,
          action: 'member.role_change',
          targetType: 'user',
          targetId: target.userId,
          details: { from: target.role, to: role },
          ip: request.ip,
          at: now,
        });
        return { ...target, role };
      });
      return memberView(member);
    },
  );
}
