/**
 * Read access to a store's order API, per domain and platform (`PUT /v1/domains/:id/shop-store/:platform`,
 * `tagbridge shop-store set`): WooCommerce REST keys (`ck_…`/`cs_…`, read permission is enough) or a
 * Shopify access token with `read_orders`. The credentials are checked against the store — one read of its
 * orders — before they are kept, sealed; they are never shown again.
 */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { maskSecret } from '../lib/crypto.js';
import { type Actor, auditBy } from '../storage/repos/audit-log.js';
import { getLiveDomain } from '../storage/repos/domain-admin.js';
import { getShopStoreAccess, saveShopStoreAccess } from '../storage/repos/orders.js';
import { requireLiveDomain } from './live-domain.js';
import { isShopPlatform, type ShopPlatform } from './shop-order.js';
import {
  authHeaders,
  type StoreCredentials,
  type StoreGet,
  shopifyOrdersUrl,
  storeAad,
  wooCommerceOrdersUrl,
} from './store-orders.js';

export interface StoreAccessInput {
  orgId: string;
  domainId: string;
  platform: string;
  /** WooCommerce: the shop's URL; Shopify: `mystore` or `mystore.myshopify.com`. */
  store: string;
  consumerKey?: string | undefined;
  consumerSecret?: string | undefined;
  accessToken?: string | undefined;
}

export interface StoreAccessView {
  platform: ShopPlatform;
  storeUrl: string;
  /** A masked preview of the key or token, never the value. */
  credential: string;
  lastImportAt: number | null;
  lastImportResult: string | null;
}

const invalid = (field: string, reason: string): ApiError =>
  new ApiError('validation_failed', `${field} ${reason}`, { field, reason });

const SHOP_HOST = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

/**
 * Shopify's own host pattern (reference/clients.md §3.1): `mystore` or `mystore.myshopify.com` (any case,
 * no scheme or path) → `mystore.myshopify.com`; anything else null. The one check behind the order import's
 * store field and the Shopify OAuth of store connections.
 */
export function myshopifyHost(raw: string): string | null {
  const value = raw.trim().toLowerCase();
  const full = value.includes('.') ? value : `${value}.myshopify.com`;
  return SHOP_HOST.test(full) && full.length <= 255 ? full : null;
}

/** The order import's store field: as myshopifyHost, also taking a pasted `https://…/` around the host. */
export function shopifyHost(raw: string): string {
  const host = myshopifyHost(
    raw
      .trim()
      .replace(/^https?:\/\//i, '')
      .replace(/\/+$/, ''),
  );
  if (host === null) throw invalid('store', 'must be mystore or mystore.myshopify.com');
  return host;
}

function storeOf(platform: ShopPlatform, raw: string): string {
  if (platform === 'shopify') return shopifyHost(raw);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid('store', 'must be the shop’s URL, e.g. https://shop.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('store', 'must be an http(s) URL');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function credentialsOf(platform: ShopPlatform, input: StoreAccessInput): StoreCredentials {
  if (platform === 'shopify') {
    if (!input.accessToken || !/^[\x21-\x7e]{16,256}$/.test(input.accessToken)) {
      throw invalid('accessToken', 'must be the store’s Admin API access token (shpat_…)');
    }
    return { platform, accessToken: input.accessToken };
  }
  if (!input.consumerKey || !/^ck_[0-9a-f]{40}$/.test(input.consumerKey)) {
    throw invalid('consumerKey', 'must be a WooCommerce consumer key: ck_ and 40 hex characters');
  }
  if (!input.consumerSecret || !/^cs_[0-9a-f]{40}$/.test(input.consumerSecret)) {
    throw invalid('consumerSecret', 'must be a WooCommerce consumer secret: cs_ and 40 hex characters');
  }
  return { platform, consumerKey: input.consumerKey, consumerSecret: input.consumerSecret };
}

function view(row: {
  platform: string;
  store_url: string;
  credential: string;
  last_import_at: number | null;
  last_import_result: string | null;
}): StoreAccessView {
  return {
    platform: row.platform as ShopPlatform,
    storeUrl: row.store_url,
    credential: row.credential,
    lastImportAt: row.last_import_at === null ? null : Number(row.last_import_at),
    lastImportResult: row.last_import_result,
  };
}

export async function setStoreAccess(
  deps: Pick<AppDeps, 'storage' | 'sealer' | 'clock'>,
  actor: Actor,
  input: StoreAccessInput & { get: StoreGet },
): Promise<StoreAccessView> {
  if (!isShopPlatform(input.platform)) throw invalid('platform', 'must be woocommerce or shopify');
  const platform = input.platform;
  const domain = await requireLiveDomain(deps.storage.db, input.orgId, input.domainId);
  const storeUrl = storeOf(platform, input.store);
  const credentials = credentialsOf(platform, input);

  // One read of the newest orders: the keys must work before they are kept.
  const now = deps.clock.now();
  const probe =
    platform === 'shopify'
      ? shopifyOrdersUrl(storeUrl, now - 24 * 3600_000, now)
      : wooCommerceOrdersUrl(storeUrl, now - 24 * 3600_000, now, 1);
  const res = await input.get(probe, authHeaders(credentials));
  if (res.status === 401 || res.status === 403) {
    throw new ApiError('validation_failed', `The store refused these credentials (HTTP ${res.status})`, {
      field: platform === 'shopify' ? 'accessToken' : 'consumerKey',
      reason: `the store answered ${res.status}`,
    });
  }
  if (res.status !== 200) {
    throw new ApiError(
      'validation_failed',
      `The store's order API did not answer as expected (HTTP ${res.status})`,
      {
        field: 'store',
        reason: `the store answered ${res.status}`,
      },
    );
  }

  await deps.storage.db.transaction().execute(async (trx) => {
    await saveShopStoreAccess(trx, {
      domain_id: domain.id,
      platform,
      org_id: domain.org_id,
      store_url: storeUrl,
      credentials_sealed: deps.sealer.seal(credentials, storeAad(domain.id, platform)),
      created_at: now,
      updated_at: now,
    });
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'shop_store_access.set',
      targetType: 'domain',
      targetId: domain.id,
      details: { platform, storeUrl },
      at: now,
    });
  });
  return getStoreAccess(deps, { orgId: input.orgId, domainId: domain.id, platform });
}

export async function getStoreAccess(
  deps: Pick<AppDeps, 'storage' | 'sealer'>,
  input: { orgId: string; domainId: string; platform: string },
): Promise<StoreAccessView> {
  const domain = await getLiveDomain(deps.storage.db, input.orgId, input.domainId);
  const row = domain ? await getShopStoreAccess(deps.storage.db, domain.id, input.platform) : undefined;
  if (!row)
    throw new ApiError('not_found', `No ${input.platform} store access for domain ${input.domainId}`, {
      id: input.domainId,
    });
  const credentials = deps.sealer.open<StoreCredentials>(
    row.credentials_sealed,
    storeAad(row.domain_id, row.platform),
  );
  return view({
    ...row,
    credential: maskSecret(
      credentials.platform === 'shopify' ? credentials.accessToken : credentials.consumerKey,
    ),
  });
}
