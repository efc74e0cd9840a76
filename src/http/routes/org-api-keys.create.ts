import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { audit } from '../../management/audit.js';
import { createApiKey, SCOPES } from '../../public-api/keys.js';
import { ApiKeySchema, apiKeyBody, ScopeSchema } from '../../public-api/management-views.js';
import { getDomain } from '../../storage/repos/domains.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'What the key is for, e.g. "ERP export".',
    }),
    scopes: Type.Optional(
      Type.Array(ScopeSchema, { minItems: 1, uniqueItems: true, description: 'Default: all three.' }),
    ),
    domainId: Type.Optional(Type.String({ maxLength: 100, description: 'Restrict the key to one domain.' })),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default: never.' })),
  },
  { additionalProperties: false },
);

export const CreateApiKeyResponse = Type.Object({
  ...ApiKeySchema.properties,
  key: Type.Union([Type.String(), Type.Null()], {
    description:
      'The key (sp_…). Shown this once: store it now; only its hash is kept. null in an Idempotency-Key replay (see omittedSecrets).',
  }),
  omittedSecrets: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Only in an Idempotency-Key replay: ["key"] — the key was shown in the first answer only and is not kept. Lost it? Revoke this key and create a new one.',
    }),
  ),
});

export function registerOrgApiKeysCreate(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/api-keys',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      // The key is shown in this answer only: an idempotent replay answers it as null and never stores it.
      config: { idempotency: { shownOnce: ['key'] } },
      schema: {
        summary: 'Create an API key',
        description:
          'Creates a key for server-to-server use. The response holds the key in cleartext once. Never put a key into a browser or app.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        body: CreateApiKeyBody,
        response: { 201: CreateApiKeyResponse },
      },
    },
    async (request, reply) => {
      const session = orgSession(request);
      const orgId = session.orgId;
      const now = deps.clock.now();
      const body = request.body;
      if (body.domainId !== undefined) {
        const domain = await getDomain(deps.storage.db, orgId, body.domainId);
        if (!domain || domain.status === 'deleted') {
          throw new ApiError('not_found', `No domain ${body.domainId}`, { field: 'domainId' });
        }
      }
      let expiresAt: number | null = null;
      if (body.expiresAt !== undefined) {
        expiresAt = Date.parse(body.expiresAt);
        if (Number.isNaN(expiresAt) || expiresAt <= now) {
          throw new ApiError('validation_failed', 'expiresAt must be in the future', { field: 'expiresAt' });
        }
      }
      const created = await deps.storage.db.transaction().execute(async (trx) => {
        const result = await createApiKey(trx, {
          orgId,
          domainId: body.domainId ?? null,
          name: body.name.trim(),
          scopes: body.scopes ?? [...SCOPES],
          createdBy: session.userId,
          expiresAt,
          now,
        });
        await audit(trx, {
          orgId,
          actorType: 'user',
          actorId: session.userId,
          action: 'api_key.create',
          targetType: 'api_key',
          targetId: result.apiKey.id,
          details: {
            name: result.apiKey.name,
            prefix: result.apiKey.prefix,
            scopes: result.apiKey.scopes,
            domainId: result.apiKey.domainId,
          },
          ip: request.ip,
          at: now,
        });
        return result;
      });
      return reply.status(201).send({ ...apiKeyBody(created.apiKey, now), key: created.key });
    },
  );
}
