import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { SHOP_PLATFORMS } from '../../orders/shop-order.js';
import { getStoreAccess, setStoreAccess } from '../../orders/store-access.js';
import { storeGetter } from '../../orders/store-http.js';
import { importStoreOrders } from '../../orders/store-orders.js';
import { sessionActor, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import { missingBodyAsEmptyObject } from '../empty-json-body.js';
import type { App } from '../types.js';
import { reconciliationRange } from './domains.reconciliation.js';

const Params = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The domain id (dom_…).' }),
  platform: Type.Union(
    SHOP_PLATFORMS.map((p) => Type.Literal(p)),
    { description: 'The shop platform.' },
  ),
});

const StoreAccessSchema = Type.Object({
  platform: Type.String(),
  storeUrl: Type.String(),
  credential: Type.String({ description: 'A masked preview of the key or token.' }),
  lastImportAt: Type.Union([Type.Integer(), Type.Null()]),
  lastImportResult: Type.Union([Type.String(), Type.Null()]),
});

export function registerDomainShopStore(app: App, deps: AppDeps): void {
  app.put(
    '/v1/domains/:id/shop-store/:platform',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'Read access to the store’s order API, to import orders whose webhooks never arrived: WooCommerce REST keys (consumerKey ck_…, consumerSecret cs_…, read permission) or a Shopify Admin API access token with read_orders. Checked with one read of the store’s orders before it is kept (sealed; never shown again).',
        params: Params,
        body: Type.Object(
          {
            store: Type.String({
              minLength: 1,
              maxLength: 500,
              description: 'WooCommerce: the shop’s URL; Shopify: mystore or mystore.myshopify.com.',
            }),
            consumerKey: Type.Optional(Type.String({ maxLength: 100 })),
            consumerSecret: Type.Optional(Type.String({ maxLength: 100 })),
            accessToken: Type.Optional(Type.String({ maxLength: 300 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: StoreAccessSchema },
      },
    },
    async (request) =>
      setStoreAccess(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        domainId: request.params.id,
        platform: request.params.platform,
        ...request.body,
        get: storeGetter(deps),
      }),
  );

  app.get(
    '/v1/domains/:id/shop-store/:platform',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description: 'The store access set for the platform (masked) and its last import.',
        params: Params,
        response: { 200: StoreAccessSchema },
      },
    },
    async (request) =>
      getStoreAccess(deps, {
        orgId: orgSession(request).orgId,
        domainId: request.params.id,
        platform: request.params.platform,
      }),
  );

  app.post(
    '/v1/domains/:id/shop-store/:platform/import',
    {
      preHandler: sessionRole(deps, 'admin'),
      // The body is optional: a bare POST imports with the defaults.
      preValidation: missingBodyAsEmptyObject,
      schema: {
        description:
          'Reads the store’s orders modified in the range (default: the last 7 days) into the order inbox, where the worker applies them like webhooks: a paid order not sent yet becomes its Purchase. Importing twice changes nothing.',
        params: Params,
        body: Type.Optional(
          Type.Object(
            {
              from: Type.Optional(Type.String({ description: 'ISO date or date-time.' })),
              to: Type.Optional(Type.String({ description: 'ISO date or date-time.' })),
            },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Type.Object({
            read: Type.Integer({ description: 'Orders the store returned.' }),
            queued: Type.Integer({ description: 'New or changed since the last import.' }),
            truncated: Type.Boolean(),
          }),
        },
      },
    },
    async (request) => {
      const range = reconciliationRange(deps.clock.now(), request.body ?? {});
      return importStoreOrders(deps, {
        orgId: orgSession(request).orgId,
        domainId: request.params.id,
        platform: request.params.platform,
        ...range,
        get: storeGetter(deps),
      });
    },
  );
}
