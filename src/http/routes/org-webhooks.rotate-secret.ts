import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { rotateWebhookSecret } from '../../management/webhooks/rotate-secret.js';
import { WebhookEndpointSchema, webhookEndpointBody } from '../../management/webhooks/views.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE, WebhookParams } from './org-webhooks.common.js';

export function registerOrgWebhooksRotateSecret(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/webhooks/:id/rotate-secret',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      config: { idempotency: { shownOnce: ['secret'] } },
      schema: {
        summary: 'Rotate a webhook endpoint’s signing secret',
        description:
          'Returns the new secret once. The old one keeps signing beside it (a second v1 signature in webhook-signature) for WEBHOOK_SECRET_GRACE_HOURS.',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        params: WebhookParams,
        response: {
          200: Type.Object({
            ...WebhookEndpointSchema.properties,
            secret: Type.Union([Type.String(), Type.Null()], {
              description: 'The new secret (whsec_…), shown this once; null in an Idempotency-Key replay.',
            }),
            omittedSecrets: Type.Optional(Type.Array(Type.String())),
          }),
        },
      },
    },
    async (request) => {
      const rotated = await rotateWebhookSecret(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        id: request.params.id,
      });
      return { ...webhookEndpointBody(rotated.endpoint, deps.clock.now()), secret: rotated.secret };
    },
  );
}
