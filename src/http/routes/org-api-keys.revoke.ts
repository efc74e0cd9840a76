import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { revokeApiKey } from '../../public-api/api-keys/revoke.js';
import { ApiKeySchema, apiKeyBody } from '../../public-api/management-views.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerOrgApiKeysRevoke(app: App, deps: AppDeps): void {
  app.delete(
    '/v1/org/api-keys/:id',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        summary: 'Revoke an API key',
        description:
          'Revokes the key: every node refuses it from the next request on (keys are looked up per request). Revoking twice keeps the first time.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: { 200: ApiKeySchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const revoked = await revokeApiKey(deps, sessionActor(request), { orgId, id: request.params.id });
      return apiKeyBody(revoked, deps.clock.now());
    },
  );
}
