import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { listWebhookEndpointsOfOrg } from '../../management/webhooks/list.js';
import { WebhookEndpointSchema, webhookEndpointBody } from '../../management/webhooks/views.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE } from './org-webhooks.common.js';

export function registerOrgWebhooksList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/webhooks',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      schema: {
        summary: 'List webhook endpoints',
        description: 'The org’s webhook endpoints, newest first. Signing secrets are never shown again.',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        response: { 200: Type.Object({ webhooks: Type.Array(WebhookEndpointSchema) }) },
      },
    },
    async (request) => {
      const now = deps.clock.now();
      const rows = await listWebhookEndpointsOfOrg(deps, orgSession(request).orgId);
      return { webhooks: rows.map((row) => webhookEndpointBody(row, now)) };
    },
  );
}
