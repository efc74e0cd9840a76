import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { listShopWebhooks } from '../../storage/repos/orders.js';
import { DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

const ShopWebhookItem = Type.Object({
  id: Type.String(),
  platform: Type.String(),
  topic: Type.String(),
  receivedAt: Type.Integer(),
  status: Type.String({ description: 'pending | processed | ignored | failed' }),
  attempts: Type.Integer(),
  result: Type.Union([Type.String(), Type.Null()], { description: 'What processing made of it.' }),
  processedAt: Type.Union([Type.Integer(), Type.Null()]),
});

export function registerDomainShopWebhooksList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains/:id/shop-webhooks',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'The order webhooks the domain received, newest first, with what each did (Purchase sent, not paid, already sent by the plugin, …). Bodies are never shown.',
        params: DomainParamsSchema,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            before: Type.Optional(Type.Integer({ description: 'Only webhooks received before (epoch ms).' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(ShopWebhookItem) }) },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const rows = await listShopWebhooks(deps.storage.db, {
        orgId,
        domainId: domain.id,
        limit: request.query.limit ?? 50,
        before: request.query.before,
      });
      return {
        items: rows.map((r) => ({
          id: r.id,
          platform: r.platform,
          topic: r.topic,
          receivedAt: Number(r.received_at),
          status: r.status,
          attempts: Number(r.attempts),
          result: r.result,
          processedAt: r.processed_at === null ? null : Number(r.processed_at),
        })),
      };
    },
  );
}
