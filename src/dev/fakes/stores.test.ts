import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shopifyQueryHmac, startFakeShopify } from './shopify-store.js';
import { startFakeWooCommerce } from './woocommerce-store.js';

const basic = (key: string, secret: string): string =>
  `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

describe('fake WooCommerce store', () => {
  it('serves the samples with WordPress pagination headers, Basic or query-string auth, and 401s', async () => {
    const store = await startFakeWooCommerce({ generated: 150 });
    try {
      const auth = { authorization: basic(store.consumerKey, store.consumerSecret) };
      const page1 = await fetch(`${store.url}/wp-json/wc/v3/products?per_page=100&orderby=id&order=asc`, {
        headers: auth,
      });
      assert.equal(page1.status, 200);
      assert.equal(page1.headers.get('x-wp-total'), '152');
      assert.equal(page1.headers.get('x-wp-totalpages'), '2');
      assert.match(page1.headers.get('link') ?? '', /page=2>; rel="next"/);
      const items = (await page1.json()) as Array<{ id: number }>;
      assert.deepEqual(
        items.slice(0, 3).map((p) => p.id),
        [794, 799, 100000],
      );

      const tooMany = await fetch(`${store.url}/wp-json/wc/v3/products?per_page=101`, { headers: auth });
      assert.equal(tooMany.status, 400);

      const variations = await fetch(`${store.url}/wp-json/wc/v3/products/799/variations`, { headers: auth });
      assert.deepEqual(
        ((await variations.json()) as Array<{ id: number }>).map((v) => v.id),
        [733, 732],
      );

      const wrong = await fetch(`${store.url}/wp-json/wc/v3/products`, {
        headers: { authorization: basic(store.consumerKey, 'cs_wrong') },
      });
      assert.equal(wrong.status, 401);
      assert.deepEqual(await wrong.json(), {
        code: 'woocommerce_rest_authentication_error',
        message: 'Consumer secret is invalid.',
        data: { status: 401 },
      });

      store.setOptions({ rejectAuthorizationHeader: true });
      assert.equal((await fetch(`${store.url}/wp-json/wc/v3/products`, { headers: auth })).status, 401);
      const viaQuery = await fetch(
        `${store.url}/wp-json/wc/v3/products?consumer_key=${store.consumerKey}&consumer_secret=${store.consumerSecret}&modified_after=2024-01-01T00:00:00`,
      );
      assert.equal(viaQuery.status, 200);
      assert.equal(viaQuery.headers.get('x-wp-total'), '0');
      assert.equal(store.requests.at(-1)?.auth, 'query');
    } finally {
      await store.close();
    }
  });

  it('fails every page after N pages when told to', async () => {
    const store = await startFakeWooCommerce();
    try {
      const headers = { authorization: basic(store.consumerKey, store.consumerSecret) };
      store.failAfterPages(1, { kind: 'status', status: 503, retryAfter: 2 });
      assert.equal((await fetch(`${store.url}/wp-json/wc/v3/products?per_page=1`, { headers })).status, 200);
      const failed = await fetch(`${store.url}/wp-json/wc/v3/products?per_page=1&page=2`, { headers });
      assert.equal(failed.status, 503);
      assert.equal(failed.headers.get('retry-after'), '2');
      assert.equal(store.pagesServed().length, 1);
    } finally {
      await store.close();
    }
  });
});

describe('fake Shopify', () => {
  it('signs the OAuth redirect like Shopify, exchanges a code once, and serves products with cost', async () => {
    let clock = 1_700_000_000_000;
    const shopify = await startFakeShopify({ now: () => clock, costPerProduct: 300 });
    try {
      const shop = 'demo.myshopify.com';
      const authorize = await fetch(
        `${shopify.url}/${shop}/admin/oauth/authorize?client_id=${shopify.apiKey}&scope=read_products&redirect_uri=${encodeURIComponent('https://tb.example/cb')}&state=123456789012345`,
        { redirect: 'manual' },
      );
      assert.equal(authorize.status, 302);
      const back = new URL(authorize.headers.get('location') ?? '');
      const params = Object.fromEntries(back.searchParams);
      assert.equal(params.shop, shop);
      assert.equal(params.state, '123456789012345');
      assert.equal(params.timestamp, '1700000000');
      assert.equal(params.hmac, shopifyQueryHmac(params, shopify.apiSecret));

      const exchange = (): Promise<Response> =>
        fetch(`${shopify.url}/${shop}/admin/oauth/access_token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            client_id: shopify.apiKey,
            client_secret: shopify.apiSecret,
            code: params.code,
          }),
        });
      const first = await exchange();
      assert.equal(first.status, 200);
      const { access_token: token, scope } = (await first.json()) as { access_token: string; scope: string };
      assert.equal(scope, 'read_products');
      assert.equal((await exchange()).status, 400);

      const query = (first: number): Promise<Response> =>
        fetch(`${shopify.url}/${shop}/admin/api/2026-10/graphql.json`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
          body: JSON.stringify({
            query: 'query($first:Int!){ products(first:$first){ nodes{id} } }',
            variables: { first },
          }),
        });
      const answer = (await (await query(1)).json()) as {
        data: {
          products: {
            nodes: Array<{ id: string; variants: { nodes: unknown[] } }>;
            pageInfo: { hasNextPage: boolean };
          };
        };
        extensions: { cost: { throttleStatus: { currentlyAvailable: number } } };
      };
      assert.equal(answer.data.products.nodes[0]?.id, 'gid://shopify/Product/632910392');
      assert.equal(answer.data.products.nodes[0]?.variants.nodes.length, 4);
      assert.equal(answer.data.products.pageInfo.hasNextPage, false);
      assert.equal(answer.extensions.cost.throttleStatus.currentlyAvailable, 1000 - 302);
      const throttled = (await (await query(3)).json()) as {
        errors: Array<{ extensions: { code: string } }>;
      };
      assert.equal(throttled.errors[0]?.extensions.code, 'THROTTLED');
      clock += 10_000; // 500 points restored
      assert.ok(((await (await query(3)).json()) as { data?: unknown }).data);

      const anonymous = await fetch(`${shopify.url}/${shop}/admin/api/2026-10/graphql.json`, {
        method: 'POST',
        body: '{}',
      });
      assert.equal(anonymous.status, 401);
    } finally {
      await shopify.close();
    }
  });
});
