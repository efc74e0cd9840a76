import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../lib/status-error.js';
import type { StoreGet } from '../orders/store-orders.js';
import { checkWooKeys, validWooKeys } from './woocommerce-check.js';

const keys = { consumerKey: `ck_${'a'.repeat(40)}`, consumerSecret: `cs_${'b'.repeat(40)}` };

function store(answer: (url: string, headers: Record<string, string>) => number): {
  get: StoreGet;
  calls: Array<{ url: string; headers: Record<string, string> }>;
} {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  return {
    calls,
    get: async (url, headers) => {
      calls.push({ url, headers });
      return { status: answer(url, headers), headers: {}, body: '[]' };
    },
  };
}

test('Basic first: a store that accepts it is asked once', async () => {
  const s = store(() => 200);
  assert.equal(await checkWooKeys(s.get, 'https://shop.example.com', keys), 'basic');
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0]!.url, 'https://shop.example.com/wp-json/wc/v3/products?per_page=1');
  assert.equal(
    s.calls[0]!.headers.authorization,
    `Basic ${Buffer.from(`${keys.consumerKey}:${keys.consumerSecret}`).toString('base64')}`,
  );
});

test('Basic refused, query string accepted: query', async () => {
  const s = store((url) => (url.includes('consumer_key=') ? 200 : 401));
  assert.equal(await checkWooKeys(s.get, 'https://shop.example.com/wp', keys), 'query');
  assert.equal(
    s.calls[1]!.url,
    `https://shop.example.com/wp/wp-json/wc/v3/products?per_page=1&consumer_key=${keys.consumerKey}&consumer_secret=${keys.consumerSecret}`,
  );
  assert.equal(s.calls[1]!.headers.authorization, undefined);
});

test('both refused: 400 INVALID_STORE_CREDENTIALS; another answer: STORE_UNREACHABLE', async () => {
  await assert.rejects(
    checkWooKeys(store(() => 401).get, 'https://shop.example.com', keys),
    (e: unknown) =>
      e instanceof StatusError && e.statusCode === 400 && e.code === 'INVALID_STORE_CREDENTIALS',
  );
  await assert.rejects(
    checkWooKeys(store(() => 404).get, 'https://shop.example.com', keys),
    (e: unknown) => e instanceof StatusError && e.code === 'STORE_UNREACHABLE',
  );
});

test('key format: ck_/cs_ and 40 lower-case hex', () => {
  assert.throws(() => validWooKeys('ck_123', keys.consumerSecret), StatusError);
  assert.throws(() => validWooKeys(keys.consumerKey, `cs_${'B'.repeat(40)}`), StatusError);
  assert.deepEqual(validWooKeys(keys.consumerKey, keys.consumerSecret), keys);
});
