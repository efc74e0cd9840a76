/**
 * Checks WooCommerce REST keys against the store before they are kept: one read of
 * `/wp-json/wc/v3/products?per_page=1`, with HTTP Basic first and, when the store refuses that, the
 * query-string form (`?consumer_key=&consumer_secret=`) that servers which drop the Authorization header
 * need (reference/clients.md §2.1). The form that worked is remembered in the credentials (`auth`), so the
 * catalogue sync and order import use the same.
 */
import { StatusError } from '../lib/status-error.js';
import type { StoreGet } from '../orders/store-orders.js';

export interface WooKeys {
  consumerKey: string;
  consumerSecret: string;
}

export const CONSUMER_KEY_PATTERN = /^ck_[0-9a-f]{40}$/;
export const CONSUMER_SECRET_PATTERN = /^cs_[0-9a-f]{40}$/;

export function validWooKeys(consumerKey: string, consumerSecret: string): WooKeys {
  if (!CONSUMER_KEY_PATTERN.test(consumerKey)) {
    throw new StatusError(400, 'consumerKey must be a WooCommerce consumer key: ck_ and 40 hex characters');
  }
  if (!CONSUMER_SECRET_PATTERN.test(consumerSecret)) {
    throw new StatusError(
      400,
      'consumerSecret must be a WooCommerce consumer secret: cs_ and 40 hex characters',
    );
  }
  return { consumerKey, consumerSecret };
}

export function wooProbeUrl(storeUrl: string): string {
  return `${storeUrl.replace(/\/+$/, '')}/wp-json/wc/v3/products?per_page=1`;
}

/** The probe URL with the keys in the query string. */
export function withQueryAuth(url: string, keys: WooKeys): string {
  const u = new URL(url);
  u.searchParams.set('consumer_key', keys.consumerKey);
  u.searchParams.set('consumer_secret', keys.consumerSecret);
  return u.toString();
}

export function basicAuthHeader(keys: WooKeys): string {
  return `Basic ${Buffer.from(`${keys.consumerKey}:${keys.consumerSecret}`).toString('base64')}`;
}

const refused = (status: number): boolean => status === 401 || status === 403;

/**
 * 'basic' or 'query': how the store accepted the keys. Throws seed 004 errors: 400
 * `INVALID_STORE_CREDENTIALS` when both forms are refused, 400 `STORE_UNREACHABLE` for any other answer.
 */
export async function checkWooKeys(
  get: StoreGet,
  storeUrl: string,
  keys: WooKeys,
): Promise<'basic' | 'query'> {
  const url = wooProbeUrl(storeUrl);
  const basic = await get(url, { authorization: basicAuthHeader(keys), accept: 'application/json' });
  if (basic.status === 200) return 'basic';
  if (!refused(basic.status)) throw unexpected(basic.status);
  const query = await get(withQueryAuth(url, keys), { accept: 'application/json' });
  if (query.status === 200) return 'query';
  if (refused(query.status)) {
    throw new StatusError(
      400,
      `The store refused these REST API keys (HTTP ${query.status}); check that they exist and have read access`,
      'INVALID_STORE_CREDENTIALS',
    );
  }
  throw unexpected(query.status);
}

function unexpected(status: number): StatusError {
  return new StatusError(
    400,
    `The store's REST API did not answer as expected (HTTP ${status}); is WooCommerce active at this URL?`,
    'STORE_UNREACHABLE',
  );
}
