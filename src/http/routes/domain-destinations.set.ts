import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { DESTINATION_TYPES } from '../../destinations/types.js';
import { ApiError } from '../../errors.js';
import { setDestination } from '../../management/destinations/set.js';
import { DestinationViewSchema, destinationView, STATS_WINDOW_DAYS } from '../../management/domains/views.js';
import { destinationStats, lockDomain } from '../../storage/repos/domain-admin.js';
import { auditUserWrite, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export const SetDestinationParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The domain id (dom_…).' }),
  type: Type.Union(
    DESTINATION_TYPES.map((t) => Type.Literal(t)),
    { description: 'The destination type (see GET /v1/destination-types).' },
  ),
});

export const SetDestinationBody = Type.Object(
  {
    config: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'The full configuration, as the type’s configSchema describes it (secrets in clear; stored sealed).',
    }),
  },
  { additionalProperties: false },
);

export function registerDomainDestinationsSet(app: App, deps: AppDeps): void {
  app.put(
    '/v1/domains/:id/destinations/:type',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'Sets or replaces the domain’s destination of one type. A new configuration clears needs_attention, so a queue held for bad credentials drains. The plugin’s next sync replaces it again.',
        params: SetDestinationParams,
        body: SetDestinationBody,
        response: { 200: DestinationViewSchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const type = request.params.type;
      const now = deps.clock.now();
      const { db } = deps.storage;
      const row = await db.transaction().execute(async (trx) => {
        const locked = await lockDomain(trx, deps.storage.dialect, domain.id);
        if (locked?.status === 'deleted') throw new ApiError('not_found', `No domain ${domain.id}`);
        const result = await setDestination(trx, deps.sealer, {
          orgId,
          domainId: domain.id,
          type,
          config: request.body.config,
          now,
        });
        if (!result.ok) {
          throw new ApiError('validation_failed', `Invalid ${type} config: ${result.errors.join('; ')}`, {
            field: 'config',
            errors: result.errors,
          });
        }
        await auditUserWrite(
          deps,
          request,
          {
            action: 'destination.set',
            targetType: 'destination',
            targetId: result.destination.id,
            // Field names only: values may be secrets.
            details: { domainId: domain.id, type, fields: Object.keys(request.body.config).sort() },
          },
          trx,
        );
        return result.destination;
      });
      deps.domains.invalidate();
      const stats = await destinationStats(db, orgId, [row.id], now - STATS_WINDOW_DAYS * 24 * 3600_000);
      return destinationView(deps.sealer, row, stats.get(row.id));
    },
  );
}
