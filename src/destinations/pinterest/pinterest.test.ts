import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Classification, OutboundEvent, UserData } from '../contract.js';
import {
  barePageVisit,
  customEvent,
  EVENT_TIME,
  h,
  manyEvents,
  outboundEvent,
  requestWithRefs,
  response,
  richPurchase,
} from '../testing/fixtures.js';
import type { PinterestConfig } from './config.js';
import { pinterest } from './index.js';

const env = { baseUrl: 'https://api.pinterest.com' };
const config: PinterestConfig = { adAccountId: '549755885175', accessToken: 'pina_token-1' };
const URL = 'https://api.pinterest.com/v5/ad_accounts/549755885175/events';
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer pina_token-1' };
/** Pinterest needs em or IP + UA: the normalization table carries the pair so events are not skipped. */
const CLIENT = { ipAddress: '198.51.100.4', userAgent: 'UA' };

function only(events: OutboundEvent[], cfg: PinterestConfig = config) {
  const result = pinterest.build(events, cfg, env);
  assert.equal(result.requests.length, 1);
  const [request] = result.requests;
  assert.ok(request);
  return { request, skipped: result.skipped };
}

type Body = { data: Array<Record<string, unknown> & { user_data: Record<string, unknown> }> };

describe('pinterest build', () => {
  it('rich Purchase: checkout, hashed arrays, value and item_price as strings', () => {
    const { request, skipped } = only([richPurchase]);
    assert.deepEqual(skipped, []);
    assert.deepEqual(request, {
      method: 'POST',
      url: URL,
      headers: HEADERS,
      refs: ['dlv_purchase'],
      body: {
        data: [
          {
            event_name: 'checkout',
            action_source: 'web',
            event_time: EVENT_TIME,
            event_id: 'order-1001',
            event_source_url: 'https://shop.example.com/checkout/order-received/1001',
            user_data: {
              em: [h('john_smith@gmail.com')],
              ph: [h('16505551212')],
              fn: [h('mary')],
              // Pinterest's rule is only "lowercase": the apostrophe stays.
              ln: [h("o'brien")],
              ge: [h('f')],
              db: [h('19970216')],
              ct: [h('sanfrancisco')],
              st: [h('ca')],
              zp: [h('94107')],
              country: [h('us')],
              external_id: [h('cust-42')],
              client_ip_address: '203.0.113.7',
              client_user_agent: 'Mozilla/5.0 (Macintosh) Test',
              click_id: 'dj0yJnU9epik-1',
            },
            custom_data: {
              currency: 'USD',
              value: '129.99',
              content_ids: ['SKU-1', 'SKU-2'],
              contents: [
                {
                  id: 'SKU-1',
                  item_name: 'Blue Mug',
                  item_category: 'Kitchen',
                  item_brand: 'Acme',
                  item_price: '49.99',
                  quantity: 2,
                },
                { id: 'SKU-2', item_name: 'Green Tea', item_price: '30.01', quantity: 1 },
              ],
              num_items: 3,
              order_id: 'order-1001',
            },
          },
        ],
      },
    });
  });

  it('bare PageVisit: page_visit with the IP + UA pair', () => {
    const { request } = only([barePageVisit]);
    assert.deepEqual(request.body, {
      data: [
        {
          event_name: 'page_visit',
          action_source: 'web',
          event_time: EVENT_TIME,
          event_id: 'evt-page-1',
          user_data: { client_ip_address: '198.51.100.4', client_user_agent: 'Mozilla/5.0 Bare' },
        },
      ],
    });
  });

  it('Custom event: the literal `custom` (Pinterest has no free-form names), value as a string', () => {
    const { request } = only([customEvent]);
    assert.deepEqual((request.body as Body).data[0], {
      event_name: 'custom',
      action_source: 'web',
      event_time: EVENT_TIME,
      event_id: 'evt-custom-1',
      event_source_url: 'https://shop.example.com/',
      user_data: {
        em: [h('fan@example.com')],
        client_ip_address: '198.51.100.4',
        client_user_agent: 'Mozilla/5.0 Bare',
      },
      custom_data: { currency: 'EUR', value: '5' },
    });
  });

  it('ViewContent is view_content (not the product table’s view_category); overrides apply', () => {
    const view = outboundEvent({ ref: 'v', eventName: 'ViewContent', userData: CLIENT });
    assert.equal((only([view]).request.body as Body).data[0]?.event_name, 'view_content');
    const overridden = only([view], { ...config, eventNames: { ViewContent: 'view_category' } });
    assert.equal((overridden.request.body as Body).data[0]?.event_name, 'view_category');
  });

  it('2-event batch: one request, refs in body order', () => {
    const { request } = only([barePageVisit, customEvent]);
    assert.deepEqual(request.refs, ['dlv_page', 'dlv_custom']);
    assert.deepEqual(
      (request.body as Body).data.map((e) => e.event_id),
      ['evt-page-1', 'evt-custom-1'],
    );
  });

  it('test mode: ?test=true from config or when forced', () => {
    assert.equal(only([barePageVisit], { ...config, testMode: true }).request.url, `${URL}?test=true`);
    assert.equal(
      pinterest.build([barePageVisit], config, { ...env, forceTestMode: true }).requests[0]?.url,
      `${URL}?test=true`,
    );
    assert.equal(pinterest.isTestMode({ ...config, testMode: true }), true);
    assert.equal(pinterest.isTestMode(config), false);
  });

  it('splits batches above 1,000 events', () => {
    const { requests } = pinterest.build(manyEvents(2001), config, env);
    assert.deepEqual(
      requests.map((r) => r.refs.length),
      [1000, 1000, 1],
    );
  });

  it('skips events without email or the IP + UA pair, keeps the others', () => {
    const phoneOnly = outboundEvent({ ref: 'phone-only', userData: { phone: '+16505551212' } });
    const ipOnly = outboundEvent({ ref: 'ip-only', userData: { ipAddress: '198.51.100.4' } });
    const badEmail = outboundEvent({ ref: 'bad-email', userData: { email: 'nope', userAgent: 'UA' } });
    const emailOnly = outboundEvent({ ref: 'email-only', userData: { email: 'a@example.com' } });
    const result = pinterest.build([phoneOnly, ipOnly, badEmail, emailOnly], config, env);
    assert.deepEqual(
      result.skipped.map((s) => s.ref),
      ['phone-only', 'ip-only', 'bad-email'],
    );
    assert.match(result.skipped[0]?.reason ?? '', /Pinterest requires an email/);
    assert.deepEqual(result.requests[0]?.refs, ['email-only']);
  });
});

