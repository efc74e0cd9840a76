import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { listPixelKeys } from '../../pixel/keys.js';
import { DomainParamsSchema, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';
import { PixelKeySchema } from './pixel-keys.common.js';

export function registerPixelKeysList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains/:id/pixel-keys',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        summary: 'List pixel keys',
        description:
          'The domain’s pk_ keys, newest first: preview, created, last used, status. Keys themselves are never shown again.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        params: DomainParamsSchema,
        response: { 200: Type.Object({ pixelKeys: Type.Array(PixelKeySchema) }) },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      return { pixelKeys: await listPixelKeys(deps, { orgId, domainId: request.params.id }) };
    },
  );
}
