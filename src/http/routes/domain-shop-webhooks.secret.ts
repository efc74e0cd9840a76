import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { SHOP_PLATFORMS } from '../../orders/shop-order.js';
import { ensureShopWebhookSecret, rotateShopWebhookSecretFor } from '../../orders/webhook-secrets.js';
import { sessionActor, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import { missingBodyAsEmptyObject } from '../empty-json-body.js';
import type { App } from '../types.js';

const Params = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The domain id (dom_…).' }),
  platform: Type.Union(
    SHOP_PLATFORMS.map((p) => Type.Literal(p)),
    { description: 'The shop platform.' },
  ),
});

export const ShopWebhookSecretSchema = Type.Object({
  domainId: Type.String(),
  platform: Type.String(),
  secret: Type.String({ description: 'Paste it into the shop’s webhook settings (WooCommerce: Secret).' }),
  url: Type.String({ description: 'The delivery URL to paste into the shop.' }),
  createdAt: Type.Integer(),
  rotatedAt: Type.Union([Type.Integer(), Type.Null()]),
  previousValidUntil: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Until then (epoch ms) the previous secret still verifies.',
  }),
});

export function registerDomainShopWebhooksSecret(app: App, deps: AppDeps): void {
  app.post(
    '/v1/domains/:id/shop-webhooks/:platform/secret',
    {
      preHandler: sessionRole(deps, 'admin'),
      // The body is optional: a bare POST (no body, no content type) gets or creates the secret.
      preValidation: missingBodyAsEmptyObject,
      schema: {
        description:
          'The secret and delivery URL for the platform’s order webhooks, created when the domain has none. Give `secret` to store the shop’s own key instead (Shopify signs with the key it shows under Settings → Notifications → Webhooks, or with the app’s client secret); an existing one is then replaced, the old one verifying for SHOP_WEBHOOK_SECRET_GRACE_HOURS.',
        params: Params,
        body: Type.Optional(
          Type.Object(
            { secret: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: ShopWebhookSecretSchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const input = { orgId, domainId: request.params.id, platform: request.params.platform };
      const secret = request.body?.secret;
      return secret === undefined
        ? ensureShopWebhookSecret(deps, sessionActor(request), input)
        : rotateShopWebhookSecretFor(deps, sessionActor(request), { ...input, secret });
    },
  );

  app.post(
    '/v1/domains/:id/shop-webhooks/:platform/rotate',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'A new generated secret for the platform’s order webhooks; the previous one keeps verifying for SHOP_WEBHOOK_SECRET_GRACE_HOURS, so webhooks already signed are not lost.',
        params: Params,
        response: { 200: ShopWebhookSecretSchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      return rotateShopWebhookSecretFor(deps, sessionActor(request), {
        orgId,
        domainId: request.params.id,
        platform: request.params.platform,
      });
    },
  );
}
