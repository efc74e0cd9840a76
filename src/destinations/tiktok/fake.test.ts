import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FakePlatform } from '../fakes/common.js';
import { clock, EMAIL_HASH, IP, NOW_S, pick, post, repeat, sha256, text, UA } from '../fakes/test-helpers.js';
import { startFakeTikTok, TIKTOK_TRACK_PATH } from './fake.js';

const TOKEN = 'tt-good-token';
const PIXEL = 'C4ABCDEFGHIJKLMNOPQR';

function event(
  overrides: Record<string, unknown> = {},
  user: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    event: 'Purchase',
    event_time: NOW_S - 60,
    event_id: 'order-1001',
    user: {
      email: EMAIL_HASH,
      phone: sha256('+16505551212'),
      external_id: sha256('cust-42'),
      ip: IP,
      user_agent: UA,
      ttclid: 'E.C.P.abc',
      ttp: 'ttp-cookie',
      ...user,
    },
    page: { url: 'https://shop.example/checkout/thanks', referrer: 'https://shop.example/cart' },
    properties: {
      currency: 'USD',
      value: 49.99,
      content_type: 'product',
      contents: [{ content_id: 'SKU-1', quantity: 1, price: 49.99 }],
    },
    ...overrides,
  };
}

function body(events: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_source: 'web', event_source_id: PIXEL, data: events, ...extra };
}

