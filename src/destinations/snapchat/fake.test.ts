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
import { startFakeSnapchat } from './fake.js';

const TOKEN = 'snap-good-token';
const PIXEL = '5bf81ee1-15b1-4dc1-b636-d7dae49b950e';

function event(
  overrides: Record<string, unknown> = {},
  userData: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    event_name: 'PURCHASE',
    event_time: NOW_S - 60,
    event_id: 'order-1001',
    action_source: 'WEB',
    event_source_url: 'https://shop.example/checkout/thanks',
    user_data: {
      em: [EMAIL_HASH],
      ph: [sha256('448444124653')],
      client_ip_address: IP,
      client_user_agent: UA,
      sc_click_id: 'click-1',
      sc_cookie1: 'cookie-1',
      ...userData,
    },
    custom_data: {
      currency: 'USD',
      value: 49.99,
      contents: [{ id: 'SKU-1', quantity: '1', item_price: '49.99' }],
    },
    ...overrides,
  };
}

describe('fake Snapchat Conversions API', () => {
  let snap: FakePlatform;
  const send = (events: unknown[], opts: { token?: string; validate?: boolean; pixel?: string } = {}) =>
    post(
      `${snap.url}/v3/${opts.pixel ?? PIXEL}/events${opts.validate === true ? '/validate' : ''}?access_token=${opts.token ?? TOKEN}`,
      { data: events },
    );

  before(async () => {
    snap = await startFakeSnapchat({ validTokens: [TOKEN], knownIds: [PIXEL], now: clock });
  });
  after(() => snap.close());
  beforeEach(() => snap.reset());

  it('accepts valid events with status VALID', async () => {
    const res = await send([
      event(),
      event({ event_id: 'order-1002', event_name: 'PAGE_VIEW', custom_data: undefined }),
    ]);
    assert.equal(res.status, 200);
    assert.equal(pick(res.body, 'status'), 'VALID');
    assert.equal(typeof pick(res.body, 'reason'), 'string');
    assert.equal(snap.accepted.length, 2);
    assert.equal(snap.received[0]?.testMode, false);
  });

  it('treats /events/validate as test mode and answers per event', async () => {
    const ok = await send([event()], { validate: true });
    assert.equal(ok.status, 200);
    assert.equal(pick(ok.body, 'test_event'), true);
    assert.equal(pick(ok.body, 'event_logs.0.status'), 'VALID');
    assert.equal(snap.received[0]?.testMode, true);
    const bad = await send([event(), event({}, { em: ['a@b.c'] })], { validate: true });
    assert.equal(pick(bad.body, 'status'), 'INVALID');
    assert.equal(pick(bad.body, 'event_logs.0.status'), 'VALID');
    assert.equal(pick(bad.body, 'event_logs.1.status'), 'INVALID');
  });

  it('answers a bad or missing token with 401', async () => {
    const bad = await send([event()], { token: 'nope' });
    assert.equal(bad.status, 401);
    assert.equal(pick(bad.body, 'status'), 'INVALID');
    const bearer = await post(
      `${snap.url}/v3/${PIXEL}/events`,
      { data: [event()] },
      {
        headers: { authorization: `Bearer ${TOKEN}` },
      },
    );
    assert.equal(bearer.status, 401, 'the token goes in the access_token query parameter');
    const unknownPixel = await send([event()], { pixel: 'other' });
    assert.equal(unknownPixel.status, 403);
  });

  it('rejects an unhashed email, naming the event and field', async () => {
    const res = await send([event(), event({}, { em: ['Person@Example.com'] })]);
    assert.equal(res.status, 400);
    assert.equal(pick(res.body, 'status'), 'INVALID');
    assert.equal(pick(res.body, 'event'), 1);
    assert.match(String(pick(res.body, 'reason')), /data\[1\]\.user_data\.em\[0\]: .*cleartext email/);
    assert.deepEqual(pick(res.body, 'errors.codes'), ['NOT_HASHED']);
    assert.equal(snap.accepted.length, 0);
  });

  it('wants hashed identifiers as arrays', async () => {
    const res = await send([event({}, { em: EMAIL_HASH })]);
    assert.equal(res.status, 400);
    assert.match(text(res.body), /user_data\.em: must be an array/);
  });

  it('rejects a hashed IP', async () => {
    const res = await send([event({}, { client_ip_address: sha256(IP) })]);
    assert.equal(res.status, 400);
    assert.match(text(res.body), /client_ip_address: .*cleartext IP/);
  });

  it('rejects wrong types: event_time as a string, contents quantity as a number', async () => {
    const time = await send([event({ event_time: String(NOW_S) })]);
    assert.match(text(time.body), /event_time: must be an integer, got string/);
    const quantity = await send([
      event({ custom_data: { currency: 'USD', value: 1, contents: [{ id: 'a', quantity: 1 }] } }),
    ]);
    assert.match(text(quantity.body), /quantity: must be a string/);
  });

  it('requires em, ph, mobile_ad_id, or the IP + user agent pair', async () => {
    const res = await send([event({ user_data: { client_user_agent: UA, fn: [sha256('mary')] } })]);
    assert.equal(res.status, 400);
    assert.match(
      text(res.body),
      /must contain em, ph, mobile_ad_id, or both client_ip_address and client_user_agent/,
    );
    const pair = await send([event({ user_data: { client_ip_address: IP, client_user_agent: UA } })]);
    assert.equal(pair.status, 200);
    const phoneOnly = await send([event({ user_data: { ph: [sha256('1')] } })]);
    assert.equal(phoneOnly.status, 200);
  });

  it('rejects unknown event names and requires currency and value on PURCHASE', async () => {
    const name = await send([event({ event_name: 'LEAD' })]);
    assert.match(text(name.body), /event_name: must be one of/);
    const purchase = await send([event({ custom_data: { value: 3 } })]);
    assert.match(text(purchase.body), /custom_data\.currency: is required/);
  });

  it('accepts events up to 37 days old and rejects older ones', async () => {
    assert.equal((await send([event({ event_time: NOW_S - 36 * DAY_S })])).status, 200);
    const old = await send([event({ event_time: NOW_S - 38 * DAY_S })]);
    assert.equal(old.status, 400);
    assert.match(text(old.body), /37 days/);
    assert.deepEqual(pick(old.body, 'errors.codes'), ['TOO_OLD']);
  });

  it('accepts 2000 events and rejects 2001', async () => {
    const ok = await send(repeat(2000, (i) => event({ event_id: `e${i}` })));
    assert.equal(ok.status, 200);
    const big = await send(repeat(2001, (i) => event({ event_id: `e${i}` })));
    assert.equal(big.status, 400);
    assert.match(text(big.body), /at most 2000/);
  });

  it('renders injected failures in Snap shapes', async () => {
    snap.enqueue(
      { kind: 'throttle' },
      { kind: 'rateLimit', retryAfterSeconds: 2 },
      { kind: 'badToken' },
      { kind: 'status', status: 502 },
    );
    const throttle = await send([event()]);
    assert.equal(throttle.status, 429);
    assert.equal(throttle.headers.get('retry-after'), null);
    const limited = await send([event()]);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal((await send([event()])).status, 401);
    const gateway = await send([event()]);
    assert.equal(gateway.status, 502);
    assert.equal(pick(gateway.body, 'status'), 'INVALID');
  });
});
