import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH } from '../../management/webhooks/rules.js';
import { updateWebhookEndpointOfOrg } from '../../management/webhooks/update.js';
import {
  WebhookEndpointSchema,
  WebhookEventTypeSchema,
  webhookEndpointBody,
} from '../../management/webhooks/views.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE, WebhookParams } from './org-webhooks.common.js';

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_URL_LENGTH })),
    eventTypes: Type.Optional(Type.Array(WebhookEventTypeSchema, { minItems: 1, uniqueItems: true })),
    description: Type.Optional(Type.String({ maxLength: MAX_DESCRIPTION_LENGTH })),
    enabled: Type.Optional(
      Type.Boolean({
        description:
          'false fails its pending messages (each can be resent); true clears why it was disabled.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function registerOrgWebhooksUpdate(app: App, deps: AppDeps): void {
  app.patch(
    '/v1/org/webhooks/:id',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      schema: {
        summary: 'Change a webhook endpoint',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookEndpointSchema },
      },
    },
    async (request) => {
      const updated = await updateWebhookEndpointOfOrg(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        id: request.params.id,
        ...request.body,
      });
      return webhookEndpointBody(updated, deps.clock.now());
    },
  );
}
