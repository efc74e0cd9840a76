import type { AppDeps } from '../../app-deps.js';
import { resendWebhookMessageOfOrg } from '../../management/webhooks/resend.js';
import { WebhookMessageSchema, webhookMessageBody } from '../../management/webhooks/views.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE, WebhookMessageParams } from './org-webhooks.common.js';

export function registerOrgWebhooksResend(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/webhooks/:id/messages/:messageId/resend',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      schema: {
        summary: 'Resend a webhook message',
        description:
          'The message (same id and body: receivers deduplicate on webhook-id) is sent again now, whatever its state.',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        params: WebhookMessageParams,
        response: { 202: WebhookMessageSchema },
      },
    },
    async (request, reply) => {
      const message = await resendWebhookMessageOfOrg(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        id: request.params.id,
        messageId: request.params.messageId,
      });
      return reply.status(202).send(webhookMessageBody(message));
    },
  );
}
