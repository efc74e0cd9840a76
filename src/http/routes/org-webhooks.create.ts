import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { createWebhookEndpoint } from '../../management/webhooks/create.js';
import { MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH } from '../../management/webhooks/rules.js';
import {
  WebhookEndpointSchema,
  WebhookEventTypeSchema,
  webhookEndpointBody,
} from '../../management/webhooks/views.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE } from './org-webhooks.common.js';

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: MAX_URL_LENGTH,
      description: 'Where messages are POSTed: https, a public address (checked now and on every attempt).',
    }),
    eventTypes: Type.Array(WebhookEventTypeSchema, { minItems: 1, uniqueItems: true }),
    description: Type.Optional(Type.String({ maxLength: MAX_DESCRIPTION_LENGTH })),
    enabled: Type.Optional(Type.Boolean({ description: 'Default true.' })),
  },
  { additionalProperties: false },
);

export const CreateWebhookResponse = Type.Object({
  ...WebhookEndpointSchema.properties,
  secret: Type.Union([Type.String(), Type.Null()], {
    description:
      'The signing secret (whsec_…), shown this once. null in an Idempotency-Key replay (see omittedSecrets): rotate the secret to get a new one.',
  }),
  omittedSecrets: Type.Optional(Type.Array(Type.String())),
});

export function registerOrgWebhooksCreate(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/webhooks',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      config: { idempotency: { shownOnce: ['secret'] } },
      schema: {
        summary: 'Create a webhook endpoint',
        description:
          'Subscribes a URL to event types. Messages are signed per Standard Webhooks with the returned secret (docs/webhooks.md).',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        body: CreateWebhookBody,
        response: { 201: CreateWebhookResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await createWebhookEndpoint(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        url: body.url,
        eventTypes: body.eventTypes,
        description: body.description,
        enabled: body.enabled,
      });
      return reply
        .status(201)
        .send({ ...webhookEndpointBody(created.endpoint, deps.clock.now()), secret: created.secret });
    },
  );
}
