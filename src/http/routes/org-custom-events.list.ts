import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { CustomEventSchema, customEventBody } from '../../public-api/management-views.js';
import { listCustomEvents } from '../../storage/repos/custom-events.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const CustomEventListResponse = Type.Object({ customEvents: Type.Array(CustomEventSchema) });

export function registerOrgCustomEventsList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/custom-events',
    {
      preHandler: [requireSession(deps), requireRole('viewer')],
      schema: {
        summary: 'List custom event definitions',
        description: 'The custom event names the public API accepts for this org (when active), by name.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        response: { 200: CustomEventListResponse },
      },
    },
    async (request) => {
      const definitions = await listCustomEvents(deps.storage.db, orgSession(request).orgId);
      return { customEvents: definitions.map(customEventBody) };
    },
  );
}
