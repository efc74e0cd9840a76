import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hmacMessages, isShopHost, normalizeShop, verifyShopifyHmac } from './shopify-oauth.js';

// Published vectors (reference/clients.md §3.1: hexdocs.pm/exshopify Shopify.HMAC and hexdocs.pm/shopify_oauth).
test('HMAC: the published vectors verify', () => {
  const base = {
    code: '0907a61c0c8d55e99db179b68161bc00',
    shop: 'some-shop.myshopify.com',
    timestamp: '1337178173',
  };
  assert.ok(
    verifyShopifyHmac(
      { ...base, hmac: '4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20' },
      'hush',
    ),
  );
  assert.ok(
    verifyShopifyHmac(
      {
        ...base,
        state: '0.6784241404160823',
        hmac: '700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf',
      },
      'hush',
    ),
  );
  // Key order in the query does not matter.
  assert.ok(
    verifyShopifyHmac(
      {
        timestamp: '1337178173',
        hmac: '4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20',
        shop: base.shop,
        code: base.code,
      },
      'hush',
    ),
  );
});

test('HMAC: another secret, a changed value, a missing or malformed hmac are refused', () => {
  const q = {
    code: '0907a61c0c8d55e99db179b68161bc00',
    shop: 'some-shop.myshopify.com',
    timestamp: '1337178173',
    hmac: '4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20',
  };
  assert.equal(verifyShopifyHmac(q, 'hush2'), false);
  assert.equal(verifyShopifyHmac({ ...q, shop: 'evil.myshopify.com' }, 'hush'), false);
  assert.equal(verifyShopifyHmac({ ...q, hmac: undefined }, 'hush'), false);
  assert.equal(verifyShopifyHmac({ ...q, hmac: 'zz' }, 'hush'), false);
  assert.equal(verifyShopifyHmac({ ...q, code: ['a', 'b'] }, 'hush'), false);
});

test('the two canonical forms differ only for values that need percent-encoding', () => {
  assert.deepEqual(hmacMessages({ a: '1', b: 'x.y', hmac: 'h' }), ['a=1&b=x.y']);
  assert.deepEqual(hmacMessages({ host: 'YWRtaW4=', shop: 's.myshopify.com' }), [
    'host=YWRtaW4%3D&shop=s.myshopify.com',
    'host=YWRtaW4=&shop=s.myshopify.com',
  ]);
});

test('shop names: Shopify host pattern only', () => {
  assert.equal(normalizeShop('mystore'), 'mystore.myshopify.com');
  assert.equal(normalizeShop('MyStore.myshopify.com'), 'mystore.myshopify.com');
  for (const bad of [
    'my_store!',
    'evil.com',
    'a.myshopify.com.evil.com',
    'https://x.myshopify.com',
    '-x',
    'x.shopify.com',
    '',
  ]) {
    assert.equal(normalizeShop(bad), null, bad);
  }
  assert.ok(isShopHost('a-b.myshopify.com'));
  assert.equal(isShopHost('a.myshopify.com/'), false);
  assert.equal(isShopHost('127.0.0.1'), false);
});
