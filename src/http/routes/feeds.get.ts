import type { AppDeps } from '../../app-deps.js';
import { getFeedOfOrg } from '../../feeds/manage.js';
import { FeedSchema, feedBody } from '../../feeds/views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { FEED_READ_ROLE, FeedParams } from './feeds.common.js';

export function registerFeedsGet(app: App, deps: AppDeps): void {
  app.get(
    '/v1/feeds/:id',
    {
      preHandler: [requireSession(deps), requireRole(FEED_READ_ROLE)],
      schema: {
        summary: 'Get a product feed',
        description:
          'The definition, its public URL, and the last generation: when, products, and products left out per missing field.',
        tags: ['Feeds'],
        security: [{ sessionCookie: [] }],
        params: FeedParams,
        response: { 200: FeedSchema },
      },
    },
    async (request) => {
      const row = await getFeedOfOrg(deps, orgSession(request).orgId, request.params.id);
      return feedBody(row, deps.config.management.publicBaseUrl);
    },
  );
}
