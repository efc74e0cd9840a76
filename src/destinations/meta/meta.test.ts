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
  response,
  richPurchase,
} from '../testing/fixtures.js';
import type { MetaConfig } from './config.js';
import { meta } from './index.js';

const env = { baseUrl: 'https://graph.facebook.com' };
const config: MetaConfig = { pixelId: '1234567890', accessToken: 'EAAB token/+=' };
const URL = 'https://graph.facebook.com/v21.0/1234567890/events?access_token=EAAB%20token%2F%2B%3D';
const HEADERS = { 'content-type': 'application/json' };

function only(events: OutboundEvent[], cfg: MetaConfig = config) {
  const result = meta.build(events, cfg, env);
  assert.equal(result.requests.length, 1);
  const [request] = result.requests;
  assert.ok(request);
  return { request, skipped: result.skipped };
}

describe('meta build', () => {
  it('rich Purchase: every field, hashed per Meta, as one request', () => {
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
            event_name: 'Purchase',
            event_time: EVENT_TIME,
            event_id: 'order-1001',
            event_source_url: 'https://shop.example.com/checkout/order-received/1001',
            referrer_url: 'https://shop.example.com/checkout',
            action_source: 'website',
            user_data: {
              em: [h('john_smith@gmail.com')],
              ph: [h('16505551212')],
              fn: [h('mary')],
              ln: [h('obrien')],
              ge: [h('f')],
              db: [h('19970216')],
              ct: [h('sanfrancisco')],
              st: [h('ca')],
              zp: [h('94107')],
              country: [h('us')],
              external_id: [h('cust-42')],
              client_ip_address: '203.0.113.7',
              client_user_agent: 'Mozilla/5.0 (Macintosh) Test',
              fbc: 'fb.1.1795170000000.IwAR0abc',
              fbp: 'fb.1.1795170000000.1234567890',
            },
            custom_data: {
              value: 129.99,
              currency: 'USD',
              content_ids: ['SKU-1', 'SKU-2'],
              contents: [
                {
                  id: 'SKU-1',
                  quantity: 2,
                  item_price: 49.99,
                  title: 'Blue Mug',
                  category: 'Kitchen',
                  brand: 'Acme',
                },
                { id: 'SKU-2', quantity: 1, item_price: 30.01, title: 'Green Tea' },
              ],
              content_type: 'product',
              num_items: 3,
              order_id: 'order-1001',
            },
          },
        ],
      },
    });
  });

  it('bare PageVisit: PageView with IP and user agent, no custom_data', () => {
    const { request } = only([barePageVisit]);
    assert.deepEqual(request.body, {
      data: [
        {
          event_name: 'PageView',
          event_time: EVENT_TIME,
          event_id: 'evt-page-1',
          action_source: 'website',
          user_data: { client_ip_address: '198.51.100.4', client_user_agent: 'Mozilla/5.0 Bare' },
        },
      ],
    });
    assert.deepEqual(request.refs, ['dlv_page']);
  });

  it('Custom event goes out under the shop’s own name', () => {
    const { request } = only([customEvent]);
    assert.deepEqual(request.body, {
      data: [
        {
          event_name: 'newsletter_signup_popup',
          event_time: EVENT_TIME,
          event_id: 'evt-custom-1',
          event_source_url: 'https://shop.example.com/',
          action_source: 'website',
          user_data: {
            em: [h('fan@example.com')],
            client_ip_address: '198.51.100.4',
            client_user_agent: 'Mozilla/5.0 Bare',
          },
          custom_data: { value: 5, currency: 'EUR' },
        },
      ],
    });
  });

  it('Custom event without a name falls back to the override, then CustomEvent', () => {
    const unnamed = { ...customEvent, customEventName: undefined };
    const name = (cfg: MetaConfig) => {
      const body = only([unnamed], cfg).request.body as { data: Array<{ event_name: string }> };
      return body.data[0]?.event_name;
    };
    assert.equal(name(config), 'CustomEvent');
    assert.equal(name({ ...config, eventNames: { Custom: 'ShopCustom' } }), 'ShopCustom');
  });

  it('event name overrides apply per type', () => {
    const cfg = { ...config, eventNames: { PageVisit: 'ViewPage' } };
    const body = only([barePageVisit], cfg).request.body as { data: Array<{ event_name: string }> };
    assert.equal(body.data[0]?.event_name, 'ViewPage');
  });

  it('2-event batch: one request, events and refs in input order', () => {
    const { request } = only([barePageVisit, customEvent]);
    assert.deepEqual(request.refs, ['dlv_page', 'dlv_custom']);
    const body = request.body as { data: Array<{ event_id: string }> };
    assert.deepEqual(
      body.data.map((e) => e.event_id),
      ['evt-page-1', 'evt-custom-1'],
    );
  });

  it('test mode: the configured test_event_code, or a fixed one when forced', () => {
    const configured = meta.build([barePageVisit], { ...config, testEventCode: 'TEST12345' }, env)
      .requests[0];
    assert.equal(
      (configured?.body as { test_event_code?: string } | undefined)?.test_event_code,
      'TEST12345',
    );
    assert.equal(meta.isTestMode({ ...config, testEventCode: 'TEST12345' }), true);
    assert.equal(meta.isTestMode(config), false);

    const forced = meta.build([barePageVisit], config, { ...env, forceTestMode: true }).requests[0];
    assert.equal(
      (forced?.body as { test_event_code?: string } | undefined)?.test_event_code,
      'TEST_TAGBRIDGE',
    );
    const live = meta.build([barePageVisit], config, env).requests[0];
    assert.deepEqual(Object.keys((live?.body ?? {}) as object), ['data']);
  });

  it('uses the configured Graph API version and tolerates a trailing slash on the base URL', () => {
    const request = meta.build(
      [barePageVisit],
      { ...config, apiVersion: 'v25.0' },
      { baseUrl: 'http://127.0.0.1:9/' },
    ).requests[0];
    assert.equal(
      request?.url,
      'http://127.0.0.1:9/v25.0/1234567890/events?access_token=EAAB%20token%2F%2B%3D',
    );
  });

  it('splits batches above 1,000 events: 2,500 → 1,000 + 1,000 + 500, refs in order', () => {
    const events = manyEvents(2500);
    const { requests } = meta.build(events, config, env);
    assert.deepEqual(
      requests.map((r) => r.refs.length),
      [1000, 1000, 500],
    );
    assert.deepEqual(
      requests.flatMap((r) => r.refs),
      events.map((e) => e.ref),
    );
    for (const request of requests) {
      assert.equal((request.body as { data: unknown[] }).data.length, request.refs.length);
    }
  });

  it('skips a Purchase without value or currency (it would fail the whole batch), keeps the rest', () => {
    const noValue = { ...richPurchase, ref: 'dlv_novalue', customData: { currency: 'USD' } };
    const badCurrency = {
      ...richPurchase,
      ref: 'dlv_badcur',
      customData: { value: 10, currency: 'dollars' },
    };
    const result = meta.build([noValue, barePageVisit, badCurrency], config, env);
    assert.deepEqual(
      result.skipped.map((s) => s.ref),
      ['dlv_novalue', 'dlv_badcur'],
    );
    assert.match(result.skipped[0]?.reason ?? '', /value and currency/);
    assert.deepEqual(result.requests[0]?.refs, ['dlv_page']);
  });

  it('builds nothing for no events', () => {
    assert.deepEqual(meta.build([], config, env), { requests: [], skipped: [] });
  });
});

