import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { listOrgApiKeys } from '../../public-api/api-keys/list.js';
import { ApiKeySchema, apiKeyBody } from '../../public-api/management-views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const ApiKeyListResponse = Type.Object({ apiKeys: Type.Array(ApiKeySchema) });

export function registerOrgApiKeysList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/api-keys',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        summary: 'List API keys',
        description:
          'The org’s API keys, newest first: prefix, scopes, domain, created, last used, status. Keys themselves are never shown again.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        response: { 200: ApiKeyListResponse },
      },
    },
    async (request) => {
      const now = deps.clock.now();
      const keys = await listOrgApiKeys(deps, orgSession(request).orgId);
      return { apiKeys: keys.map((k) => apiKeyBody(k, now)) };
    },
  );
}
