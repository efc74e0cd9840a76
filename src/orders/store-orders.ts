/**
 * Importing recent orders from the store's own API, for orders whose webhooks never arrived (a webhook
 * disabled by WooCommerce after failures, one created late, an outage): WooCommerce `GET
 * /wp-json/wc/v3/orders` with REST keys, Shopify `GET /admin/api/<version>/orders.json` with an access
 * token. Each order goes into the same inbox as a webhook would (process-webhook.ts applies it), keyed by
 * its id and last-modified time, so importing twice stores nothing twice and sends nothing twice.
 */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { getShopStoreAccess, insertShopWebhook, recordStoreImport } from '../storage/repos/orders.js';
import { requireLiveDomain } from './live-domain.js';
import { asArray, asObject, idOf, type ShopPlatform, str } from './shop-order.js';
import { parseLossless } from './webhook-body.js';

/** A GET the caller performs (under the outbound policy for user-supplied URLs); headers in lower case. */
export type StoreGet = (
  url: string,
  headers: Record<string, string>,
) => Promise<{ status: number; headers: Record<string, string>; body: string }>;

export type StoreCredentials =
  | {
      platform: 'woocommerce';
      consumerKey: string;
      consumerSecret: string;
      /**
       * How the store accepted the keys when they were checked (issue 11): HTTP Basic, or the query string
       * for servers that drop the Authorization header. Absent: basic.
       */
      auth?: 'basic' | 'query';
    }
  | { platform: 'shopify'; accessToken: string; scope?: string };

/** The AAD that binds sealed store credentials to their domain and platform. */
export const storeAad = (domainId: string, platform: string): string => `store:${domainId}:${platform}`;

/** The AAD that binds a connected store's sealed credentials to its channel (issue 11: `store_channels`). */
export const channelAad = (channelId: string): string => `channel:${channelId}`;

/** Pages read per import at most (100 orders each on WooCommerce, 250 on Shopify). */
export const MAX_PAGES = 50;

/** Shopify's REST Admin API version (a stable one, supported for a year after release). */
export const SHOPIFY_API_VERSION = '2026-10';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The WooCommerce orders page `page` of those modified in [from, to). */
export function wooCommerceOrdersUrl(storeUrl: string, from: number, to: number, page: number): string {
  // Under the shop's own path: WordPress may live in a folder (https://example.com/shop).
  const url = new URL(`${storeUrl.replace(/\/+$/, '')}/wp-json/wc/v3/orders`);
  url.searchParams.set('modified_after', iso(from));
  url.searchParams.set('modified_before', iso(to));
  url.searchParams.set('per_page', '100');
  url.searchParams.set('page', String(page));
  url.searchParams.set('orderby', 'modified');
  url.searchParams.set('order', 'asc');
  // `dates_are_gmt`: the bounds are UTC (WooCommerce reads them in the site's timezone otherwise).
  url.searchParams.set('dates_are_gmt', 'true');
  return url.toString();
}

/** The first Shopify orders page of those updated in [from, to), every status. */
export function shopifyOrdersUrl(shop: string, from: number, to: number): string {
  const url = new URL(`https://${shop}/admin/api/${SHOPIFY_API_VERSION}/orders.json`);
  url.searchParams.set('status', 'any');
  url.searchParams.set('updated_at_min', iso(from));
  url.searchParams.set('updated_at_max', iso(to));
  url.searchParams.set('limit', '250');
  return url.toString();
}

/** The `rel="next"` URL of an RFC 8288 `Link` header (Shopify's cursor pagination), if any. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

export function authHeaders(credentials: StoreCredentials): Record<string, string> {
  if (credentials.platform === 'shopify')
    return { 'x-shopify-access-token': credentials.accessToken, accept: 'application/json' };
  const basic = Buffer.from(`${credentials.consumerKey}:${credentials.consumerSecret}`).toString('base64');
  return { authorization: `Basic ${basic}`, accept: 'application/json' };
}

/** The store's error in a sentence (WooCommerce `{code, message}`, Shopify `{errors}`). */
function storeError(status: number, body: string): string {
  let detail = '';
  try {
    const parsed = asObject(JSON.parse(body));
    detail =
      str(parsed.message) ??
      (typeof parsed.errors === 'string' ? parsed.errors : JSON.stringify(parsed.errors ?? ''));
  } catch {
    detail = body.slice(0, 200);
  }
  return `the store answered ${status}${detail ? `: ${detail}` : ''}`;
}

