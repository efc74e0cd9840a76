import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { deleteFeed } from '../../feeds/manage.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { FEED_WRITE_ROLE, FeedParams } from './feeds.common.js';

export function registerFeedsDelete(app: App, deps: AppDeps): void {
  app.delete(
    '/v1/feeds/:id',
    {
      preHandler: [requireSession(deps), requireRole(FEED_WRITE_ROLE)],
      schema: {
        summary: 'Delete a product feed',
        description: 'Its public URL answers 404 from now on; the slug becomes free.',
        tags: ['Feeds'],
        security: [{ sessionCookie: [] }],
        params: FeedParams,
        response: { 200: Type.Object({ id: Type.String(), deleted: Type.Literal(true) }) },
      },
    },
    async (request) => {
      await deleteFeed(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        id: request.params.id,
      });
      return { id: request.params.id, deleted: true as const };
    },
  );
}
