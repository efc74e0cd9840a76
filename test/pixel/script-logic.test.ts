/** The pixel's pure parts (src/pixel/script/queue.ts, events.ts), in node: batching, retries, events, cookies. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_NAMES as SERVER_EVENT_NAMES } from '../../src/destinations/contract.js';
import {
  buildEvent,
  cleanCustomData,
  cleanIdentity,
  cookieNames,
  EVENT_NAMES,
  eventIdFrom,
  pageKey,
  readCookies,
} from '../../src/pixel/script/events.js';
import {
  batchLength,
  MAX_BATCH_EVENTS,
  pushBounded,
  type QueuedEvent,
  retryable,
  retryDelay,
} from '../../src/pixel/script/queue.js';

const page = (url: string) => ({ url, referrer: '', title: '' });
const queued = (url: string, json = '{"eventName":"PageVisit"}'): QueuedEvent => ({ page: page(url), json });

test('the script knows the same event names as the server', () => {
  assert.deepEqual([...EVENT_NAMES], [...SERVER_EVENT_NAMES]);
});

test('pushBounded keeps the newest events and says how many it dropped', () => {
  const list = [1, 2, 3];
  assert.equal(pushBounded(list, 4, 5), 0);
  assert.deepEqual(list, [1, 2, 3, 4]);
  assert.equal(pushBounded(list, 5, 3), 2);
  assert.deepEqual(list, [3, 4, 5]);
});

test('a batch: same page as the first event, at most 50 events and the byte budget, never empty', () => {
  assert.equal(batchLength([]), 0);
  const a = 'https://shop.example/?fbclid=x';
  const b = 'https://shop.example/cart';
  assert.equal(batchLength([queued(a), queued(a), queued(b), queued(a)]), 2);
  const many = Array.from({ length: 120 }, () => queued(a));
  assert.equal(batchLength(many), MAX_BATCH_EVENTS);
  const big = (n: number) => queued(a, 'x'.repeat(n));
  assert.equal(batchLength([big(30), big(30), big(30)], 50, 70), 2);
  assert.equal(batchLength([big(500), big(1)], 50, 100), 1, 'an oversized event still leaves, alone');
});

test('retries: network failures, 408, 429 and 5xx; other answers are final', () => {
  for (const status of [0, 408, 429, 500, 502, 503]) assert.equal(retryable(status), true, String(status));
  for (const status of [200, 400, 401, 403, 404, 413]) assert.equal(retryable(status), false, String(status));
});

test('backoff: 1 s, 2 s, 4 s… ±25 %, capped at 30 s; a longer Retry-After wins up to 60 s', () => {
  assert.equal(retryDelay(1, null, 0.5), 1000);
  assert.equal(retryDelay(2, null, 0.5), 2000);
  assert.equal(retryDelay(3, null, 0), 3000);
  assert.equal(retryDelay(3, null, 0.999_999), 5000);
  assert.equal(retryDelay(10, null, 0.5), 30_000);
  assert.equal(retryDelay(1, '7', 0.5), 7000);
  assert.equal(retryDelay(1, '3600', 0.5), 60_000);
  assert.equal(retryDelay(2, 'Wed, 21 Oct 2015 07:28:00 GMT', 0.5), 2000, 'an HTTP date is ignored');
});

test('track → event: known names as they are, others as Custom with their name; ids generated unless given', () => {
  const now = 1_760_000_000_123;
  const id = () => 'px_generated';
  assert.deepEqual(
    buildEvent('AddToCart', { value: 5, currency: 'EUR' }, undefined, 'https://s/p', now, id, undefined),
    {
      eventName: 'AddToCart',
      eventTime: 1_760_000_000,
      url: 'https://s/p',
      eventId: 'px_generated',
      customData: { value: 5, currency: 'EUR' },
    },
  );
  assert.deepEqual(
    buildEvent('NewsletterOpen', undefined, { eventId: 'mine-1' }, 'https://s/', now, id, undefined),
    {
      eventName: 'Custom',
      eventTime: 1_760_000_000,
      url: 'https://s/',
      eventId: 'mine-1',
      customEventName: 'NewsletterOpen',
    },
  );
  for (const bad of [undefined, '', 42, 'x'.repeat(101)]) {
    assert.equal(buildEvent(bad, undefined, undefined, 'https://s/', now, id, undefined), null);
  }
});

test('a Purchase with an order id and no event id leaves the id to the server (purchase_<orderId>)', () => {
  const id = () => 'px_generated';
  const purchase = buildEvent('Purchase', { orderId: 'T-1001', value: 10 }, undefined, 'https://s/', 0, id, {
    email: 'jane@example.com',
  });
  assert.equal(purchase?.eventId, undefined);
  assert.deepEqual(purchase?.userData, { email: 'jane@example.com' });
  assert.equal(
    buildEvent('Purchase', { value: 10 }, undefined, 'https://s/', 0, id, undefined)?.eventId,
    'px_generated',
  );
  assert.equal(
    buildEvent('Purchase', { orderId: 7 }, { eventId: 'given' }, 'https://s/', 0, id, undefined)?.eventId,
    'given',
  );
});

test('custom data: documented fields with the accepted types only', () => {
  assert.deepEqual(
    cleanCustomData({
      value: '12.5',
      currency: 'euro',
      orderId: 1001,
      contents: [{ id: 'SKU-1', quantity: 2, price: 5, color: 'red' }, { quantity: 1 }, 'x'],
      numItems: -1,
      searchString: 'shoes',
      extra: { deep: true },
    }),
    { orderId: 1001, contents: [{ id: 'SKU-1', quantity: 2, price: 5 }], searchString: 'shoes' },
  );
  assert.equal(cleanCustomData({ nothing: 1 }), undefined);
  assert.equal(cleanCustomData('x'), undefined);
});

test('identify keeps e-mail, phone and external id (a number as its decimal string)', () => {
  assert.deepEqual(cleanIdentity({ email: 'a@b.c', phone: '+1 650', externalId: 42, firstName: 'Jane' }), {
    email: 'a@b.c',
    phone: '+1 650',
    externalId: '42',
  });
  assert.equal(cleanIdentity({ email: '' }), undefined);
  assert.equal(cleanIdentity(null), undefined);
});

test('event ids: px_ and one base64url character per random byte', () => {
  assert.equal(eventIdFrom([0, 1, 25, 26, 51, 52, 61, 62, 63, 64, 255]), 'px_ABZaz09-_A_');
});

test('cookies: the named ones, decoded, first occurrence wins; consent decides which names', () => {
  const jar =
    '_fbp=fb.1.1700000000000.123; other=1; _ga=GA1.1.5.6; _fbc=fb.1.1%2E2; _fbp=second; broken; _epik=%E0';
  assert.deepEqual(readCookies(jar, ['_fbp', '_fbc', '_ga', '_epik']), {
    _fbp: 'fb.1.1700000000000.123',
    _ga: 'GA1.1.5.6',
    _fbc: 'fb.1.1.2',
    _epik: '%E0',
  });
  assert.deepEqual(readCookies('', ['_fbp']), {});
  assert.ok(cookieNames(null).includes('_fbp') && cookieNames(null).includes('_ga'));
  assert.deepEqual(cookieNames({ ads: false, analytics: true }), ['_ga', '_tb_vid']);
  assert.deepEqual(cookieNames({ ads: false, analytics: false }), []);
  assert.ok(!cookieNames({ ads: true, analytics: false }).includes('_ga'));
});

test('a page is its URL without the fragment', () => {
  assert.equal(pageKey('https://s/a?x=1#top'), 'https://s/a?x=1');
  assert.equal(pageKey('https://s/a'), 'https://s/a');
});
