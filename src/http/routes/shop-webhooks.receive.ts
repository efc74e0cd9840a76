import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { receiveShopWebhook } from '../../orders/receive-webhook.js';
import type { ShopPlatform } from '../../orders/shop-order.js';
import type { App } from '../types.js';

const Params = Type.Object({ domainId: Type.String({ minLength: 1, maxLength: 100 }) });

const DESCRIPTIONS: Record<ShopPlatform, string> = {
  woocommerce:
    'WooCommerce order webhooks (order.created, order.updated, order.deleted, order.restored), verified by ' +
    'X-WC-Webhook-Signature (base64 HMAC-SHA256 of the raw body under the domain’s secret). Stored before the ' +
    'answer, processed after: a paid order becomes its Purchase once, each refund its refund event. The ' +
    'unsigned creation ping (webhook_id=N) is answered 200.',
  shopify:
    'Shopify order webhooks (orders/create, orders/paid, orders/updated, orders/cancelled, refunds/create), ' +
    'verified by X-Shopify-Hmac-Sha256; a redelivery (same X-Shopify-Webhook-Id) changes nothing. Stored ' +
    'before the answer, processed after.',
};

/**
 * Registered in its own plugin scope, where every body is read as raw bytes: the signature is over the
 * exact bytes, and WooCommerce's ping is form-encoded.
 */
export async function registerShopWebhooksReceive(app: App, deps: AppDeps): Promise<void> {
  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: deps.config.orders.webhookBodyLimitBytes },
      (_request, body, done) => done(null, body),
    );
    for (const platform of ['woocommerce', 'shopify'] as const) {
      scope.post(
        `/v1/webhooks/${platform}/:domainId`,
        {
          schema: {
            description: DESCRIPTIONS[platform],
            params: Params,
            response: {
              200: Type.Object({
                success: Type.Literal(true),
                status: Type.Union([
                  Type.Literal('ping'),
                  Type.Literal('stored'),
                  Type.Literal('duplicate'),
                  Type.Literal('ignored'),
                ]),
              }),
            },
          },
        },
        async (request) => {
          const result = await receiveShopWebhook(deps, {
            platform,
            domainId: request.params.domainId,
            headers: request.headers,
            body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
            contentType: request.headers['content-type'],
          });
          return { success: true as const, status: result.kind };
        },
      );
    }
  });
}
