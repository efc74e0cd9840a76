import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FakePlatform } from '../fakes/common.js';
import { clock, EMAIL_HASH, HOUR_S, NOW_S, pick, post, repeat, sha256, text } from '../fakes/test-helpers.js';
import { startFakeGa4 } from './fake.js';

const SECRET = 'ga4-api-secret';
const STREAM = 'G-ABC123';
const MICROS = (seconds: number): number => seconds * 1_000_000;

function body(
  overrides: Record<string, unknown> = {},
  event: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    client_id: '1234567890.1733000000',
    user_id: 'cust_42',
    consent: { ad_user_data: 'GRANTED', ad_personalization: 'DENIED' },
    user_data: {
      sha256_email_address: [EMAIL_HASH],
      address: [
        {
          sha256_first_name: sha256('jane'),
          city: 'menlo park',
          region: 'ca',
          postal_code: '94025',
          country: 'US',
        },
      ],
    },
    events: [
      {
        name: 'purchase',
        timestamp_micros: MICROS(NOW_S - 60),
        params: {
          transaction_id: 'ORD-1001',
          currency: 'EUR',
          value: 59.8,
          items: [{ item_id: 'SKU-1', item_name: 'T-Shirt', price: 27.45, quantity: 2 }],
        },
        ...event,
      },
    ],
    ...overrides,
  };
}

