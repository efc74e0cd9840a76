import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { createOrg } from '../../management/orgs/create-org.js';
import { OrgNameSchema, OrgSettingsSchema, orgSettingsView } from '../../management/orgs/views.js';
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
      const actor = { type: 'user' as const, id: session.userId, ip: request.ip };
      const org = await createOrg(deps, actor, {
        name: request.body.name,
        plan: 'free',
        owner: { userId: session.userId },
        within: (trx, created) => setSessionOrg(trx, session.sessionId, created.id),
      });
      return reply.status(201).send(orgSettingsView(deps, org, 'owner'));
    },
  );
}
