import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearPageUrl, looksPersonal, protectPageData, restoreCustomData } from './page-privacy.js';

test('a page URL keeps origin and path in clear; query and fragment go into the seal', () => {
  const url =
    'https://shop.example/checkout/order-received/42/?key=wc_order_abc&email=jane%40example.com#top';
  const page = protectPageData(url, undefined);
  assert.equal(page.url, 'https://shop.example/checkout/order-received/42/');
  assert.deepEqual(page.sealed, { url });
  assert.deepEqual(protectPageData('https://shop.example/p/mug', undefined), {
    url: 'https://shop.example/p/mug',
    customData: undefined,
    sealed: undefined,
  });
  assert.equal(
    clearPageUrl('https://shop.example/account/jane%40example.com/orders'),
    'https://shop.example',
  );
  assert.equal(clearPageUrl('not a url?x=1'), 'not a url');
  // Campaign parameters stay (unless personal); click ids and everything else go.
  assert.equal(
    clearPageUrl(
      'https://shop.example/p?fbclid=IwAR1&utm_source=meta&utm_campaign=a%40b.example&utm_medium=cpc',
    ),
    'https://shop.example/p?utm_source=meta&utm_medium=cpc',
  );
});

test('customData: free-text keys and e-mail- or phone-like values are sealed, commerce fields stay', () => {
  const customData = {
    currency: 'EUR',
    value: 12.5,
    orderId: '2024-555-1212',
    contents: [{ id: 'SKU-1', quantity: 1 }],
    search_string: 'red mugs',
    coupon: 'jane@example.com',
    note: 'ring me',
    giftFor: 'call +44 20 7946 0958 please',
    contactNumber: '(650) 555-1212',
    numItems: 1,
  };
  const page = protectPageData(undefined, customData);
  assert.deepEqual(page.customData, {
    currency: 'EUR',
    value: 12.5,
    orderId: '2024-555-1212',
    contents: [{ id: 'SKU-1', quantity: 1 }],
    numItems: 1,
  });
  assert.deepEqual(Object.keys(page.sealed?.cd ?? {}).sort(), [
    'contactNumber',
    'coupon',
    'giftFor',
    'note',
    'search_string',
  ]);
  assert.deepEqual(restoreCustomData(page.customData!, page.sealed), {
    ...page.customData,
    ...page.sealed?.cd,
  });
  assert.deepEqual(
    new Set(Object.entries(restoreCustomData(page.customData!, page.sealed))),
    new Set(Object.entries(customData)),
  );
  // A nested address is found too; plain numbers and ids are not phones.
  assert.ok(looksPersonal('x JANE.DOE@EXAMPLE.CO.UK y'));
  assert.ok(!looksPersonal('SKU-12345'));
  assert.ok(!looksPersonal('1234567890'));
  assert.ok(!looksPersonal('2024-01-05'));
  assert.deepEqual(
    Object.keys(protectPageData(undefined, { items: [{ to: 'a@b.example' }] }).sealed?.cd ?? {}),
    ['items'],
  );
});
