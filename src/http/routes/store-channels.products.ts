import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { listProducts } from '../../catalogue/channel-sync.js';
import { sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const ProductSchema = Type.Object({
  id: Type.String({ description: 'The store’s id of the item (a product, or a variation/variant).' }),
  groupId: Nullable(Type.String({ description: 'The parent product’s id of a variation (item_group_id).' })),
  sku: Nullable(Type.String()),
  title: Type.String(),
  description: Nullable(Type.String({ description: 'Plain text (HTML stripped, entities decoded).' })),
  link: Nullable(Type.String()),
  imageLink: Nullable(Type.String()),
  additionalImageLinks: Type.Array(Type.String()),
  price: Nullable(Type.String({ description: 'Decimal string as the store sends it ("15.00").' })),
  salePrice: Nullable(Type.String()),
  saleFrom: Nullable(Type.Integer({ description: 'Epoch ms.' })),
  saleTo: Nullable(Type.Integer({ description: 'Epoch ms.' })),
  currency: Nullable(Type.String()),
  availability: Type.String({ description: 'in_stock | out_of_stock | backorder | preorder' }),
  brand: Nullable(Type.String()),
  gtin: Nullable(Type.String()),
  mpn: Nullable(Type.String()),
  categories: Type.Array(Type.String()),
  condition: Nullable(Type.String({ description: 'new | refurbished | used' })),
  shippingWeight: Nullable(Type.String({ description: 'e.g. "1.5 kg"' })),
  attributes: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  sourceModifiedAt: Nullable(Type.Integer()),
  updatedAt: Type.Integer(),
});

export function registerStoreChannelsProducts(app: App, deps: AppDeps): void {
  app.get(
    '/v1/store-channels/:id/products',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'The synced catalogue of a connected store, by item id; pass `next` as `after` for the next page.',
        params: Type.Object({
          id: Type.String({ minLength: 1, maxLength: 100, description: 'The store channel id (chn_…).' }),
        }),
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.String({ maxLength: 200, description: 'The `next` of the previous page.' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            products: Type.Array(ProductSchema),
            next: Nullable(Type.String({ description: 'The `after` of the next page; null on the last.' })),
            total: Type.Integer({ description: 'Products of the channel.' }),
          }),
        },
      },
    },
    async (request) =>
      listProducts(deps, {
        orgId: orgSession(request).orgId,
        channelId: request.params.id,
        ...(request.query.after !== undefined ? { after: request.query.after } : {}),
        limit: request.query.limit ?? 100,
      }),
  );
}
