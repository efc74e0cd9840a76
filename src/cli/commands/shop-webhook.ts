import { CLI_ACTOR } from '../../management/audit.js';
import {
  ensureShopWebhookSecret,
  rotateShopWebhookSecretFor,
  type ShopWebhookSecretView,
} from '../../orders/webhook-secrets.js';
import { getDomainById } from '../../storage/repos/domains.js';
import { type Command, type CommandContext, required } from '../context.js';

function print(ctx: CommandContext, view: ShopWebhookSecretView): void {
  const grace =
    view.previousValidUntil === null
      ? ''
      : `\nthe previous secret verifies until ${new Date(view.previousValidUntil).toISOString()}`;
  ctx.out.print(
    `${view.platform} webhooks for domain ${view.domainId}\n  delivery URL: ${view.url}\n  secret:       ${view.secret}${grace}`,
    {
      secret: view.secret,
      url: view.url,
      platform: view.platform,
      previousValidUntil: view.previousValidUntil,
    },
  );
}

async function orgOf(ctx: CommandContext, domainId: string): Promise<string> {
  return ctx.withDeps(async (deps) => (await getDomainById(deps.storage.db, domainId))?.org_id ?? '');
}

export const shopWebhookSecret: Command = {
  name: 'shop-webhook secret',
  usage: `shop-webhook secret --domain DOMAIN --platform woocommerce|shopify [--secret KEY]
                                           the secret and URL to paste in the shop's webhook settings
                                           (created when there is none; --secret stores the shop's own
                                           key, e.g. the one Shopify signs with)`,
  async run(ctx) {
    const domainId = required(ctx.values, 'domain');
    const platform = required(ctx.values, 'platform');
    const orgId = await orgOf(ctx, domainId);
    const view = await ctx.withDeps((deps) =>
      ctx.values.secret === undefined
        ? ensureShopWebhookSecret(deps, CLI_ACTOR, { orgId, domainId, platform })
        : rotateShopWebhookSecretFor(deps, CLI_ACTOR, {
            orgId,
            domainId,
            platform,
            secret: ctx.values.secret,
          }),
    );
    print(ctx, view);
    return 0;
  },
};

export const shopWebhookRotate: Command = {
  name: 'shop-webhook rotate',
  usage: `shop-webhook rotate --domain DOMAIN --platform woocommerce|shopify [--secret KEY]
                                           a new secret; the old one verifies for SHOP_WEBHOOK_SECRET_GRACE_HOURS`,
  async run(ctx) {
    const domainId = required(ctx.values, 'domain');
    const platform = required(ctx.values, 'platform');
    const orgId = await orgOf(ctx, domainId);
    const view = await ctx.withDeps((deps) =>
      rotateShopWebhookSecretFor(deps, CLI_ACTOR, { orgId, domainId, platform, secret: ctx.values.secret }),
    );
    print(ctx, view);
    return 0;
  },
};
