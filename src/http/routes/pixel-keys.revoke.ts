import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { revokePixelKey } from '../../pixel/keys.js';
import { sessionActor, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerPixelKeysRevoke(app: App, deps: AppDeps): void {
  app.delete(
    '/v1/domains/:id/pixel-keys/:keyId',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        summary: 'Revoke a pixel key',
        description:
          'Revokes the key: this node refuses it at once, every other node within 5 seconds (keys are cached that long). Revoking twice keeps the first time.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        params: Type.Object({
          id: Type.String({ minLength: 1, maxLength: 100, description: 'The domain id (dom_…).' }),
          keyId: Type.String({ minLength: 1, maxLength: 100, description: 'The key’s id (pxk_…).' }),
        }),
        response: { 200: Type.Object({ success: Type.Literal(true) }) },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      await revokePixelKey(deps, sessionActor(request), {
        orgId,
        domainId: request.params.id,
        id: request.params.keyId,
      });
      return { success: true as const };
    },
  );
}
