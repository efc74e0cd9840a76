import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { replayDeliveries } from '../../management/events/replay.js';
import { EventFilterFields } from '../../management/events/views.js';
import { sessionActor, sessionRole } from '../auth/org-access.js';
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
      return replayDeliveries(deps, sessionActor(request), { orgId, ...request.body });
    },
  );
}
