import type { AppDeps } from '../../app-deps.js';
import { sendWebhookTest } from '../../management/webhooks/send-test.js';
import { WebhookMessageSchema, webhookMessageBody } from '../../management/webhooks/views.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE, WebhookParams } from './org-webhooks.common.js';

export function registerOrgWebhooksSendTest(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/webhooks/:id/test',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      schema: {
        summary: 'Send a test message',
        description:
          'Queues a webhook.ping ({"endpointId"}) for this endpoint; follow it in the messages and attempts.',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        params: WebhookParams,
        response: { 202: WebhookMessageSchema },
      },
    },
    async (request, reply) => {
      const message = await sendWebhookTest(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        id: request.params.id,
      });
      return reply.status(202).send(webhookMessageBody(message));
    },
  );
}
