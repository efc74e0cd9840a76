import type { AppDeps } from '../../app-deps.js';
import { getWebhookEndpointOfOrg } from '../../management/webhooks/list.js';
import { WebhookEndpointSchema, webhookEndpointBody } from '../../management/webhooks/views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE, WebhookParams } from './org-webhooks.common.js';

export function registerOrgWebhooksGet(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/webhooks/:id',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      schema: {
        summary: 'Get a webhook endpoint',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        params: WebhookParams,
        response: { 200: WebhookEndpointSchema },
      },
    },
    async (request) => {
      const row = await getWebhookEndpointOfOrg(deps, {
        orgId: orgSession(request).orgId,
        id: request.params.id,
      });
      return webhookEndpointBody(row, deps.clock.now());
    },
  );
}
