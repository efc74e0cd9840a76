import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FakePlatform } from '../fakes/common.js';
import {
  clock,
  DAY_S,
  EMAIL_HASH,
  IP,
  NOW_S,
  pick,
  post,
  repeat,
  sha256,
  text,
  UA,
} from '../fakes/test-helpers.js';
import { startFakeMicrosoft } from './fake.js';

const TOKEN = 'ms-capi-token';
const TAG = '187012345';

function event(
  overrides: Record<string, unknown> = {},
  userData: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    eventType: 'custom',
    eventName: 'purchase',
    eventId: 'ORD-1001',
    eventTime: NOW_S - 60,
    eventSourceUrl: 'https://shop.example.com/checkout/thank-you',
    adStorageConsent: 'G',
    userData: {
      anonymousId: 'b171a9b06ce011ecafcd1b209be8601b',
      msclkid: 'dd4afcccb1c9a4cad9544dd7e5006',
      em: EMAIL_HASH,
      ph: sha256('+16505551212'),
      clientIpAddress: IP,
      clientUserAgent: UA,
      ...userData,
    },
    customData: {
      pageType: 'purchase',
      transactionId: 'ORD-1001',
      value: 59.8,
      currency: 'EUR',
      ecommTotalValue: 59.8,
      itemIds: ['SKU-1'],
      items: [{ id: 'SKU-1', name: 'T-Shirt', price: 27.45, quantity: 2 }],
    },
    ...overrides,
  };
}

describe('fake Microsoft UET Conversions API', () => {
  let ms: FakePlatform;
  const url = (tag = TAG): string => `${ms.url}/v1/${tag}/events`;
  const auth = (token = TOKEN) => ({ headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    ms = await startFakeMicrosoft({ validTokens: [TOKEN], knownIds: [TAG], now: clock });
  });
  after(() => ms.close());
  beforeEach(() => ms.reset());

  it('accepts the documented example: 200 eventsReceived', async () => {
    const res = await post(url(), { data: [event()], continueOnValidationError: true }, auth());
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { eventsReceived: 1 });
    assert.equal(ms.accepted.length, 1);
    assert.equal(ms.received[0]?.testMode, false);
  });

  it('401 Unauthorized without a token, with a wrong one, or for another tag', async () => {
    for (const [target, init] of [
      [url(), {}],
      [url(), auth('wrong')],
      [url('999'), auth()],
    ] as const) {
      const res = await post(target, { data: [event()] }, init);
      assert.equal(res.status, 401);
      assert.equal(pick(res.body, 'error.code'), 'Unauthorized');
    }
    assert.equal(ms.accepted.length, 0);
  });

  it('a validation error names each invalid event by index, in Microsoft’s words', async () => {
    const res = await post(
      url(),
      { data: [event({ eventTime: undefined }), event(), event({}, { em: 'jane@example.com' })] },
      auth(),
    );
    assert.equal(res.status, 400);
    assert.equal(pick(res.body, 'error.code'), 'ValidationError');
    assert.deepEqual(pick(res.body, 'error.details'), [
      { index: 0, propertyName: 'data[0].eventTime', errorMessage: "'eventTime' must not be empty." },
      { index: 2, propertyName: 'data[2].userData.em', errorMessage: "'em' must be a valid SHA256 string." },
    ]);
    assert.equal(ms.accepted.length, 0, 'without continueOnValidationError nothing is taken');
  });

  it('continueOnValidationError (top level) takes the valid events of a batch', async () => {
    const res = await post(
      url(),
      { data: [event({ eventType: 'click' }), event({ eventId: 'ok' })], continueOnValidationError: true },
      auth(),
    );
    assert.equal(res.status, 400);
    assert.deepEqual(
      ms.accepted.map((e) => e.eventId),
      ['ok'],
    );
  });

  it('refuses the flag inside an event, as a third-party client puts it', async () => {
    const res = await post(url(), { data: [event({ continueOnValidationError: true })] }, auth());
    assert.match(text(res.body), /data\[0\]\.continueOnValidationError/);
  });

  it('requires anonymousId and, on a pageLoad, the page URL; a pageLoad carries no revenue', async () => {
    const noAnon = await post(url(), { data: [event({}, { anonymousId: undefined })] }, auth());
    assert.match(text(noAnon.body), /'anonymousId' must not be empty/);
    const page = event({
      eventType: 'pageLoad',
      eventName: undefined,
      eventSourceUrl: undefined,
      customData: { value: 3 },
    });
    const res = await post(url(), { data: [page] }, auth());
    assert.match(text(res.body), /'eventSourceUrl' must not be empty/);
    assert.match(text(res.body), /not allowed on a pageLoad/);
  });

  it('types: seconds not milliseconds, G or D consent, plain msclkid, a real IP, upper-case currency', async () => {
    const checks: Array<[Record<string, unknown>, Record<string, unknown>, RegExp]> = [
      [{ eventTime: NOW_S * 1000 }, {}, /milliseconds/],
      [{ adStorageConsent: 'granted' }, {}, /must be one of G, D/],
      [{}, { msclkid: sha256('click') }, /msclkid.*unhashed/],
      [{}, { clientIpAddress: '10.0' }, /valid IPv4/],
      [{}, { em: [EMAIL_HASH] }, /'em' must be a string/],
      [
        { customData: { value: '59.8', currency: 'eur' } },
        {},
        /'value' must be a number[\s\S]*'currency' must be an ISO 4217/,
      ],
      [{ customData: { pageType: 'checkout' } }, {}, /pageType/],
      [{ customData: { items: [{ name: 'no id' }] } }, {}, /items\[0\]\.id/],
    ];
    for (const [overrides, user, pattern] of checks) {
      const res = await post(url(), { data: [event(overrides, user)] }, auth());
      assert.equal(res.status, 400, JSON.stringify(overrides));
      assert.match(text(res.body), pattern);
    }
  });

  it('events older than 7 days are refused', async () => {
    const res = await post(url(), { data: [event({ eventTime: NOW_S - 7 * DAY_S - 60 })] }, auth());
    assert.match(text(res.body), /at most 7 days/);
  });

  it('1 to 1,000 events per request', async () => {
    const big = await post(url(), { data: repeat(1001, (i) => event({ eventId: `e${i}` })) }, auth());
    assert.match(text(big.body), /at most 1000/);
    const empty = await post(url(), { data: [] }, auth());
    assert.equal(empty.status, 400);
    const full = await post(url(), { data: repeat(1000, (i) => event({ eventId: `e${i}` })) }, auth());
    assert.deepEqual(full.body, { eventsReceived: 1000 });
  });

  it('a request of only "D" events counts as test mode (nothing used for advertising)', async () => {
    await post(url(), { data: [event({ adStorageConsent: 'D' })], continueOnValidationError: false }, auth());
    assert.equal(ms.received[0]?.testMode, true);
  });

  it('renders injected failures in its error shape', async () => {
    ms.enqueue(
      { kind: 'rateLimit', retryAfterSeconds: 20 },
      { kind: 'status', status: 500 },
      { kind: 'badToken' },
    );
    const limited = await post(url(), { data: [event()] }, auth());
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '20');
    assert.equal(pick(limited.body, 'error.code'), 'TooManyRequests');
    assert.equal((await post(url(), { data: [event()] }, auth())).status, 500);
    assert.equal(pick((await post(url(), { data: [event()] }, auth())).body, 'error.code'), 'Unauthorized');
    assert.equal((await post(url(), { data: [event()] }, auth())).status, 200);
  });
});
