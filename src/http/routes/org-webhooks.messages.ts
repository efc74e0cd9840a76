import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { listEndpointMessages, MAX_PAGE, MESSAGE_STATUSES } from '../../management/webhooks/messages.js';
import { WebhookMessageSchema, webhookMessageBody } from '../../management/webhooks/views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE, WebhookParams } from './org-webhooks.common.js';

export function registerOrgWebhooksMessages(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/webhooks/:id/messages',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      schema: {
        summary: 'List a webhook endpoint’s messages',
        description: `Newest first, ${MAX_PAGE} at most per page; page on with before=<the last id>.`,
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        params: WebhookParams,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum([...MESSAGE_STATUSES])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50 })),
            before: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ messages: Type.Array(WebhookMessageSchema) }) },
      },
    },
    async (request) => {
      const rows = await listEndpointMessages(deps, {
        orgId: orgSession(request).orgId,
        id: request.params.id,
        ...request.query,
      });
      return { messages: rows.map(webhookMessageBody) };
    },
  );
}