describe('pinterest passthrough', () => {
  it('fills client IP and user agent, then applies the identifier rule', () => {
    const ready = {
      event_name: 'checkout',
      action_source: 'web',
      event_time: EVENT_TIME,
      event_id: 'pmw-1',
      user_data: {},
    };
    const withEm = {
      event_name: 'lead',
      event_time: EVENT_TIME,
      event_id: 'pmw-2',
      user_data: { em: [h('x@y.zz')] },
    };
    const result = pinterest.build(
      [
        outboundEvent({
          ref: 'filled',
          passthrough: ready,
          userData: { ipAddress: '203.0.113.9', userAgent: 'UA-1' },
        }),
        outboundEvent({ ref: 'no-client', passthrough: ready, userData: {} }),
        outboundEvent({ ref: 'has-em', passthrough: withEm, userData: {} }),
      ],
      config,
      env,
    );
    assert.deepEqual(
      result.skipped.map((s) => s.ref),
      ['no-client'],
    );
    assert.deepEqual(result.requests[0]?.body, {
      data: [
        { ...ready, user_data: { client_ip_address: '203.0.113.9', client_user_agent: 'UA-1' } },
        withEm,
      ],
    });
    assert.deepEqual(result.requests[0]?.refs, ['filled', 'has-em']);
  });
});

