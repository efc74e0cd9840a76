import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { FeedFiltersSchema, FeedFormatSchema, FeedOverridesSchema } from '../../feeds/definition.js';
import { updateFeed } from '../../feeds/manage.js';
import { FeedSchema, feedBody } from '../../feeds/views.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { FEED_WRITE_ROLE, FeedParams } from './feeds.common.js';
import { FeedSlugSchema } from './feeds.create.js';

export const UpdateFeedBody = Type.Object(
  {
    channelId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    slug: Type.Optional(FeedSlugSchema),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    format: Type.Optional(FeedFormatSchema),
    filters: Type.Optional(FeedFiltersSchema),
    overrides: Type.Optional(FeedOverridesSchema),
    published: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function registerFeedsUpdate(app: App, deps: AppDeps): void {
  app.patch(
    '/v1/feeds/:id',
    {
      preHandler: [requireSession(deps), requireRole(FEED_WRITE_ROLE)],
      schema: {
        summary: 'Change a product feed',
        description:
          'Any change takes effect on the next request of the feed (its cached output is dropped). filters and overrides are replaced whole.',
        tags: ['Feeds'],
        security: [{ sessionCookie: [] }],
        params: FeedParams,
        body: UpdateFeedBody,
        response: { 200: FeedSchema },
      },
    },
    async (request) => {
      const row = await updateFeed(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        id: request.params.id,
        changes: request.body,
      });
      return feedBody(row, deps.config.management.publicBaseUrl);
    },
  );
}
