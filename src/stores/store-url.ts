/** A WooCommerce store's base URL as the plugin states it, normalised and checked. */
import { StatusError } from '../lib/status-error.js';

/**
 * `https://shop.example.com[/path]` without query, fragment, credentials or trailing slash. Plain http is
 * refused (WooCommerce's REST keys travel as Basic auth or in the query string, readable on the wire)
 * unless `allowHttp` (ALLOW_PRIVATE_NETWORK_TARGETS=1: tests and local development).
 */
export function wooStoreUrl(raw: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new StatusError(400, 'storeUrl must be the shop’s URL, e.g. https://yourstore.com');
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw new StatusError(400, 'storeUrl must be an https:// URL (WooCommerce keys are not sent over http)');
  }
  if (url.username || url.password) throw new StatusError(400, 'storeUrl must not contain credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The host of a store URL or a Shopify shop (`x.myshopify.com`), lower case, without `www.`. */
export function storeHost(storeUrl: string): string {
  const host = storeUrl.includes('://') ? new URL(storeUrl).hostname : storeUrl;
  return host.toLowerCase().replace(/^www\./, '');
}