describe('pinterest user_data normalization (messy inputs)', () => {
  const cases: Array<[Partial<UserData>, string, string | undefined, 'hash' | 'plain']> = [
    [{ email: ' MiXeD@Example.Com ' }, 'em', 'mixed@example.com', 'hash'],
    [{ email: 'sam+pins@example.org' }, 'em', 'sam+pins@example.org', 'hash'],
    [{ email: 'sam at example.org' }, 'em', undefined, 'hash'],
    [{ phone: '(650)555-1212' }, 'ph', '16505551212', 'hash'],
    [{ phone: '+44 (0)20 7946 0958' }, 'ph', '442079460958', 'hash'],
    [{ phone: '0033 6 12 34 56 78' }, 'ph', '33612345678', 'hash'],
    [{ phone: '06 12 34 56 78', country: 'France' }, 'ph', '33612345678', 'hash'],
    [{ phone: '+1 650 555 1212 extension 9' }, 'ph', '16505551212', 'hash'],
    [{ phone: '555-CALL' }, 'ph', undefined, 'hash'],
    [{ firstName: 'MARIE-CLAIRE' }, 'fn', 'marie-claire', 'hash'],
    [{ firstName: ' Zoë ' }, 'fn', 'zoë', 'hash'],
    [{ lastName: "D'Souza" }, 'ln', "d'souza", 'hash'],
    [{ gender: 'F' }, 'ge', 'f', 'hash'],
    [{ gender: 'Male' }, 'ge', 'm', 'hash'],
    [{ gender: 'non-binary' }, 'ge', 'n', 'hash'],
    [{ gender: '?' }, 'ge', undefined, 'hash'],
    [{ dateOfBirth: '02/16/1997' }, 'db', '19970216', 'hash'],
    [{ dateOfBirth: '1997-02-16' }, 'db', '19970216', 'hash'],
    [{ dateOfBirth: '31.12.1980' }, 'db', '19801231', 'hash'],
    [{ dateOfBirth: '13/13/1980' }, 'db', undefined, 'hash'],
    [{ city: 'Salt Lake City' }, 'ct', 'saltlakecity', 'hash'],
    [{ city: 'Zürich' }, 'ct', 'zürich', 'hash'],
    [{ state: 'Washington', country: 'US' }, 'st', 'wa', 'hash'],
    [{ state: 'Ontario', country: 'CA' }, 'st', 'ontario', 'hash'],
    [{ zip: '94107-1234', country: 'US' }, 'zp', '94107', 'hash'],
    [{ zip: '10115', country: 'DE' }, 'zp', '10115', 'hash'],
    // "Only digits": alphanumeric postcodes are omitted rather than mangled.
    [{ zip: 'M1 1AE', country: 'GB' }, 'zp', undefined, 'hash'],
    [{ zip: '1012 AB', country: 'NL' }, 'zp', undefined, 'hash'],
    [{ zip: 'K1A 0B6', country: 'CA' }, 'zp', undefined, 'hash'],
    [{ country: 'United Kingdom' }, 'country', 'gb', 'hash'],
    [{ country: 'ESP' }, 'country', 'es', 'hash'],
    [{ externalId: 'User_007' }, 'external_id', 'User_007', 'hash'],
    [{ epik: ' dj0yJnU9 ' }, 'click_id', 'dj0yJnU9', 'plain'],
  ];
  for (const [userData, key, expected, kind] of cases) {
    it(`${JSON.stringify(userData)} → ${key} ${String(expected)}`, () => {
      const body = only([outboundEvent({ userData: { ...CLIENT, ...userData } })]).request.body as Body;
      const want = expected === undefined ? undefined : kind === 'hash' ? [h(expected)] : expected;
      assert.deepEqual(body.data[0]?.user_data[key], want);
    });
  }
});

