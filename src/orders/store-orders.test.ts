import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shopifyHost } from './store-access.js';
import { nextLink, SHOPIFY_API_VERSION, shopifyOrdersUrl, wooCommerceOrdersUrl } from './store-orders.js';

describe('store order API URLs', () => {
  const from = Date.UTC(2026, 11, 1, 0, 0, 0);
  const to = Date.UTC(2026, 11, 6, 12, 30, 0);

  it('WooCommerce: modified in the range, UTC bounds, 100 a page, oldest first, under the shop’s path', () => {
    const url = new URL(wooCommerceOrdersUrl('https://shop.example.com/store', from, to, 3));
    assert.equal(url.origin + url.pathname, 'https://shop.example.com/store/wp-json/wc/v3/orders');
    assert.equal(url.searchParams.get('modified_after'), '2026-12-01T00:00:00Z');
    assert.equal(url.searchParams.get('modified_before'), '2026-12-06T12:30:00Z');
    assert.equal(url.searchParams.get('dates_are_gmt'), 'true');
    assert.equal(url.searchParams.get('per_page'), '100');
    assert.equal(url.searchParams.get('page'), '3');
    assert.equal(url.searchParams.get('order'), 'asc');
  });

  it('Shopify: every status, updated in the range, 250 a page, the pinned API version', () => {
    const url = new URL(shopifyOrdersUrl('acme.myshopify.com', from, to));
    assert.equal(url.pathname, `/admin/api/${SHOPIFY_API_VERSION}/orders.json`);
    assert.equal(url.host, 'acme.myshopify.com');
    assert.equal(url.searchParams.get('status'), 'any');
    assert.equal(url.searchParams.get('updated_at_min'), '2026-12-01T00:00:00Z');
    assert.equal(url.searchParams.get('limit'), '250');
  });

  it("Shopify's cursor pages: the rel=next link, none on the last page", () => {
    const link =
      '<https://acme.myshopify.com/admin/api/2026-10/orders.json?limit=250&page_info=abc>; rel="previous", ' +
      '<https://acme.myshopify.com/admin/api/2026-10/orders.json?limit=250&page_info=def>; rel="next"';
    assert.equal(
      nextLink(link),
      'https://acme.myshopify.com/admin/api/2026-10/orders.json?limit=250&page_info=def',
    );
    assert.equal(nextLink('<https://x/orders.json?page_info=abc>; rel="previous"'), undefined);
    assert.equal(nextLink(undefined), undefined);
  });

  it('a Shopify store is its myshopify.com host; anything else is refused', () => {
    assert.equal(shopifyHost('Acme-Store'), 'acme-store.myshopify.com');
    assert.equal(shopifyHost('https://acme.myshopify.com/'), 'acme.myshopify.com');
    for (const bad of ['acme.example.com', 'evil.com/acme.myshopify.com', '-acme', 'a b']) {
      assert.throws(() => shopifyHost(bad), /mystore/, bad);
    }
  });
});
