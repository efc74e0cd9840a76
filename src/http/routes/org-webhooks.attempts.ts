import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { listEndpointAttempts, MAX_PAGE } from '../../management/webhooks/messages.js';
import { WebhookAttemptSchema, webhookAttemptBody } from '../../management/webhooks/views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE, WebhookParams } from './org-webhooks.common.js';

export function registerOrgWebhooksAttempts(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/webhooks/:id/attempts',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      schema: {
        summary: 'List a webhook endpoint’s attempts',
        description: 'Every attempt (status, duration, the first 1 KB of the answer, error), newest first.',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        params: WebhookParams,
        querystring: Type.Object(
          {
            messageId: Type.Optional(Type.String({ maxLength: 100, description: 'Only this message’s.' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ attempts: Type.Array(WebhookAttemptSchema) }) },
      },
    },
    async (request) => {
      const rows = await listEndpointAttempts(deps, {
        orgId: orgSession(request).orgId,
        id: request.params.id,
        ...request.query,
      });
      return { attempts: rows.map(webhookAttemptBody) };
    },
  );
}
