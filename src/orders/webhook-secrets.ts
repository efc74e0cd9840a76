/**
 * The secret a shop platform signs its order webhooks with, per domain and platform: `GET/POST
 * /v1/domains/:id/shop-webhooks/:platform…` and `tagbridge shop-webhook secret|rotate`. WooCommerce takes
 * any secret (ours is generated); Shopify signs with a key it shows (Settings → Notifications → Webhooks) or
 * with the app's client secret, so that one is set, not generated. Sealed at rest; a rotated secret keeps
 * verifying for SHOP_WEBHOOK_SECRET_GRACE_HOURS so webhooks already signed are not lost.
 */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { randomHexToken } from '../lib/crypto.js';
import { type Actor, auditBy } from '../storage/repos/audit-log.js';
import {
  createShopWebhookSecret,
  getShopWebhookSecret,
  rotateShopWebhookSecret,
  type ShopWebhookSecretRow,
} from '../storage/repos/orders.js';
import { requireLiveDomain } from './live-domain.js';
import { isShopPlatform, type ShopPlatform } from './shop-order.js';

type Deps = Pick<AppDeps, 'storage' | 'sealer' | 'clock' | 'config'>;

export interface ShopWebhookSecretView {
  domainId: string;
  platform: ShopPlatform;
  /** The secret to paste in the shop (WooCommerce: Secret; Shopify: set from the shop's own key). */
  secret: string;
  /** The delivery URL to paste in the shop. */
  url: string;
  createdAt: number;
  rotatedAt: number | null;
  /** Until then (epoch ms) the previous secret still verifies; null when there is none. */
  previousValidUntil: number | null;
}

/** The AAD that binds a sealed secret to its domain and platform (a copied row does not open elsewhere). */
const aad = (domainId: string, platform: string): string => `shop-webhook:${domainId}:${platform}`;

export function shopWebhookUrl(
  deps: Pick<AppDeps, 'config'>,
  platform: ShopPlatform,
  domainId: string,
): string {
  return `${deps.config.management.publicBaseUrl.replace(/\/+$/, '')}/v1/webhooks/${platform}/${domainId}`;
}

function platformOf(raw: string): ShopPlatform {
  if (!isShopPlatform(raw)) {
    throw new ApiError('validation_failed', 'platform must be woocommerce or shopify', {
      field: 'platform',
      reason: 'must be woocommerce or shopify',
    });
  }
  return raw;
}

/** A secret someone pastes (Shopify's key): printable, no spaces, long enough to be one. */
function checkedSecret(secret: string): string {
  const trimmed = secret.trim();
  if (!/^[\x21-\x7e]{16,512}$/.test(trimmed)) {
    throw new ApiError('validation_failed', 'secret must be 16 to 512 printable characters without spaces', {
      field: 'secret',
      reason: 'must be 16 to 512 printable characters without spaces',
    });
  }
  return trimmed;
}

function view(deps: Deps, row: ShopWebhookSecretRow, now: number): ShopWebhookSecretView {
  const platform = row.platform as ShopPlatform;
  return {
    domainId: row.domain_id,
    platform,
    secret: deps.sealer.open<string>(row.secret_sealed, aad(row.domain_id, row.platform)),
    url: shopWebhookUrl(deps, platform, row.domain_id),
    createdAt: row.created_at,
    rotatedAt: row.rotated_at,
    previousValidUntil:
      row.previous_sealed !== null && row.previous_until !== null && row.previous_until > now
        ? row.previous_until
        : null,
  };
}

/** The domain's secret for the platform, created (generated, or the one given) when there is none. */
export async function ensureShopWebhookSecret(
  deps: Deps,
  actor: Actor,
  input: { orgId: string; domainId: string; platform: string },
): Promise<ShopWebhookSecretView> {
  const platform = platformOf(input.platform);
  const domain = await requireLiveDomain(deps.storage.db, input.orgId, input.domainId);
  const now = deps.clock.now();
  const existing = await getShopWebhookSecret(deps.storage.db, domain.id, platform);
  if (existing) return view(deps, existing, now);
  const secret = `tbwh_${randomHexToken(32)}`;
  const row = await deps.storage.db.transaction().execute(async (trx) => {
    const created = await createShopWebhookSecret(trx, {
      domain_id: domain.id,
      platform,
      org_id: domain.org_id,
      secret_sealed: deps.sealer.seal(secret, aad(domain.id, platform)),
      created_at: now,
    });
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'shop_webhook_secret.create',
      targetType: 'domain',
      targetId: domain.id,
      details: { platform },
      at: now,
    });
    return created;
  });
  return view(deps, row, now);
}

/**
 * A new secret (generated, or the shop's own key given as `secret`); the one it replaces keeps verifying
 * for the grace period. With no secret yet, this creates the first one.
 */
export async function rotateShopWebhookSecretFor(
  deps: Deps,
  actor: Actor,
  input: { orgId: string; domainId: string; platform: string; secret?: string | undefined },
): Promise<ShopWebhookSecretView> {
  const platform = platformOf(input.platform);
  const domain = await requireLiveDomain(deps.storage.db, input.orgId, input.domainId);
  const secret = input.secret === undefined ? `tbwh_${randomHexToken(32)}` : checkedSecret(input.secret);
  const now = deps.clock.now();
  const sealed = deps.sealer.seal(secret, aad(domain.id, platform));
  const row = await deps.storage.db.transaction().execute(async (trx) => {
    const rotated = await rotateShopWebhookSecret(trx, {
      domainId: domain.id,
      platform,
      secretSealed: sealed,
      previousUntil: now + deps.config.orders.secretGraceMs,
      now,
    });
    if (!rotated) {
      await createShopWebhookSecret(trx, {
        domain_id: domain.id,
        platform,
        org_id: domain.org_id,
        secret_sealed: sealed,
        created_at: now,
      });
    }
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: rotated ? 'shop_webhook_secret.rotate' : 'shop_webhook_secret.create',
      targetType: 'domain',
      targetId: domain.id,
      details: { platform, given: input.secret !== undefined },
      at: now,
    });
    return (await getShopWebhookSecret(trx, domain.id, platform))!;
  });
  return view(deps, row, now);
}

/** The secrets that verify a webhook now: the current one, and the previous one during its grace. */
export async function verifyingSecrets(
  deps: Pick<AppDeps, 'storage' | 'sealer' | 'clock'>,
  domainId: string,
  platform: ShopPlatform,
): Promise<string[]> {
  const row = await getShopWebhookSecret(deps.storage.db, domainId, platform);
  if (!row) return [];
  const secrets = [deps.sealer.open<string>(row.secret_sealed, aad(domainId, platform))];
  if (row.previous_sealed !== null && row.previous_until !== null && row.previous_until > deps.clock.now()) {
    secrets.push(deps.sealer.open<string>(row.previous_sealed, aad(domainId, platform)));
  }
  return secrets;
}
