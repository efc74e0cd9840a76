import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { deleteWebhookEndpointOfOrg } from '../../management/webhooks/delete.js';
import { sessionActor } from '../auth/org-access.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';
import { WEBHOOK_ROLE, WebhookParams } from './org-webhooks.common.js';

export function registerOrgWebhooksDelete(app: App, deps: AppDeps): void {
  app.delete(
    '/v1/org/webhooks/:id',
    {
      preHandler: [requireSession(deps), requireRole(WEBHOOK_ROLE)],
      schema: {
        summary: 'Delete a webhook endpoint',
        description: 'Deletes the endpoint with its messages and attempts; nothing more is sent to it.',
        tags: ['Webhooks'],
        security: [{ sessionCookie: [] }],
        params: WebhookParams,
        response: { 200: Type.Object({ id: Type.String(), deleted: Type.Literal(true) }) },
      },
    },
    async (request) => {
      await deleteWebhookEndpointOfOrg(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        id: request.params.id,
      });
      return { id: request.params.id, deleted: true as const };
    },
  );
}