/** Every order of the range, page by page: raw order objects (ids exact) with their modified time. */
async function fetchOrders(
  get: StoreGet,
  storeUrl: string,
  credentials: StoreCredentials,
  from: number,
  to: number,
): Promise<{ orders: Array<Record<string, unknown>>; truncated: boolean }> {
  const headers = authHeaders(credentials);
  const orders: Array<Record<string, unknown>> = [];
  let url: string | undefined =
    credentials.platform === 'shopify'
      ? shopifyOrdersUrl(storeUrl, from, to)
      : wooCommerceOrdersUrl(storeUrl, from, to, 1);
  for (let page = 1; url !== undefined; page++) {
    if (page > MAX_PAGES) return { orders, truncated: true };
    const res = await get(url, headers);
    if (res.status !== 200) {
      const code = res.status === 401 || res.status === 403 ? 'unauthenticated' : 'service_unavailable';
      throw new ApiError(code, `Reading the store's orders failed: ${storeError(res.status, res.body)}`, {
        status: res.status,
      });
    }
    const parsed = parseLossless(res.body);
    const list = credentials.platform === 'shopify' ? asArray(asObject(parsed).orders) : asArray(parsed);
    for (const item of list) orders.push(asObject(item));
    if (credentials.platform === 'shopify') url = nextLink(res.headers.link);
    else {
      const pages = Number(res.headers['x-wp-totalpages'] ?? '1');
      url = page < pages && list.length > 0 ? wooCommerceOrdersUrl(storeUrl, from, to, page + 1) : undefined;
    }
  }
  return { orders, truncated: false };
}

export interface ImportResult {
  /** Orders the store returned for the range. */
  read: number;
  /** New to the inbox (an order not changed since the last import is not stored again). */
  queued: number;
  truncated: boolean;
}

/**
 * Reads the store's orders modified in [from, to) into the inbox. `get` performs the HTTP GET (the caller
 * applies the outbound URL policy).
 */
export async function importStoreOrders(
  deps: Pick<AppDeps, 'storage' | 'sealer' | 'clock'> & Partial<Pick<AppDeps, 'wakeOrders'>>,
  input: { orgId: string; domainId: string; platform: ShopPlatform; from: number; to: number; get: StoreGet },
): Promise<ImportResult> {
  const { db } = deps.storage;
  const domain = await requireLiveDomain(db, input.orgId, input.domainId);
  const access = await getShopStoreAccess(db, domain.id, input.platform);
  if (!access) {
    throw new ApiError('validation_failed', `No ${input.platform} store access is set for this domain`, {
      field: 'platform',
      reason: 'set the store access first (tagbridge shop-store set)',
    });
  }
  const credentials = deps.sealer.open<StoreCredentials>(
    access.credentials_sealed,
    storeAad(domain.id, input.platform),
  );
  let result: ImportResult;
  try {
    const { orders, truncated } = await fetchOrders(
      input.get,
      access.store_url,
      credentials,
      input.from,
      input.to,
    );
    let queued = 0;
    for (const order of orders) {
      const id = idOf(order.id);
      if (id === undefined) continue;
      const modified = str(order.date_modified_gmt) ?? str(order.updated_at) ?? '';
      const now = deps.clock.now();
      const rowId = newId('swh', now);
      const body = JSON.stringify(order, (_key, value) => value);
      const stored = await insertShopWebhook(db, {
        id: rowId,
        org_id: domain.org_id,
        domain_id: domain.id,
        platform: input.platform,
        topic: input.platform === 'shopify' ? 'orders/updated' : 'order.updated',
        // The same order unchanged since the last import is the same delivery.
        delivery_key: `import:${id}:${modified}`,
        body_sealed: deps.sealer.seal(body, rowId),
        received_at: now,
        status: 'pending',
        next_attempt_at: now,
        lease_owner: null,
        lease_expires_at: null,
        result: null,
        processed_at: null,
      });
      if (stored) queued += 1;
    }
    result = { read: orders.length, queued, truncated };
  } catch (error) {
    await recordStoreImport(db, {
      domainId: domain.id,
      platform: input.platform,
      at: deps.clock.now(),
      result: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
  await recordStoreImport(db, {
    domainId: domain.id,
    platform: input.platform,
    at: deps.clock.now(),
    result: `${result.read} orders read, ${result.queued} new${result.truncated ? ' (more than one import reads)' : ''}`,
  });
  if (result.queued > 0) deps.wakeOrders?.();
  return result;
}
