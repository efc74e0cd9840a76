import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { audit } from '../../management/audit.js';
import { CustomEventSchema, customEventBody } from '../../public-api/management-views.js';
import { getCustomEvent, updateCustomEvent } from '../../storage/repos/custom-events.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const UpdateCustomEventBody = Type.Object(
  {
    isActive: Type.Optional(Type.Boolean()),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function registerOrgCustomEventsUpdate(app: App, deps: AppDeps): void {
  app.patch(
    '/v1/org/custom-events/:id',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        summary: 'Activate or deactivate a custom event',
        description: 'An inactive definition makes POST /api/v1/events answer event_not_found for its name.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        body: UpdateCustomEventBody,
        response: { 200: CustomEventSchema },
      },
    },
    async (request) => {
      const session = orgSession(request);
      const orgId = session.orgId;
      const now = deps.clock.now();
      const updated = await deps.storage.db.transaction().execute(async (trx) => {
        if (!(await getCustomEvent(trx, orgId, request.params.id))) return undefined;
        const definition = await updateCustomEvent(trx, orgId, request.params.id, request.body, now);
        await audit(trx, {
          orgId,
          actorType: 'user',
          actorId: session.userId,
          action: 'custom_event.update',
          targetType: 'custom_event',
          targetId: request.params.id,
          details: { ...request.body, name: definition?.name },
          ip: request.ip,
          at: now,
        });
        return definition;
      });
      if (!updated) throw new ApiError('not_found', `No custom event ${request.params.id}`);
      return customEventBody(updated);
    },
  );
}
