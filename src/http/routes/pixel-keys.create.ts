import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { createPixelKey } from '../../pixel/keys.js';
import { DomainParamsSchema, sessionActor, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import { missingBodyAsEmptyObject } from '../empty-json-body.js';
import type { App } from '../types.js';
import { PixelKeySchema } from './pixel-keys.common.js';

export const CreatePixelKeyResponse = Type.Object({
  ...PixelKeySchema.properties,
  key: Type.Union([Type.String(), Type.Null()], {
    description:
      'The key (pk_…), shown this once (only its hash is kept). Publishable: it sits in the page source. null in an Idempotency-Key replay (see omittedSecrets).',
  }),
  snippet: Type.Union([Type.String(), Type.Null()], {
    description:
      'The <script> tags to paste into every page of the shop (they hold the key). null in an Idempotency-Key replay.',
  }),
  omittedSecrets: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Only in an Idempotency-Key replay: ["key","snippet"], shown in the first answer only.',
    }),
  ),
});

export function registerPixelKeysCreate(app: App, deps: AppDeps): void {
  app.post(
    '/v1/domains/:id/pixel-keys',
    {
      preHandler: sessionRole(deps, 'admin'),
      config: { idempotency: { shownOnce: ['key', 'snippet'] } },
      // Every field is optional, so is the body: a bare POST creates a key with the default name.
      preValidation: missingBodyAsEmptyObject,
      schema: {
        summary: 'Create a pixel key',
        description:
          'Creates a publishable pk_ key for the domain’s first-party pixel: it only sends events to POST /v1/collect, and only from the domain’s shop origins. The answer holds the key and the snippet to paste once.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        params: DomainParamsSchema,
        body: Type.Object(
          {
            name: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 100,
                description: 'What the key is for. Default: "Website pixel".',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatePixelKeyResponse },
      },
    },
    async (request, reply) => {
      const { orgId } = orgSession(request);
      const created = await createPixelKey(deps, sessionActor(request), {
        orgId,
        domainId: request.params.id,
        name: request.body.name,
      });
      return reply.status(201).send({ ...created.pixelKey, key: created.key, snippet: created.snippet });
    },
  );
}