describe('fake GA4 Measurement Protocol', () => {
  let ga4: FakePlatform;
  const collect = (secret = SECRET, stream = STREAM): string =>
    `${ga4.url}/mp/collect?measurement_id=${stream}&api_secret=${secret}`;
  const debug = (stream = STREAM): string =>
    `${ga4.url}/debug/mp/collect?measurement_id=${stream}&api_secret=x`;
  const messages = async (payload: unknown): Promise<string> => {
    const res = await post(debug(), payload);
    assert.equal(res.status, 200);
    return text(pick(res.body, 'validationMessages'));
  };

  before(async () => {
    ga4 = await startFakeGa4({ validTokens: [SECRET], knownIds: [STREAM], now: clock });
  });
  after(() => ga4.close());
  beforeEach(() => ga4.reset());

  it('production answers 204 with no body and stores each event with its request’s user fields', async () => {
    const res = await post(collect(), body());
    assert.equal(res.status, 204);
    assert.equal(res.body, '');
    assert.equal(ga4.accepted.length, 1);
    assert.equal(ga4.accepted[0]?.client_id, '1234567890.1733000000');
    assert.equal(ga4.accepted[0]?.name, 'purchase');
    assert.deepEqual(ga4.accepted[0]?.consent, { ad_user_data: 'GRANTED', ad_personalization: 'DENIED' });
    assert.equal(ga4.received[0]?.testMode, false);
    assert.equal(ga4.received[0]?.note, undefined);
  });

  it('a wrong api secret or an unknown stream is dropped in silence: 204, nothing stored, a note', async () => {
    for (const url of [
      collect('wrong'),
      collect(SECRET, 'G-OTHER'),
      `${ga4.url}/mp/collect?measurement_id=${STREAM}`,
    ]) {
      const res = await post(url, body());
      assert.equal(res.status, 204);
    }
    assert.equal(ga4.accepted.length, 0);
    assert.deepEqual(
      ga4.received.map((r) => r.note),
      [
        'dropped: api_secret missing or not valid for this stream',
        "dropped: unknown measurement_id 'G-OTHER'",
        'dropped: api_secret missing or not valid for this stream',
      ],
    );
  });

  it('production drops a malformed event and keeps the others of its request', async () => {
    const payload = body();
    (payload.events as unknown[]).push({ name: '_internal', params: {} }, { name: 'page_view', params: {} });
    assert.equal((await post(collect(), payload)).status, 204);
    assert.deepEqual(
      ga4.accepted.map((e) => e.name),
      ['purchase', 'page_view'],
    );
    assert.match(ga4.received[0]?.note ?? '', /invalid name \[_internal\]/);
  });

  it('the validation endpoint: an empty list when valid, and it does not check the api secret', async () => {
    const res = await post(debug(), body());
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { validationMessages: [] });
    assert.equal(ga4.received[0]?.testMode, true);
  });

  it('names: invalid and reserved names and prefixes', async () => {
    assert.match(await messages(body({}, { name: '1st' })), /invalid name \[1st\].*NAME_INVALID/);
    assert.match(await messages(body({}, { name: 'session_start' })), /NAME_RESERVED/);
    assert.match(await messages(body({}, { name: 'firebase_x' })), /NAME_RESERVED/);
    assert.match(await messages(body({}, { params: { google_x: 1 } })), /NAME_RESERVED/);
    assert.match(await messages(body({}, { params: { 'bad key': 1 } })), /NAME_INVALID/);
  });

  it('user data: hashes must be lower-case SHA-256, the address plain, known keys only', async () => {
    const user = (user_data: unknown) => body({ user_data });
    assert.match(await messages(user({ sha256_email_address: ['jane@example.com'] })), /unhashed/);
    assert.match(await messages(user({ sha256_email_address: [EMAIL_HASH.toUpperCase()] })), /VALUE_INVALID/);
    assert.match(await messages(user({ sha256_email_address: EMAIL_HASH })), /must be an array/);
    assert.match(await messages(user({ address: [{ city: sha256('menlopark') }] })), /clear text/);
    assert.match(await messages(user({ address: [{ city: 'Menlo Park 2' }] })), /lower case without digits/);
    assert.match(await messages(user({ address: [{ country: 'us' }] })), /alpha-2/);
    assert.match(await messages(user({ address: [{ sha256_first_name: 'Jane' }] })), /unhashed/);
    assert.match(await messages(user({ email: EMAIL_HASH })), /Unknown field \[email\]/);
  });

  it('limits: 25 events, 25 params, 100-character values (1,000 for page_location), 130 kB', async () => {
    const many = body({ events: repeat(26, () => ({ name: 'page_view', params: {} })) });
    assert.match(await messages(many), /at most 25 events.*EXCEEDED_MAX_ENTITIES/);
    const params = Object.fromEntries(repeat(26, (i) => [`p${i}`, i]));
    assert.match(await messages(body({}, { params })), /at most 25 params/);
    assert.match(
      await messages(body({}, { params: { search_term: 'x'.repeat(101) } })),
      /VALUE_OUT_OF_BOUNDS/,
    );
    assert.deepEqual(
      JSON.parse(
        await messages(
          body({}, { name: 'page_view', params: { page_location: `https://x.example/${'a'.repeat(900)}` } }),
        ),
      ),
      [],
    );
    // 25 events of 200 items each: every single limit kept, the body far over 130 kB.
    const item = (i: number) => ({ item_id: `SKU-${i}`, item_name: 'y'.repeat(20) });
    const huge = body({
      events: repeat(25, () => ({ name: 'view_item', params: { items: repeat(200, item) } })),
    });
    assert.match(await messages(huge), /130kB/);
  });

  it('time: microseconds within the last 72 hours', async () => {
    assert.match(await messages(body({}, { timestamp_micros: NOW_S * 1000 })), /microseconds/);
    assert.match(await messages(body({}, { timestamp_micros: MICROS(NOW_S - 73 * HOUR_S) })), /72 hours/);
    assert.match(await messages(body({}, { timestamp_micros: MICROS(NOW_S + HOUR_S) })), /not in the future/);
    assert.deepEqual(
      JSON.parse(await messages(body({}, { timestamp_micros: MICROS(NOW_S - 71 * HOUR_S) }))),
      [],
    );
  });

  it('client_id is required; consent values are GRANTED or DENIED', async () => {
    assert.match(await messages(body({ client_id: undefined })), /client_id is required.*VALUE_REQUIRED/);
    assert.match(await messages(body({ consent: { ad_user_data: 'YES' } })), /GRANTED or DENIED/);
  });

  it('recommendations (currency with value, a purchase’s transaction id) only under ENFORCE_RECOMMENDATIONS, never dropped', async () => {
    const lax = body({}, { params: { value: 10 } });
    assert.deepEqual(JSON.parse(await messages(lax)), []);
    const strict = await messages({ ...lax, validation_behavior: 'ENFORCE_RECOMMENDATIONS' });
    assert.match(strict, /currency is required when value is set/);
    assert.match(strict, /transaction_id is required for purchase/);
    await post(collect(), lax);
    assert.equal(ga4.accepted.at(-1)?.name, 'purchase');
  });

  it('items need an id or a name', async () => {
    assert.match(
      await messages(body({}, { params: { transaction_id: 'T', items: [{ price: 1 }] } })),
      /item_id or item_name/,
    );
  });

  it('renders injected failures: 5xx, 429 with Retry-After; a bad token is a silent drop', async () => {
    ga4.enqueue(
      { kind: 'status', status: 503 },
      { kind: 'rateLimit', retryAfterSeconds: 9 },
      { kind: 'badToken' },
    );
    assert.equal((await post(collect(), body())).status, 503);
    const limited = await post(collect(), body());
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '9');
    assert.equal((await post(collect(), body())).status, 204);
    assert.equal(ga4.accepted.length, 0);
    assert.equal((await post(collect(), body())).status, 204);
    assert.equal(ga4.accepted.length, 1, 'strict behaviour resumes once the queue is empty');
  });
});
