import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { audit } from '../../management/audit.js';
import {
  currentOrg,
  OrgNameSchema,
  OrgSettingsSchema,
  orgSettingsView,
} from '../../management/orgs/views.js';
import { renameOrg } from '../../storage/repos/orgs.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

// Only the name: id, plan and subscription are not the org's to change (unknown fields are a 400).
export const UpdateOrgSettingsBody = Type.Object({ name: OrgNameSchema }, { additionalProperties: false });

export function registerOrgSettingsUpdate(app: App, deps: AppDeps): void {
  app.patch(
    '/v1/org/settings',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        description: 'Renames the current org. Plan changes are made by operators.',
        body: UpdateOrgSettingsBody,
        response: { 200: OrgSettingsSchema },
      },
    },
    async (request) => {
      const session = orgSession(request);
      const orgId = session.orgId;
      const before = await currentOrg(deps, orgId);
      const name = request.body.name.trim();
      const now = deps.clock.now();
      await deps.storage.db.transaction().execute(async (trx) => {
        await renameOrg(trx, orgId, name);
        await audit(trx, {
          orgId,
          actorType: 'user',
          actorId: session.userId,
          action: 'org.update',
          targetType: 'org',
          targetId: orgId,
          details: { name: { from: before.name, to: name } },
          ip: request.ip,
          at: now,
        });
      });
      return orgSettingsView(deps, { ...before, name }, session.role);
    },
  );
}
