import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { audit } from '../../management/audit.js';
import { ApiKeySchema, apiKeyBody } from '../../public-api/management-views.js';
import { getApiKey, revokeApiKey } from '../../storage/repos/api-keys.js';
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
      const session = orgSession(request);
      const orgId = session.orgId;
      const now = deps.clock.now();
      const revoked = await deps.storage.db.transaction().execute(async (trx) => {
        const existing = await getApiKey(trx, orgId, request.params.id);
        if (!existing) return undefined;
        const key = await revokeApiKey(trx, orgId, request.params.id, now);
        if (existing.revokedAt === null) {
          await audit(trx, {
            orgId,
            actorType: 'user',
            actorId: session.userId,
            action: 'api_key.revoke',
            targetType: 'api_key',
            targetId: request.params.id,
            details: { name: existing.name, prefix: existing.prefix },
            ip: request.ip,
            at: now,
          });
        }
        return key;
      });
      if (!revoked) throw new ApiError('not_found', `No API key ${request.params.id}`);
      return apiKeyBody(revoked, now);
    },
  );
}
