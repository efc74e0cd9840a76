import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import {
  FeedFiltersSchema,
  FeedFormatSchema,
  FeedOverridesSchema,
  SLUG_PATTERN,
} from '../../feeds/definition.js';
import { createFeed } from '../../feeds/manage.js';
import { FeedSchema, feedBody } from '../../feeds/views.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { FEED_WRITE_ROLE } from './feeds.common.js';

export const FeedSlugSchema = Type.String({
  minLength: 3,
  maxLength: 100,
  pattern: SLUG_PATTERN,
  description: 'Unique across the service: lower-case letters, digits and hyphens.',
});

export const CreateFeedBody = Type.Object(
  {
    channelId: Type.String({ minLength: 1, maxLength: 100, description: "One of the org's store channels." }),
    slug: FeedSlugSchema,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Default: the slug.' })),
    format: FeedFormatSchema,
    filters: Type.Optional(FeedFiltersSchema),
    overrides: Type.Optional(FeedOverridesSchema),
    published: Type.Optional(Type.Boolean({ description: 'Default false.' })),
  },
  { additionalProperties: false },
);

export function registerFeedsCreate(app: App, deps: AppDeps): void {
  app.post(
    '/v1/feeds',
    {
      preHandler: [requireSession(deps), requireRole(FEED_WRITE_ROLE)],
      schema: {
        summary: 'Create a product feed',
        description:
          "A feed of one store channel's catalogue, public at /api/public/feeds/<slug> once published.",
        tags: ['Feeds'],
        security: [{ sessionCookie: [] }],
        body: CreateFeedBody,
        response: { 201: FeedSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const row = await createFeed(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        channelId: body.channelId,
        slug: body.slug,
        name: body.name,
        format: body.format,
        filters: body.filters,
        overrides: body.overrides,
        published: body.published,
      });
      return reply.status(201).send(feedBody(row, deps.config.management.publicBaseUrl));
    },
  );
}
