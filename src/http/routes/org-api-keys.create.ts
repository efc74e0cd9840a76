import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { createApiKey } from '../../public-api/api-keys/create.js';
import { ApiKeySchema, apiKeyBody, ScopeSchema } from '../../public-api/management-views.js';
import { sessionActor } from '../auth/org-access.js';
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
      Type.Array(ScopeSchema, {
        minItems: 1,
        uniqueItems: true,
        description: 'Default: events:read, events:write, stats:read.',
      }),
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
      const body = request.body;
      const created = await createApiKey(deps, sessionActor(request), {
        orgId: session.orgId,
        name: body.name,
        scopes: body.scopes,
        domainId: body.domainId,
        expiresAt: body.expiresAt === undefined ? null : Date.parse(body.expiresAt),
      });
      const now = deps.clock.now();
      return reply.status(201).send({ ...apiKeyBody(created.apiKey, now), key: created.key });
    },
  );
}
