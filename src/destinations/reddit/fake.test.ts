import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FakePlatform } from '../fakes/common.js';
import {
  clock,
  EMAIL_HASH,
  HOUR_S,
  IP,
  NOW_MS,
  pick,
  post,
  repeat,
  sha256,
  text,
  UA,
} from '../fakes/test-helpers.js';
import { startFakeReddit } from './fake.js';

const TOKEN = 'reddit-good-token';
const PIXEL = 't2_abc123';

function event(
  overrides: Record<string, unknown> = {},
  user: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    event_at: NOW_MS - 60_000,
    action_source: 'WEBSITE',
    event_source_url: 'https://shop.example/checkout/thanks',
    click_id: 'rdt-click-1',
    type: { tracking_type: 'PURCHASE' },
    user: {
      email: sha256('alice@example.com'),
      phone_number: sha256('+16505551212'),
      external_id: sha256('cust-42'),
      ip_address: sha256(IP),
      user_agent: UA,
      uuid: '1700000000000.abcdef',
      ...user,
    },
    metadata: {
      conversion_id: 'order-1001',
      currency: 'USD',
      value: 49.99,
      item_count: 1,
      products: [{ id: 'SKU-1', name: 'Widget', quantity: 1, item_price: 49.99 }],
    },
    ...overrides,
  };
}

describe('fake Reddit Conversions API v3', () => {
  let reddit: FakePlatform;
  const send = (data: Record<string, unknown>, token = TOKEN, pixel = PIXEL) =>
    post(
      `${reddit.url}/api/v3/pixels/${pixel}/conversion_events`,
      { data },
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );

  before(async () => {
    reddit = await startFakeReddit({ validTokens: [TOKEN], knownIds: [PIXEL], now: clock });
  });
  after(() => reddit.close());
  beforeEach(() => reddit.reset());

  it('accepts valid events', async () => {
    const res = await send({
      events: [event(), event({ type: { tracking_type: 'PAGE_VISIT' }, metadata: undefined })],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { message: 'Successfully processed 2 conversion events.' });
    assert.equal(reddit.accepted.length, 2);
    assert.equal(reddit.received[0]?.testMode, false);
  });

  it('recognizes data.test_id as test mode and rejects the v2 test_mode flag', async () => {
    const ok = await send({ test_id: 't2_test', events: [event()] });
    assert.equal(ok.status, 200);
    assert.equal(reddit.received[0]?.testMode, true);
    const v2 = await send({ test_mode: true, events: [event()] });
    assert.equal(v2.status, 400);
    assert.match(text(v2.body), /test_mode: is a v2\.0 field/);
  });

  it('answers bad auth with 401', async () => {
    const res = await send({ events: [event()] }, 'nope');
    assert.equal(res.status, 401);
    assert.equal(pick(res.body, 'error.reason'), 'UNAUTHORIZED');
    const unknown = await send({ events: [event()] }, TOKEN, 't2_other');
    assert.equal(unknown.status, 403);
  });

  it('rejects an unhashed email and a cleartext IP (Reddit hashes the IP)', async () => {
    const email = await send({ events: [event({}, { email: 'Al.ice+Apple@Example.com' })] });
    assert.equal(email.status, 400);
    assert.match(
      String(pick(email.body, 'message')),
      /There were 1 invalid conversion events\. None were processed\./,
    );
    assert.match(
      String(pick(email.body, 'invalid_events.0.error_message')),
      /user\.email: .*cleartext email/,
    );
    const ip = await send({ events: [event({}, { ip_address: IP })] });
    assert.match(text(ip.body), /user\.ip_address: must be a SHA-256 hash/);
    assert.equal(reddit.accepted.length, 0);
  });

  it('rejects a hashed user agent', async () => {
    const res = await send({ events: [event({}, { user_agent: EMAIL_HASH })] });
    assert.match(text(res.body), /user\.user_agent: must be sent unhashed/);
  });

  it('wants event_at in milliseconds, as an integer', async () => {
    const seconds = await send({ events: [event({ event_at: Math.floor(NOW_MS / 1000) })] });
    assert.match(
      text(seconds.body),
      /event_at: must be a Unix timestamp in milliseconds; this looks like seconds/,
    );
    const iso = await send({ events: [event({ event_at: new Date(NOW_MS).toISOString() })] });
    assert.match(text(iso.body), /event_at: must be an integer, got string/);
  });

  it('rejects events older than 168 hours or more than 5 minutes ahead', async () => {
    const old = await send({ events: [event({ event_at: NOW_MS - 169 * HOUR_S * 1000 })] });
    assert.match(text(old.body), /168h0m0s/);
    const future = await send({ events: [event({ event_at: NOW_MS + 6 * 60_000 })] });
    assert.match(text(future.body), /too far in the future/);
    const slightlyAhead = await send({ events: [event({ event_at: NOW_MS + 4 * 60_000 })] });
    assert.equal(slightlyAhead.status, 200);
  });

  it('uses the v3 tracking types; CUSTOM needs custom_event_name', async () => {
    const v2Name = await send({ events: [event({ type: { tracking_type: 'Purchase' } })] });
    assert.match(text(v2Name.body), /tracking_type: must be one of PAGE_VISIT/);
    const custom = await send({ events: [event({ type: { tracking_type: 'CUSTOM' } })] });
    assert.match(text(custom.body), /type\.custom_event_name: is required/);
    const named = await send({
      events: [event({ type: { tracking_type: 'CUSTOM', custom_event_name: 'Quiz' } })],
    });
    assert.equal(named.status, 200);
  });

  it('rejects wrong metadata types', async () => {
    const res = await send({ events: [event({ metadata: { value: '49.99', item_count: 1.5 } })] });
    assert.match(text(res.body), /metadata\.value: must be a number/);
    assert.match(text(res.body), /metadata\.item_count: must be an integer/);
  });

  it('fails the whole batch and lists each invalid event', async () => {
    const res = await send({
      events: [event(), event({ action_source: 'WEB' }), event({}, { email: 'x@y.z' })],
    });
    assert.equal(res.status, 400);
    assert.equal((pick(res.body, 'invalid_events') as unknown[]).length, 2);
    assert.equal(reddit.accepted.length, 0);
  });

  it('rejects a batch over 1000 events', async () => {
    const res = await send({ events: repeat(1001, () => event()) });
    assert.equal(res.status, 400);
    assert.match(text(res.body), /at most 1000/);
  });

  it('renders injected failures', async () => {
    reddit.enqueue(
      { kind: 'rateLimit', retryAfterSeconds: 9 },
      { kind: 'throttle' },
      { kind: 'badToken' },
      { kind: 'status', status: 500 },
    );
    const limited = await send({ events: [event()] });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '9');
    assert.equal((await send({ events: [event()] })).status, 429);
    assert.equal((await send({ events: [event()] })).status, 401);
    assert.equal((await send({ events: [event()] })).status, 500);
    assert.equal((await send({ events: [event()] })).status, 200);
  });
});