describe('fake TikTok Events API', () => {
  let tiktok: FakePlatform;
  /** `token: null` sends no Access-Token header. */
  const send = (payload: unknown, token: string | null = TOKEN, path = TIKTOK_TRACK_PATH) =>
    post(`${tiktok.url}${path}`, payload, { headers: token === null ? {} : { 'access-token': token } });

  before(async () => {
    tiktok = await startFakeTikTok({ validTokens: [TOKEN], knownIds: [PIXEL], now: clock });
  });
  after(() => tiktok.close());
  beforeEach(() => tiktok.reset());

  it('accepts a valid batch with code 0', async () => {
    const res = await send(body([event(), event({ event_id: 'order-1002' })]));
    assert.equal(res.status, 200);
    assert.equal(pick(res.body, 'code'), 0);
    assert.equal(pick(res.body, 'message'), 'OK');
    assert.equal(typeof pick(res.body, 'request_id'), 'string');
    assert.deepEqual(pick(res.body, 'data'), {});
    assert.equal(tiktok.accepted.length, 2);
    assert.equal(tiktok.received[0]?.headers['access-token'], TOKEN);
  });

  it('recognizes test_event_code as test mode', async () => {
    await send(body([event()], { test_event_code: 'TEST12345' }));
    assert.equal(tiktok.received[0]?.testMode, true);
  });

  it('answers a bad or missing Access-Token with HTTP 200 code 40105', async () => {
    const bad = await send(body([event()]), 'nope');
    assert.equal(bad.status, 200);
    assert.equal(pick(bad.body, 'code'), 40105);
    const missing = await send(body([event()]), null);
    assert.equal(pick(missing.body, 'code'), 40105);
    const asBearer = await post(`${tiktok.url}${TIKTOK_TRACK_PATH}`, body([event()]), {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(pick(asBearer.body, 'code'), 40105, 'the token goes in Access-Token, not Authorization');
    assert.equal(tiktok.accepted.length, 0);
  });

  it('answers an unknown pixel code with 40001', async () => {
    const res = await send({ ...body([event()]), event_source_id: 'OTHERPIXEL' });
    assert.equal(pick(res.body, 'code'), 40001);
  });

  it('requires the exact path with the trailing slash', async () => {
    const res = await send(body([event()]), TOKEN, '/open_api/v1.3/event/track');
    assert.equal(res.status, 404);
    assert.match(text(res.body), /trailing slash/);
  });

  it('rejects an unhashed email with 40002 naming the field', async () => {
    const res = await send(body([event({}, { email: 'john@example.com' })]));
    assert.equal(res.status, 200);
    assert.equal(pick(res.body, 'code'), 40002);
    assert.match(String(pick(res.body, 'message')), /^data\.0\.user\.email: .*cleartext email/);
  });

  it('accepts email/phone/external_id as arrays of hashes', async () => {
    const res = await send(
      body([event({}, { email: [EMAIL_HASH], external_id: [sha256('a'), sha256('b')] })]),
    );
    assert.equal(pick(res.body, 'code'), 0);
  });

  it('rejects a hashed IP or user agent, and plain city/country must not be hashed', async () => {
    const ip = await send(body([event({}, { ip: sha256(IP) })]));
    assert.match(String(pick(ip.body, 'message')), /user\.ip.*cleartext IP/);
    const ua = await send(body([event({}, { user_agent: sha256(UA) })]));
    assert.match(String(pick(ua.body, 'message')), /user\.user_agent/);
    const country = await send(body([event({}, { country: sha256('us') })]));
    assert.match(String(pick(country.body, 'message')), /user\.country/);
  });

  it('rejects wrong types', async () => {
    const time = await send(body([event({ event_time: new Date().toISOString() })]));
    assert.match(String(pick(time.body, 'message')), /event_time: must be an integer/);
    const value = await send(body([event({ properties: { value: '49.99', currency: 'USD' } })]));
    assert.match(String(pick(value.body, 'message')), /properties\.value: must be a number/);
    const id = await send(body([event({ properties: { contents: [{ content_id: 12 }] } })]));
    assert.match(String(pick(id.body, 'message')), /contents\.0\.content_id: must be a string/);
  });

  it('requires event_source, event_source_id, event and event_time', async () => {
    const noSource = await send({ event_source_id: PIXEL, data: [event()] });
    assert.match(String(pick(noSource.body, 'message')), /event_source: is required/);
    const badSource = await send(body([event()], { event_source: 'website' }));
    assert.match(
      String(pick(badSource.body, 'message')),
      /event_source: must be one of web, app, offline, crm/,
    );
    const { event: _e, ...noName } = event();
    const res = await send(body([noName]));
    assert.match(String(pick(res.body, 'message')), /data\.0\.event: is required/);
  });

  it('fails the whole batch when one event is invalid', async () => {
    const res = await send(body([event(), event({}, { email: 'x@y.z' })]));
    assert.equal(pick(res.body, 'code'), 40002);
    assert.match(String(pick(res.body, 'message')), /^data\.1\./);
    assert.equal(tiktok.accepted.length, 0);
  });

  it('rejects a batch over 1000 events', async () => {
    const res = await send(body(repeat(1001, (i) => event({ event_id: `e${i}` }))));
    assert.equal(pick(res.body, 'code'), 40002);
    assert.match(String(pick(res.body, 'message')), /at most 1000/);
  });

  it('requires a JSON content type', async () => {
    const res = await post(`${tiktok.url}${TIKTOK_TRACK_PATH}`, undefined, {
      headers: { 'access-token': TOKEN, 'content-type': 'text/plain' },
      raw: JSON.stringify(body([event()])),
    });
    assert.equal(pick(res.body, 'code'), 40002);
  });

  it('renders injected failures in TikTok shapes', async () => {
    tiktok.enqueue(
      { kind: 'throttle' },
      { kind: 'badToken' },
      { kind: 'rateLimit', retryAfterSeconds: 5 },
      { kind: 'status', status: 500 },
    );
    const throttle = await send(body([event()]));
    assert.equal(throttle.status, 200);
    assert.equal(pick(throttle.body, 'code'), 40100);
    const bad = await send(body([event()]));
    assert.equal(bad.status, 200);
    assert.equal(pick(bad.body, 'code'), 40105);
    const limited = await send(body([event()]));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '5');
    const error = await send(body([event()]));
    assert.equal(error.status, 500);
    assert.equal((await send(body([event()]))).status, 200);
    assert.equal(tiktok.accepted.length, 1);
  });
});