describe('pinterest classify', () => {
  const request = requestWithRefs(['r1', 'r2', 'r3']);
  const cases: Array<[string, ReturnType<typeof response>, Classification['kind'], boolean?]> = [
    [
      'all processed',
      response(200, {
        num_events_received: 3,
        num_events_processed: 3,
        events: [
          { status: 'processed', error_message: null, warning_message: null },
          { status: 'processed', error_message: null, warning_message: 'click_id is malformed' },
          { status: 'processed', error_message: null, warning_message: null },
        ],
      }),
      'delivered',
    ],
    ['bad request', response(400, { code: 4196, message: 'The request was invalid.' }), 'rejected', false],
    [
      'authentication failed',
      response(401, { code: 2, message: 'Authentication failed.' }),
      'rejected',
      true,
    ],
    [
      'forbidden',
      response(403, { code: 29, message: 'You are not permitted to access that resource.' }),
      'rejected',
      true,
    ],
    [
      'unprocessable',
      response(422, { code: 4180, message: 'Not all events were successfully processed', details: [] }),
      'rejected',
      false,
    ],
    [
      'rate limited',
      response(429, { code: 8, message: 'You have exceeded your rate limit. Try again later.' }),
      'throttled',
    ],
    [
      'ramped down',
      response(503, {
        code: 4197,
        message: 'The endpoint has been ramped down and is currently not accepting any traffic.',
      }),
      'retry',
    ],
    ['server error', response(500, 'Internal Server Error'), 'retry'],
  ];
  for (const [label, res, kind, credentials] of cases) {
    it(`${label} → ${kind}`, () => {
      const verdict = pinterest.classify(res, request);
      assert.equal(verdict.kind, kind);
      if (verdict.kind === 'rejected') assert.equal(verdict.credentials, credentials);
    });
  }

  it('200 with failed events: a per-event outcome for each failure, by position', () => {
    const verdict = pinterest.classify(
      response(200, {
        num_events_received: 3,
        num_events_processed: 1,
        events: [
          { status: 'failed', error_message: 'event_time is more than 7 days old', warning_message: null },
          { status: 'processed', error_message: null, warning_message: null },
          {
            status: 'failed',
            error_message:
              'user_data must contain em, hashed_maids or client_ip_address and client_user_agent',
            warning_message: null,
          },
        ],
      }),
      request,
    );
    assert.deepEqual(verdict, {
      kind: 'partial',
      failures: [
        { ref: 'r1', message: 'event_time is more than 7 days old' },
        {
          ref: 'r3',
          message: 'user_data must contain em, hashed_maids or client_ip_address and client_user_agent',
        },
      ],
    });
  });

  it('keeps Pinterest’s message and code; 429 honours Retry-After', () => {
    assert.deepEqual(
      pinterest.classify(response(401, { code: 2, message: 'Authentication failed.' }), request),
      {
        kind: 'rejected',
        credentials: true,
        message: 'Authentication failed. (code 2)',
      },
    );
    const throttled = pinterest.classify(
      response(429, { code: 8, message: 'Slow down' }, { 'retry-after': '12' }),
      request,
    );
    assert.deepEqual(throttled, { kind: 'throttled', message: 'Slow down (code 8)', retryAfterMs: 12000 });
  });
});

describe('pinterest config', () => {
  it('accepts the documented shape', () => {
    const raw = {
      adAccountId: '549755885175',
      accessToken: 'pina_x',
      testMode: true,
      eventNames: { Purchase: 'checkout' },
    };
    assert.deepEqual(pinterest.parseConfig(raw), { ok: true, config: raw });
  });
  it('rejects event name overrides outside Pinterest’s enum', () => {
    const parsed = pinterest.parseConfig({
      adAccountId: '1',
      accessToken: 'x',
      eventNames: { Purchase: 'purchase' },
    });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.errors.join('\n'), /eventNames\.Purchase/);
  });
});
