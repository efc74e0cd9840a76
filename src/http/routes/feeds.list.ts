import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { listFeedsOfOrg } from '../../feeds/manage.js';
import { FeedSchema, feedBody } from '../../feeds/views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { FEED_READ_ROLE } from './feeds.common.js';

export function registerFeedsList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/feeds',
    {
      preHandler: [requireSession(deps), requireRole(FEED_READ_ROLE)],
      schema: {
        summary: "List the org's product feeds",
        description: 'Each with its public URL and the figures of its last generation (docs/feeds.md).',
        tags: ['Feeds'],
        security: [{ sessionCookie: [] }],
        querystring: Type.Object({ channelId: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: Type.Object({ data: Type.Array(FeedSchema) }) },
      },
    },
    async (request) => {
      const rows = await listFeedsOfOrg(deps, orgSession(request).orgId, request.query.channelId);
      return { data: rows.map((row) => feedBody(row, deps.config.management.publicBaseUrl)) };
    },
  );
}
