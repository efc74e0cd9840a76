import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FakePlatform } from '../fakes/common.js';
import {
  clock,
  DAY_S,
  EMAIL_HASH,
  IP,
  NOW_S,
  PHONE_HASH,
  pick,
  post,
  repeat,
  sha256,
  text,
  UA,
} from '../fakes/test-helpers.js';
import { startFakeMeta } from './fake.js';

const TOKEN = 'EAAB-good-token';
const PIXEL = '1234567890';

function event(
  overrides: Record<string, unknown> = {},
  userData: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    event_name: 'Purchase',
    event_time: NOW_S - 60,
    event_id: 'order-1001',
    action_source: 'website',
    event_source_url: 'https://shop.example/checkout/thanks',
    user_data: {
      em: [EMAIL_HASH],
      ph: [PHONE_HASH],
      client_ip_address: IP,
      client_user_agent: UA,
      fbc: 'fb.1.1700000000000.AbCdEf',
      fbp: 'fb.1.1700000000000.1234567890',
      ...userData,
    },
    custom_data: {
      value: 49.99,
      currency: 'USD',
      contents: [{ id: 'SKU-1', quantity: 1, item_price: 49.99 }],
    },
    ...overrides,
  };
}

describe('fake Meta Conversions API', () => {
  let meta: FakePlatform;
  const url = (token = TOKEN, version = 'v21.0', pixel = PIXEL): string =>
    `${meta.url}/${version}/${pixel}/events?access_token=${encodeURIComponent(token)}`;

  before(async () => {
    meta = await startFakeMeta({ validTokens: [TOKEN], knownIds: [PIXEL], now: clock });
  });
  after(() => meta.close());
  beforeEach(() => meta.reset());

  it('accepts a valid website event with the real success shape and records it', async () => {
    const res = await post(url(), { data: [event(), event({ event_id: 'order-1002' })] });
    assert.equal(res.status, 200);
    assert.equal(pick(res.body, 'events_received'), 2);
    assert.deepEqual(pick(res.body, 'messages'), []);
    assert.equal(typeof pick(res.body, 'fbtrace_id'), 'string');
    assert.equal(meta.accepted.length, 2);
    assert.equal(meta.accepted[0]?.event_id, 'order-1001');
    const received = meta.received[0];
    assert.equal(received?.path, `/v21.0/${PIXEL}/events`);
    assert.equal(received?.query.access_token, TOKEN);
    assert.equal(received?.testMode, false);
    assert.equal(received?.response.status, 200);
  });

  it('accepts any v{N}.0 version and form-encoded bodies like Meta’s curl example', async () => {
    const res = await post(url(TOKEN, 'v25.0'), undefined, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      raw: new URLSearchParams({ data: JSON.stringify([event()]) }).toString(),
    });
    assert.equal(res.status, 200);
    assert.equal(meta.accepted.length, 1);
  });

  it('recognizes test_event_code as test mode', async () => {
    const res = await post(url(), { data: [event()], test_event_code: 'TEST123' });
    assert.equal(res.status, 200);
    assert.equal(meta.received[0]?.testMode, true);
  });

  it('answers an invalid token with OAuthException 190', async () => {
    const res = await post(url('wrong-token'), { data: [event()] });
    assert.equal(res.status, 400);
    assert.equal(pick(res.body, 'error.code'), 190);
    assert.equal(pick(res.body, 'error.type'), 'OAuthException');
    assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal(meta.accepted.length, 0);
  });

  it('requires the token in the access_token query parameter', async () => {
    const res = await post(
      `${meta.url}/v21.0/${PIXEL}/events`,
      { data: [event()] },
      {
        headers: { authorization: `Bearer ${TOKEN}` },
      },
    );
    assert.equal(res.status, 400);
    assert.equal(pick(res.body, 'error.code'), 104);
  });

  it('rejects an unknown pixel with code 100 subcode 33, and a malformed path or version', async () => {
    const unknown = await post(url(TOKEN, 'v21.0', '999'), { data: [event()] });
    assert.equal(pick(unknown.body, 'error.code'), 100);
    assert.equal(pick(unknown.body, 'error.error_subcode'), 33);
    const badVersion = await post(url(TOKEN, 'v21'), { data: [event()] });
    assert.equal(badVersion.status, 400);
    assert.match(text(badVersion.body), /Unknown version/);
    const badPath = await post(`${meta.url}/v21.0/${PIXEL}/event?access_token=${TOKEN}`, { data: [event()] });
    assert.match(text(badPath.body), /Unknown path components/);
  });

  it('rejects an unhashed email and names the field', async () => {
    const res = await post(url(), { data: [event({}, { em: ['John_Smith@gmail.com'] })] });
    assert.equal(res.status, 400);
    assert.equal(pick(res.body, 'error.code'), 100);
    assert.match(
      String(pick(res.body, 'error.error_user_msg')),
      /\$\['data'\]\[0\]\['user_data'\]\['em'\]\[0\]/,
    );
    assert.match(String(pick(res.body, 'error.error_user_msg')), /email/);
  });

  it('accepts hashed fields as a plain string too, but not upper-case hex', async () => {
    assert.equal((await post(url(), { data: [event({}, { em: EMAIL_HASH })] })).status, 200);
    const upper = await post(url(), { data: [event({}, { em: [EMAIL_HASH.toUpperCase()] })] });
    assert.equal(upper.status, 400);
    assert.match(text(upper.body), /lower case/);
  });

  it('rejects a hashed or invalid IP address', async () => {
    const hashed = await post(url(), { data: [event({}, { client_ip_address: sha256(IP) })] });
    assert.equal(hashed.status, 400);
    assert.match(text(hashed.body), /client_ip_address.*cleartext IP/);
    const invalid = await post(url(), { data: [event({}, { client_ip_address: '11.11.11' })] });
    assert.match(text(invalid.body), /valid IPv4 or IPv6/);
  });

  it('rejects a hashed user agent', async () => {
    const res = await post(url(), { data: [event({}, { client_user_agent: sha256(UA) })] });
    assert.equal(res.status, 400);
    assert.match(text(res.body), /client_user_agent.*unhashed/);
  });

  it('rejects wrong types: event_time as a string, in milliseconds, value as a string', async () => {
    const asString = await post(url(), { data: [event({ event_time: String(NOW_S) })] });
    assert.match(text(asString.body), /event_time.*must be an integer, got string/);
    const millis = await post(url(), { data: [event({ event_time: NOW_S * 1000 })] });
    assert.match(text(millis.body), /milliseconds/);
    const value = await post(url(), { data: [event({ custom_data: { value: '49.99', currency: 'USD' } })] });
    assert.match(text(value.body), /\['value'\].*must be a number/);
  });

  it('requires the website fields: event_source_url, client_user_agent, action_source', async () => {
    const { event_source_url: _url, ...noUrl } = event();
    const res1 = await post(url(), { data: [noUrl] });
    assert.match(text(res1.body), /event_source_url.*is required/);
    const withoutUa = event();
    delete (withoutUa.user_data as Record<string, unknown>).client_user_agent;
    const res2 = await post(url(), { data: [withoutUa] });
    assert.match(text(res2.body), /client_user_agent.*is required/);
    const { action_source: _source, ...noSource } = event();
    const res3 = await post(url(), { data: [noSource] });
    assert.match(text(res3.body), /action_source.*is required/);
  });

  it('requires value and currency on Purchase', async () => {
    const res = await post(url(), { data: [event({ custom_data: { value: 10 } })] });
    assert.equal(res.status, 400);
    assert.match(text(res.body), /currency.*is required/);
  });

  it('requires at least one customer information parameter', async () => {
    const res = await post(url(), {
      data: [event({ action_source: 'system_generated', event_source_url: undefined, user_data: {} })],
    });
    assert.match(text(res.body), /at least one customer information parameter/);
  });

  it('fails the whole request with 2804003 when one event is older than 7 days', async () => {
    const res = await post(url(), {
      data: [event(), event({ event_id: 'old', event_time: NOW_S - 7 * DAY_S - 60 })],
    });
    assert.equal(res.status, 400);
    assert.equal(pick(res.body, 'error.code'), 100);
    assert.equal(pick(res.body, 'error.error_subcode'), 2804003);
    assert.equal(pick(res.body, 'error.error_user_title'), 'Event Timestamp Too Old');
    assert.match(text(res.body), /\['data'\]\[1\]\['event_time'\]/);
    assert.equal(meta.accepted.length, 0, 'no event of the batch is processed');
  });

  it('allows 62 days for physical_store events', async () => {
    const res = await post(url(), {
      data: [event({ action_source: 'physical_store', event_time: NOW_S - 30 * DAY_S })],
    });
    assert.equal(res.status, 200);
  });

  it('rejects a batch over 1000 events and an empty batch', async () => {
    const big = await post(url(), { data: repeat(1001, (i) => event({ event_id: `e${i}` })) });
    assert.equal(big.status, 400);
    assert.match(text(big.body), /at most 1000/);
    const ok = await post(url(), { data: repeat(1000, (i) => event({ event_id: `e${i}` })) });
    assert.equal(ok.status, 200);
    assert.equal(pick(ok.body, 'events_received'), 1000);
    const empty = await post(url(), { data: [] });
    assert.equal(empty.status, 400);
  });

  it('requires data and a JSON body', async () => {
    const noData = await post(url(), { test_event_code: 'X' });
    assert.match(text(noData.body), /The parameter data is required/);
    const notJson = await post(url(), undefined, { raw: '{nope' });
    assert.equal(notJson.status, 400);
    assert.match(text(notJson.body), /not valid JSON/);
  });

  it('warns in messages about a malformed fbc but still accepts the event', async () => {
    const res = await post(url(), { data: [event({}, { fbc: 'IwAR1abc' })] });
    assert.equal(res.status, 200);
    assert.match(text(pick(res.body, 'messages')), /fbc/);
  });

  it('renders injected failures in Graph error shapes', async () => {
    meta.enqueue(
      { kind: 'throttle' },
      { kind: 'throttle', code: 4 },
      { kind: 'badToken' },
      { kind: 'rateLimit', retryAfterSeconds: 30 },
      { kind: 'status', status: 503 },
    );
    const throttle = await post(url(), { data: [event()] });
    assert.equal(throttle.status, 400);
    assert.equal(pick(throttle.body, 'error.code'), 17);
    const app = await post(url(), { data: [event()] });
    assert.equal(pick(app.body, 'error.code'), 4);
    const bad = await post(url(), { data: [event()] });
    assert.equal(pick(bad.body, 'error.code'), 190);
    const limited = await post(url(), { data: [event()] });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '30');
    assert.equal(pick(limited.body, 'error.code'), 17);
    const unavailable = await post(url(), { data: [event()] });
    assert.equal(unavailable.status, 503);
    assert.equal(pick(unavailable.body, 'error.is_transient'), true);
    assert.equal(meta.accepted.length, 0);
    const normal = await post(url(), { data: [event()] });
    assert.equal(normal.status, 200, 'strict behaviour resumes once the queue is empty');
    assert.deepEqual(
      meta.received.map((r) => r.injected),
      ['throttle', 'throttle', 'badToken', 'rateLimit', 'status', undefined],
    );
  });
});