describe('meta passthrough', () => {
  it('forwards the browser event as is, filling client IP and user agent only when missing', () => {
    const ready = {
      event_name: 'Purchase',
      event_time: EVENT_TIME,
      event_id: 'pmw-1',
      action_source: 'website',
      user_data: { em: [h('a@example.com')], fbp: 'fb.1.1.2' },
      custom_data: { value: 10, currency: 'EUR' },
    };
    const withOwnIp = {
      event_name: 'PageView',
      event_time: EVENT_TIME,
      user_data: { client_ip_address: '192.0.2.1' },
    };
    const events = [
      outboundEvent({
        ref: 'p1',
        passthrough: ready,
        userData: { ipAddress: '203.0.113.9', userAgent: 'UA-1' },
      }),
      outboundEvent({
        ref: 'p2',
        passthrough: withOwnIp,
        userData: { ipAddress: '203.0.113.9', userAgent: 'UA-2' },
      }),
      outboundEvent({ ref: 'p3', passthrough: { event_name: 'Lead', event_time: EVENT_TIME }, userData: {} }),
    ];
    const { request } = only(events);
    assert.deepEqual(request.refs, ['p1', 'p2', 'p3']);
    assert.deepEqual(request.body, {
      data: [
        {
          ...ready,
          user_data: { ...ready.user_data, client_ip_address: '203.0.113.9', client_user_agent: 'UA-1' },
        },
        { ...withOwnIp, user_data: { client_ip_address: '192.0.2.1', client_user_agent: 'UA-2' } },
        { event_name: 'Lead', event_time: EVENT_TIME },
      ],
    });
    // The caller's object is not mutated.
    assert.deepEqual(ready.user_data, { em: [h('a@example.com')], fbp: 'fb.1.1.2' });
  });

  it('skips a passthrough that is not an object', () => {
    const event = outboundEvent({ ref: 'bad', passthrough: ['x'] as unknown as Record<string, unknown> });
    assert.deepEqual(meta.build([event], config, env).skipped, [
      { ref: 'bad', reason: 'passthrough event is not a JSON object' },
    ]);
  });
});

