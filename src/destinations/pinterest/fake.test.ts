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
import { startFakePinterest } from './fake.js';

const TOKEN = 'pina_good_token';
const AD_ACCOUNT = '549755885175';

function event(
  overrides: Record<string, unknown> = {},
  userData: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: NOW_S - 60,
    event_id: 'order-1001',
    event_source_url: 'https://shop.example/checkout/thanks',
    partner_name: 'ss-tagbridge',
    user_data: {
      em: [EMAIL_HASH],
      ph: [sha256('16505551212')],
      client_ip_address: IP,
      client_user_agent: UA,
      click_id: 'dj0yJnU9abc',
      ...userData,
    },
    custom_data: {
      currency: 'USD',
      value: '49.99',
      order_id: 'order-1001',
      num_items: 1,
      contents: [{ id: 'SKU-1', item_price: '49.99', quantity: 1 }],
    },
    ...overrides,
  };
}

describe('fake Pinterest Conversions API', () => {
  let pinterest: FakePlatform;
  const send = (events: unknown[], opts: { token?: string; query?: string; account?: string } = {}) =>
    post(
      `${pinterest.url}/v5/ad_accounts/${opts.account ?? AD_ACCOUNT}/events${opts.query ?? ''}`,
      { data: events },
      { headers: { authorization: `Bearer ${opts.token ?? TOKEN}` } },
    );

  before(async () => {
    pinterest = await startFakePinterest({ validTokens: [TOKEN], knownIds: [AD_ACCOUNT], now: clock });
  });
  after(() => pinterest.close());
  beforeEach(() => pinterest.reset());

  it('accepts valid events with the ConversionApiResponse shape', async () => {
    const res = await send([
      event(),
      event({ event_id: 'order-1002', event_name: 'page_visit', custom_data: undefined }),
    ]);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      num_events_received: 2,
      num_events_processed: 2,
      events: [
        { status: 'processed', error_message: '', warning_message: '' },
        { status: 'processed', error_message: '', warning_message: '' },
      ],
    });
    assert.equal(pinterest.accepted.length, 2);
    assert.equal(pinterest.received[0]?.testMode, false);
  });

  it('recognizes ?test=true as test mode', async () => {
    const res = await send([event()], { query: '?test=true' });
    assert.equal(res.status, 200);
    assert.equal(pinterest.received[0]?.testMode, true);
  });

  it('answers bad auth with 401 code 2 and an unknown ad account with 403 code 29', async () => {
    const bad = await send([event()], { token: 'wrong' });
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.body, { code: 2, message: 'Authentication failed.' });
    const noBearer = await post(`${pinterest.url}/v5/ad_accounts/${AD_ACCOUNT}/events`, { data: [event()] });
    assert.equal(noBearer.status, 401);
    const other = await send([event()], { account: '111' });
    assert.equal(other.status, 403);
    assert.equal(pick(other.body, 'code'), 29);
    const malformed = await send([event()], { account: 'act_123' });
    assert.equal(malformed.status, 400);
  });

  it('rejects unknown keys on events, user_data and custom_data (additionalProperties: false)', async () => {
    const onEvent = await send([event({ currency: 'USD' })]);
    assert.equal(onEvent.status, 400);
    assert.match(text(onEvent.body), /data\[0\]\.currency: is not a known field/);
    const onUser = await send([event({}, { email: [EMAIL_HASH] })]);
    assert.match(text(onUser.body), /data\[0\]\.user_data\.email: is not a known field/);
    const onCustom = await send([event({ custom_data: { value: '1', content_type: 'product' } })]);
    assert.match(text(onCustom.body), /custom_data\.content_type: is not a known field/);
    assert.equal(pinterest.accepted.length, 0);
  });

  it('rejects schema type errors with a 400: value as a number, em as a string', async () => {
    const value = await send([event({ custom_data: { value: 49.99 } })]);
    assert.equal(value.status, 400);
    assert.equal(pick(value.body, 'code'), 4196);
    assert.match(text(value.body), /custom_data\.value: must be a string/);
    const em = await send([event({}, { em: EMAIL_HASH })]);
    assert.match(text(em.body), /user_data\.em: must be an array/);
    const price = await send([event({ custom_data: { contents: [{ id: 'a', item_price: 3 }] } })]);
    assert.match(text(price.body), /item_price: must be a string/);
  });

  it('rejects a bad event_name enum and missing event_id', async () => {
    const name = await send([event({ event_name: 'purchase' })]);
    assert.match(text(name.body), /event_name: must be one of/);
    const { event_id: _id, ...noId } = event();
    const id = await send([noId]);
    assert.match(text(id.body), /data\[0\]\.event_id: is required/);
  });

  it('requires em, hashed_maids or the IP + user agent pair', async () => {
    const res = await send([event({ user_data: { client_ip_address: IP, ph: [sha256('1')] } })]);
    assert.equal(res.status, 400);
    assert.match(text(res.body), /at least one of em, hashed_maids, or the pair/);
    const pairOnly = await send([event({ user_data: { client_ip_address: IP, client_user_agent: UA } })]);
    assert.equal(pairOnly.status, 200);
  });

  it('fails an unhashed email per event while processing the rest (partial success)', async () => {
    const res = await send([event(), event({ event_id: 'bad' }, { em: ['John@Example.com'] })]);
    assert.equal(res.status, 200);
    assert.equal(pick(res.body, 'num_events_received'), 2);
    assert.equal(pick(res.body, 'num_events_processed'), 1);
    assert.equal(pick(res.body, 'events.0.status'), 'processed');
    assert.equal(pick(res.body, 'events.1.status'), 'failed');
    assert.match(String(pick(res.body, 'events.1.error_message')), /user_data\.em\[0\]: .*cleartext email/);
    assert.deepEqual(
      pinterest.accepted.map((e) => e.event_id),
      ['order-1001'],
    );
  });

  it('fails a hashed or invalid IP per event', async () => {
    const res = await send([
      event({}, { client_ip_address: sha256(IP) }),
      event({}, { client_ip_address: '300.1.1.1' }),
    ]);
    assert.equal(pick(res.body, 'events.0.status'), 'failed');
    assert.match(String(pick(res.body, 'events.0.error_message')), /client_ip_address: .*cleartext IP/);
    assert.match(String(pick(res.body, 'events.1.error_message')), /valid IPv4 or IPv6/);
  });

  it('fails events older than 7 days per event', async () => {
    const res = await send([event({ event_time: NOW_S - 8 * DAY_S }), event()]);
    assert.equal(pick(res.body, 'events.0.status'), 'failed');
    assert.match(String(pick(res.body, 'events.0.error_message')), /event_time: is too far in the past/);
    assert.equal(pick(res.body, 'events.1.status'), 'processed');
  });

  it('rejects a batch over 1000 events', async () => {
    const res = await send(repeat(1001, (i) => event({ event_id: `e${i}` })));
    assert.equal(res.status, 400);
    assert.match(text(res.body), /at most 1000/);
  });

  it('warns about a partner_name not in the ss-<name> form', async () => {
    const res = await send([event({ partner_name: 'Tagbridge' })]);
    assert.equal(pick(res.body, 'events.0.status'), 'processed');
    assert.match(String(pick(res.body, 'events.0.warning_message')), /ss-/);
  });

  it('renders injected failures in Pinterest shapes', async () => {
    pinterest.enqueue(
      { kind: 'throttle' },
      { kind: 'rateLimit', retryAfterSeconds: 60 },
      { kind: 'badToken' },
      { kind: 'status', status: 503 },
    );
    const throttle = await send([event()]);
    assert.equal(throttle.status, 429);
    assert.equal(pick(throttle.body, 'code'), 8);
    const limited = await send([event()]);
    assert.equal(limited.headers.get('retry-after'), '60');
    const bad = await send([event()]);
    assert.equal(bad.status, 401);
    assert.equal(pick(bad.body, 'code'), 2);
    const down = await send([event()]);
    assert.equal(down.status, 503);
    assert.equal(pick(down.body, 'code'), 4197);
  });
});
