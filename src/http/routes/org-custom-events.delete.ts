import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { audit } from '../../management/audit.js';
import { deleteCustomEvent, getCustomEvent } from '../../storage/repos/custom-events.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerOrgCustomEventsDelete(app: App, deps: AppDeps): void {
  app.delete(
    '/v1/org/custom-events/:id',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        summary: 'Delete a custom event definition',
        description: 'Stored events keep their name; new API events with it answer event_not_found.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: { 200: Type.Object({ id: Type.String(), deleted: Type.Literal(true) }) },
      },
    },
    async (request) => {
      const session = orgSession(request);
      const orgId = session.orgId;
      const now = deps.clock.now();
      const deleted = await deps.storage.db.transaction().execute(async (trx) => {
        const definition = await getCustomEvent(trx, orgId, request.params.id);
        if (!definition || !(await deleteCustomEvent(trx, orgId, request.params.id))) return false;
        await audit(trx, {
          orgId,
          actorType: 'user',
          actorId: session.userId,
          action: 'custom_event.delete',
          targetType: 'custom_event',
          targetId: request.params.id,
          details: { name: definition.name },
          ip: request.ip,
          at: now,
        });
        return true;
      });
      if (!deleted) throw new ApiError('not_found', `No custom event ${request.params.id}`);
      return { id: request.params.id, deleted: true as const };
    },
  );
}
