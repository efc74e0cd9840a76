import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { DESTINATION_TYPES } from '../../destinations/types.js';
import { setDestination } from '../../management/domains/set-destination.js';
import { DestinationViewSchema, destinationView, STATS_WINDOW_DAYS } from '../../management/domains/views.js';
import { destinationStats } from '../../storage/repos/domain-admin.js';
import { sessionActor, sessionRole } from '../auth/org-access.js';
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
      const row = await setDestination(deps, sessionActor(request), {
        orgId,
        domainId: request.params.id,
        type: request.params.type,
        config: request.body.config,
      });
      const now = deps.clock.now();
      const { db } = deps.storage;
      const stats = await destinationStats(db, orgId, [row.id], now - STATS_WINDOW_DAYS * 24 * 3600_000);
      return destinationView(deps.sealer, row, stats.get(row.id));
    },
  );
}
