import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { DestinationViewSchema, destinationView, STATS_WINDOW_DAYS } from '../../management/domains/views.js';
import {
  destinationStats,
  getDomainDestination,
  setDestinationEnabled,
} from '../../storage/repos/domain-admin.js';
import { auditUserWrite, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export const DestinationParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The domain id (dom_…).' }),
  destinationId: Type.String({ minLength: 1, maxLength: 100, description: 'The destination id (dst_…).' }),
});

export const UpdateDestinationBody = Type.Object(
  {
    enabled: Type.Boolean({
      description:
        'false pauses the destination: new events get no delivery for it, queued ones wait (until the retry horizon).',
    }),
  },
  { additionalProperties: false },
);

export function registerDomainDestinationsUpdate(app: App, deps: AppDeps): void {
  app.patch(
    '/v1/domains/:id/destinations/:destinationId',
    {
      preHandler: sessionRole(deps, 'member'),
      schema: {
        description: 'Enables or pauses a destination.',
        params: DestinationParamsSchema,
        body: UpdateDestinationBody,
        response: { 200: DestinationViewSchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const { db } = deps.storage;
      const row = await getDomainDestination(db, orgId, domain.id, request.params.destinationId);
      if (!row) {
        throw new ApiError('not_found', `No destination ${request.params.destinationId}`, {
          id: request.params.destinationId,
        });
      }
      const { enabled } = request.body;
      const now = deps.clock.now();
      await db.transaction().execute(async (trx) => {
        await setDestinationEnabled(trx, orgId, row.id, enabled, now);
        await auditUserWrite(
          deps,
          request,
          {
            action: enabled ? 'destination.enable' : 'destination.disable',
            targetType: 'destination',
            targetId: row.id,
            details: { domainId: domain.id, type: row.type },
          },
          trx,
        );
      });
      // The ingest path creates deliveries only for enabled destinations: every node refreshes its view.
      await deps.caches.orgChanged(orgId);
      const updated = (await getDomainDestination(db, orgId, domain.id, row.id)) ?? row;
      const stats = await destinationStats(db, orgId, [row.id], now - STATS_WINDOW_DAYS * 24 * 3600_000);
      return destinationView(deps.sealer, updated, stats.get(row.id));
    },
  );
}
