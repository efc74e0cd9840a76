import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { audit } from '../../management/audit.js';
import { OrgNameSchema, OrgSettingsSchema, orgSettingsView } from '../../management/orgs/views.js';
import { addMembership } from '../../storage/repos/memberships.js';
import { createOrg } from '../../storage/repos/orgs.js';
import { setSessionOrg } from '../../storage/repos/sessions.js';
import { requireSession, signedInSession } from '../auth/session.js';
import type { App } from '../types.js';

// No plan here: plans are set by operators (CLI `org set`); a new org starts on free.
export const CreateOrgBody = Type.Object({ name: OrgNameSchema }, { additionalProperties: false });

export function registerOrgsCreate(app: App, deps: AppDeps): void {
  app.post(
    '/v1/orgs',
    {
      // Any signed-in user may start an org; they become its owner.
      preHandler: [requireSession(deps)],
      schema: {
        description:
          'Creates an org on the free plan. You become its owner and it becomes the session’s current org.',
        body: CreateOrgBody,
        response: { 201: OrgSettingsSchema },
      },
    },
    async (request, reply) => {
      const session = signedInSession(request);
      const now = deps.clock.now();
      const org = await deps.storage.db.transaction().execute(async (trx) => {
        const created = await createOrg(trx, { name: request.body.name.trim(), plan: 'free', now });
        await addMembership(trx, { orgId: created.id, userId: session.userId, role: 'owner', now });
        await setSessionOrg(trx, session.sessionId, created.id);
        await audit(trx, {
          orgId: created.id,
          actorType: 'user',
          actorId: session.userId,
          action: 'org.create',
          targetType: 'org',
          targetId: created.id,
          details: { name: created.name },
          ip: request.ip,
          at: now,
        });
        return created;
      });
      return reply.status(201).send(orgSettingsView(deps, org, 'owner'));
    },
  );
}
