import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { EventFilterFields, toFilter } from '../../management/events/views.js';
import { foreignIds, replayOrgDeliveries } from '../../storage/repos/event-log.js';
import { auditUserWrite, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

const Ids = (prefix: string, description: string) =>
  Type.Array(Type.String({ pattern: `^${prefix}_[0-9a-z]{1,64}$` }), {
    minItems: 1,
    maxItems: 1000,
    description,
  });

export const ReplayBody = Type.Object(
  {
    deliveryIds: Type.Optional(Ids('dlv', 'Replay these deliveries (if failed or dead).')),
    eventIds: Type.Optional(Ids('evt', 'Replay the failed or dead deliveries of these events.')),
    filters: Type.Optional(
      Type.Object(
        {
          ...EventFilterFields,
          outcome: Type.Optional(Type.Union([Type.Literal('failed'), Type.Literal('dead')])),
        },
        {
          additionalProperties: false,
          description: 'The event log’s filters; {} selects every failed or dead delivery of the org.',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ReplayResponse = Type.Object({
  matched: Type.Integer({ description: 'Failed or dead deliveries selected.' }),
  replayed: Type.Integer({ description: 'Back to pending, due now.' }),
  unavailable: Type.Integer({
    description:
      'Selected but not replayable: the event’s personal data was already erased, or its destination removed.',
  }),
});

export function registerOrgEventsReplay(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/events/replay',
    {
      preHandler: sessionRole(deps, 'member'),
      schema: {
        description:
          'Sends failed or dead deliveries again, chosen by ids and/or the event log’s filters (all given criteria apply). Fix the destination first: a destination in needs_attention holds its queue until its configuration changes.',
        body: ReplayBody,
        response: { 200: ReplayResponse },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const { deliveryIds, eventIds, filters } = request.body;
      if (!deliveryIds && !eventIds && !filters) {
        throw new ApiError('validation_failed', 'Give deliveryIds, eventIds or filters ({} for all)', {
          field: '(body)',
          reason: 'nothing selected',
        });
      }
      const { db } = deps.storage;
      const foreign = [
        ...(deliveryIds ? await foreignIds(db, orgId, 'deliveries', deliveryIds) : []),
        ...(eventIds ? await foreignIds(db, orgId, 'events', eventIds) : []),
      ];
      if (foreign.length > 0) {
        throw new ApiError(
          'not_found',
          `No such ${foreign.length === 1 ? 'id' : 'ids'}: ${foreign.slice(0, 5).join(', ')}`,
          {
            ids: foreign,
          },
        );
      }
      if (filters?.domainId) {
        const own = await db
          .selectFrom('domains')
          .select('id')
          .where('id', '=', filters.domainId)
          .where('org_id', '=', orgId)
          .executeTakeFirst();
        if (!own) throw new ApiError('not_found', `No domain ${filters.domainId}`, { id: filters.domainId });
      }
      const now = deps.clock.now();
      const result = await db.transaction().execute(async (trx) => {
        const replay = await replayOrgDeliveries(trx, {
          filter: toFilter(orgId, filters ?? {}),
          ...(deliveryIds ? { deliveryIds } : {}),
          ...(eventIds ? { eventIds } : {}),
          now,
          retryHorizonMs: deps.config.delivery.retryHorizonMs,
        });
        await auditUserWrite(
          deps,
          request,
          {
            action: 'events.replay',
            targetType: 'org',
            targetId: orgId,
            details: {
              ...replay,
              filters: filters ?? null,
              deliveryIds: deliveryIds?.length ?? 0,
              eventIds: eventIds?.length ?? 0,
            },
          },
          trx,
        );
        return replay;
      });
      return result;
    },
  );
}
