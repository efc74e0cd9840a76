import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { DestinationViewSchema, destinationView, STATS_WINDOW_DAYS } from '../../management/domains/views.js';
import { listDomainDestinations } from '../../storage/repos/destinations.js';
import { destinationStats } from '../../storage/repos/domain-admin.js';
import { DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerDomainDestinationsList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains/:id/destinations',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'A domain’s destinations: masked credentials, status with the last error, last delivery and the success rate of the last 7 days.',
        params: DomainParamsSchema,
        response: { 200: Type.Object({ destinations: Type.Array(DestinationViewSchema) }) },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const { db } = deps.storage;
      const rows = await listDomainDestinations(db, orgId, domain.id);
      const since = deps.clock.now() - STATS_WINDOW_DAYS * 24 * 3600_000;
      const stats = await destinationStats(
        db,
        orgId,
        rows.map((r) => r.id),
        since,
      );
      return { destinations: rows.map((row) => destinationView(deps.sealer, row, stats.get(row.id))) };
    },
  );
}