describe('meta user_data normalization (messy inputs)', () => {
  // [user data, key in user_data, expected: normalized cleartext to hash, plain value, or undefined]
  const cases: Array<[Partial<UserData>, string, string | undefined, 'hash' | 'plain']> = [
    [{ email: 'John_Smith@gmail.com' }, 'em', 'john_smith@gmail.com', 'hash'],
    [{ email: '  JANE.DOE+shop@Example.COM ' }, 'em', 'jane.doe+shop@example.com', 'hash'],
    [{ email: 'not-an-email' }, 'em', undefined, 'hash'],
    [{ phone: '(650)555-1212' }, 'ph', '16505551212', 'hash'],
    [{ phone: '+44 (0)20 7946 0958' }, 'ph', '442079460958', 'hash'],
    [{ phone: '0044 20 7946 0958' }, 'ph', '442079460958', 'hash'],
    [{ phone: '030 1234567', country: 'Deutschland' }, 'ph', '49301234567', 'hash'],
    [{ phone: '+1 650 555 1212 ext. 4' }, 'ph', '16505551212', 'hash'],
    [{ phone: '1-800-FLOWERS' }, 'ph', undefined, 'hash'],
    [{ firstName: 'Valéry' }, 'fn', 'valéry', 'hash'],
    [{ firstName: ' Jean-Luc ' }, 'fn', 'jeanluc', 'hash'],
    [{ lastName: "D'Angelo-Smith" }, 'ln', 'dangelosmith', 'hash'],
    [{ lastName: 'Müller' }, 'ln', 'müller', 'hash'],
    [{ gender: 'MALE' }, 'ge', 'm', 'hash'],
    [{ gender: 'non-binary' }, 'ge', undefined, 'hash'],
    [{ dateOfBirth: '1997-02-16' }, 'db', '19970216', 'hash'],
    [{ dateOfBirth: '16.02.1997' }, 'db', '19970216', 'hash'],
    [{ dateOfBirth: '19970216' }, 'db', '19970216', 'hash'],
    [{ dateOfBirth: '1997/02/30' }, 'db', undefined, 'hash'],
    [{ city: 'New York' }, 'ct', 'newyork', 'hash'],
    [{ city: 'São Paulo' }, 'ct', 'sãopaulo', 'hash'],
    [{ state: 'California', country: 'US' }, 'st', 'ca', 'hash'],
    [{ state: 'TX' }, 'st', 'tx', 'hash'],
    [{ state: 'Bayern', country: 'DE' }, 'st', 'bayern', 'hash'],
    [{ zip: '94107-1234', country: 'USA' }, 'zp', '94107', 'hash'],
    [{ zip: 'M1 1AE', country: 'GB' }, 'zp', 'm11ae', 'hash'],
    [{ zip: '1012 AB', country: 'NLD' }, 'zp', '1012ab', 'hash'],
    [{ zip: 'K1A 0B6', country: 'Canada' }, 'zp', 'k1a0b6', 'hash'],
    [{ country: 'United States' }, 'country', 'us', 'hash'],
    [{ country: 'DEU' }, 'country', 'de', 'hash'],
    [{ country: 'Narnia' }, 'country', undefined, 'hash'],
    [{ externalId: '  Cust-ABC ' }, 'external_id', 'Cust-ABC', 'hash'],
    [{ ipAddress: '::ffff:203.0.113.5' }, 'client_ip_address', '203.0.113.5', 'plain'],
    [{ ipAddress: '999.1.1.1' }, 'client_ip_address', undefined, 'plain'],
    [{ fbc: ' fb.1.123.AbC ' }, 'fbc', 'fb.1.123.AbC', 'plain'],
  ];
  for (const [userData, key, expected, kind] of cases) {
    it(`${JSON.stringify(userData)} → ${key} ${String(expected)}`, () => {
      const body = only([outboundEvent({ userData: { userAgent: 'UA', ...userData } })]).request.body as {
        data: Array<{ user_data: Record<string, unknown> }>;
      };
      const actual = body.data[0]?.user_data[key];
      const want = expected === undefined ? undefined : kind === 'hash' ? [h(expected)] : expected;
      assert.deepEqual(actual, want);
    });
  }

  it('passes an already-hashed email through, lowercased', () => {
    const hashed = h('pre@hashed.com');
    const body = only([outboundEvent({ userData: { email: hashed.toUpperCase() } })]).request.body as {
      data: Array<{ user_data: { em?: string[] } }>;
    };
    assert.deepEqual(body.data[0]?.user_data.em, [hashed]);
  });
});

