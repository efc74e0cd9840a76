import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { regenerateSyncToken } from '../../storage/repos/domain-admin.js';
import { auditUserWrite, DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerDomainsRegenerateToken(app: App, deps: AppDeps): void {
  app.post(
    '/v1/domains/:id/regenerate-token',
    {
      preHandler: sessionRole(deps, 'admin'),
      // The token is shown in this answer only: an idempotent replay answers it as null and never stores it.
      config: { idempotency: { shownOnce: ['syncToken'] } },
      schema: {
        description:
          'Issues a new sync token for the shop plugin. The old one stops working at once; the new one is shown only in this answer (it is stored hashed).',
        params: DomainParamsSchema,
        response: {
          200: Type.Object({
            id: Type.String(),
            syncToken: Type.Union([Type.String(), Type.Null()], {
              description:
                '64 hex characters; paste it into the plugin’s settings. null in an Idempotency-Key replay (see omittedSecrets).',
            }),
            omittedSecrets: Type.Optional(
              Type.Array(Type.String(), {
                description:
                  'Only in an Idempotency-Key replay: ["syncToken"], shown in the first answer only.',
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const now = deps.clock.now();
      const syncToken = await deps.storage.db.transaction().execute(async (trx) => {
        const token = await regenerateSyncToken(trx, orgId, domain.id, now);
        await auditUserWrite(
          deps,
          request,
          { action: 'domain.regenerate_sync_token', targetType: 'domain', targetId: domain.id },
          trx,
        );
        return token;
      });
      return { id: domain.id, syncToken };
    },
  );
}
