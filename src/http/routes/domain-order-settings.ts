import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { getOrderSettings, setOrderSettings } from '../../orders/order-settings.js';
import { DomainParamsSchema, sessionActor, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

const Statuses = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 10 });

const OrderSettingsSchema = Type.Object({
  paidStatuses: Type.Object(
    { woocommerce: Statuses, shopify: Statuses },
    { description: 'Order statuses that count as paid: an order becomes its Purchase when it reaches one.' },
  ),
  defaults: Type.Object({ woocommerce: Type.Boolean(), shopify: Type.Boolean() }),
});

export function registerDomainOrderSettings(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains/:id/order-settings',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description: 'Which order statuses count as paid, per shop platform.',
        params: DomainParamsSchema,
        response: { 200: OrderSettingsSchema },
      },
    },
    async (request) =>
      getOrderSettings(deps, { orgId: orgSession(request).orgId, domainId: request.params.id }),
  );
  app.put(
    '/v1/domains/:id/order-settings',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'Sets which order statuses count as paid (defaults: WooCommerce processing and completed; Shopify paid, partially_refunded, refunded). null puts a platform back to its defaults. Pending, failed and cancelled orders never become a Purchase.',
        params: DomainParamsSchema,
        body: Type.Object(
          {
            paidStatuses: Type.Object(
              {
                woocommerce: Type.Optional(Type.Union([Statuses, Type.Null()])),
                shopify: Type.Optional(Type.Union([Statuses, Type.Null()])),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: OrderSettingsSchema },
      },
    },
    async (request) =>
      setOrderSettings(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        domainId: request.params.id,
        paidStatuses: request.body.paidStatuses,
      }),
  );
}