describe('meta classify', () => {
  const request = meta.build([barePageVisit], config, env).requests[0];
  assert.ok(request);
  const error = (code: number, message: string, extra: Record<string, unknown> = {}) => ({
    error: { message, type: 'OAuthException', code, fbtrace_id: 'AbCdEf', ...extra },
  });
  const cases: Array<[string, ReturnType<typeof response>, Classification['kind'], boolean?]> = [
    ['success', response(200, { events_received: 1, messages: [], fbtrace_id: 'A1' }), 'delivered'],
    [
      'timestamp too old',
      response(
        400,
        error(100, 'Invalid parameter', {
          error_subcode: 2804003,
          error_user_title: 'Event Timestamp Too Old',
          error_user_msg: 'The timestamp for this event is too far in the past.',
        }),
      ),
      'rejected',
      false,
    ],
    ['bad token', response(400, error(190, 'The access token could not be decrypted')), 'rejected', true],
    [
      'unknown pixel',
      response(
        400,
        error(
          100,
          "Unsupported post request. Object with ID '1234567890' does not exist, cannot be loaded due to missing permissions, or does not support this operation",
          { error_subcode: 33 },
        ),
      ),
      'rejected',
      true,
    ],
    [
      'no permission',
      response(403, error(10, '(#10) Application does not have permission for this action')),
      'rejected',
      true,
    ],
    ['permission 200-range', response(403, error(200, '(#200) Permissions error')), 'rejected', true],
    ['user rate limit', response(400, error(17, 'User request limit reached')), 'throttled'],
    ['app rate limit', response(400, error(4, 'Application request limit reached')), 'throttled'],
    [
      'ad account rate limit',
      response(400, error(80003, 'There have been too many calls to this ad-account.')),
      'throttled',
    ],
    ['341', response(400, error(341, 'Application limit reached')), 'throttled'],
    [
      'temporarily blocked',
      response(400, error(368, 'The action attempted has been deemed abusive')),
      'throttled',
    ],
    [
      'data set not ready',
      response(400, error(21009, 'The data set upload is temporarily not ready.')),
      'retry',
    ],
    ['unknown error', response(500, error(1, 'An unknown error occurred')), 'retry'],
    [
      'service error',
      response(503, error(2, 'Service temporarily unavailable', { is_transient: true })),
      'retry',
    ],
    ['is_transient', response(400, error(100, 'Something transient', { is_transient: true })), 'retry'],
    [
      'other validation',
      response(400, error(100, 'Invalid parameter', { error_subcode: 2804019 })),
      'rejected',
      false,
    ],
    ['html 502', response(502, '<html><body>Bad Gateway</body></html>'), 'retry'],
    ['empty 500', response(500, ''), 'retry'],
    ['plain 401', response(401, ''), 'rejected', true],
  ];
  for (const [label, res, kind, credentials] of cases) {
    it(`${label} → ${kind}${credentials === undefined ? '' : ` (credentials: ${credentials})`}`, () => {
      const verdict = meta.classify(res, request);
      assert.equal(verdict.kind, kind);
      if (verdict.kind === 'rejected') assert.equal(verdict.credentials, credentials);
      if (verdict.kind !== 'delivered' && 'message' in verdict) assert.ok(verdict.message.length > 0);
    });
  }

  it('keeps Meta’s message, user title and codes', () => {
    const verdict = meta.classify(
      response(
        400,
        error(100, 'Invalid parameter', {
          error_subcode: 2804003,
          error_user_title: 'Event Timestamp Too Old',
          error_user_msg: 'The timestamp for this event is too far in the past.',
        }),
      ),
      request,
    );
    assert.deepEqual(verdict, {
      kind: 'rejected',
      credentials: false,
      message:
        'Invalid parameter — Event Timestamp Too Old: The timestamp for this event is too far in the past. (code 100, subcode 2804003, fbtrace_id AbCdEf)',
    });
  });

  it('429 honours Retry-After in seconds and as an HTTP date', () => {
    assert.deepEqual(meta.classify(response(429, '', { 'retry-after': '30' }), request), {
      kind: 'throttled',
      message: 'HTTP 429',
      retryAfterMs: 30000,
    });
    const dated = meta.classify(
      response(429, '', {
        'retry-after': 'Fri, 20 Nov 2026 12:01:00 GMT',
        date: 'Fri, 20 Nov 2026 12:00:00 GMT',
      }),
      request,
    );
    assert.deepEqual(dated, { kind: 'throttled', message: 'HTTP 429', retryAfterMs: 60000 });
  });
});

