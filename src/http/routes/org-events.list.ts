import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import {
  decodeCursor,
  EventFilterFields,
  EventLogItemSchema,
  encodeCursor,
  eventLogItem,
  toFilter,
} from '../../management/events/views.js';
import { orgDomainExists } from '../../storage/repos/api-events.js';
import { listEventLog } from '../../storage/repos/event-log.js';
import { sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export const OrgEventsQuery = Type.Object(
  {
    ...EventFilterFields,
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

export const OrgEventsResponse = Type.Object({
  events: Type.Array(EventLogItemSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page.' }),
});

export function registerOrgEventsList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/events',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'The event log of the current org, newest first: commerce data, the names of the match keys present, and each destination’s outcome with its attempt trace. No personal data.',
        querystring: OrgEventsQuery,
        response: { 200: OrgEventsResponse },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const { cursor, limit, ...filters } = request.query;
      // Another org's domain is not found rather than an empty list: ids are never probed silently.
      // Deleted domains keep their events: filtering by one is allowed, as long as it is the org's.
      if (filters.domainId && !(await orgDomainExists(deps.storage.db, orgId, filters.domainId))) {
        throw new ApiError('not_found', `No domain ${filters.domainId}`, { id: filters.domainId });
      }
      const page = await listEventLog(deps.storage.db, toFilter(orgId, filters), {
        ...(cursor ? { cursor: decodeCursor(cursor) } : {}),
        limit: limit ?? 50,
      });
      return {
        events: page.entries.map(eventLogItem),
        nextCursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  );
}
