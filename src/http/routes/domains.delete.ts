import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { lockDomain, softDeleteDomain } from '../../storage/repos/domain-admin.js';
import { auditUserWrite, DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerDomainsDelete(app: App, deps: AppDeps): void {
  app.delete(
    '/v1/domains/:id',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'Deletes a domain: its host stops resolving at once, its destinations and their credentials are removed and pending deliveries end. Past events stay in the event log; the plugin’s next sync is told routing_status deleted.',
        params: DomainParamsSchema,
        response: {
          200: Type.Object({
            id: Type.String(),
            deleted: Type.Literal(true),
            destinationsRemoved: Type.Integer(),
            deliveriesClosed: Type.Integer({ description: 'Pending deliveries ended as failed.' }),
          }),
        },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const now = deps.clock.now();
      const result = await deps.storage.db.transaction().execute(async (trx) => {
        const locked = await lockDomain(trx, deps.storage.dialect, domain.id);
        if (locked?.status === 'deleted') throw new ApiError('not_found', `No domain ${domain.id}`);
        const done = await softDeleteDomain(trx, domain, now);
        await auditUserWrite(
          deps,
          request,
          {
            action: 'domain.delete',
            targetType: 'domain',
            targetId: domain.id,
            details: { host: domain.host, ...done },
          },
          trx,
        );
        return done;
      });
      // Every node stops resolving the host (and its pixel keys) once the announcement reaches it.
      await deps.caches.orgChanged(orgId);
      return { id: domain.id, deleted: true as const, ...result };
    },
  );
}