describe('meta config', () => {
  it('accepts the documented shape and keeps apiVersion optional', () => {
    const parsed = meta.parseConfig({
      pixelId: ' 1234567890 ',
      accessToken: 'EAAB\n',
      testEventCode: 'TEST1',
      apiVersion: 'v22.0',
      enabled: true,
      eventNames: { Purchase: 'Purchase', Custom: 'MyCustom' },
    });
    assert.deepEqual(parsed, {
      ok: true,
      config: {
        pixelId: '1234567890',
        accessToken: 'EAAB',
        testEventCode: 'TEST1',
        apiVersion: 'v22.0',
        enabled: true,
        eventNames: { Purchase: 'Purchase', Custom: 'MyCustom' },
      },
    });
  });

  it('rejects missing secrets, malformed ids, unknown keys and unknown event types', () => {
    const parsed = meta.parseConfig({
      pixelId: 'px-1',
      apiVersion: '21',
      extra: 1,
      eventNames: { purchase: 'x' },
    });
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    const text = parsed.errors.join('\n');
    assert.match(text, /accessToken/);
    assert.match(text, /pixelId/);
    assert.match(text, /apiVersion/);
    assert.match(text, /additional/);
    assert.equal(meta.parseConfig('nope').ok, false);
  });
});

describe('meta skips events Meta documents as invalid', () => {
  it('an event without any customer information parameter', () => {
    const anonymous = outboundEvent({ ref: 'anon', eventName: 'ViewContent', userData: { email: 'broken' } });
    const result = meta.build([anonymous, barePageVisit], config, env);
    assert.deepEqual(result.skipped, [
      {
        ref: 'anon',
        reason:
          'Meta requires at least one customer information parameter (email, phone, IP address, user agent…)',
      },
    ]);
    assert.deepEqual(result.requests[0]?.refs, ['dlv_page']);
  });
});
