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
import type { TiktokConfig } from './config.js';
import { tiktok } from './index.js';

const env = { baseUrl: 'https://business-api.tiktok.com' };
const config: TiktokConfig = { pixelCode: 'C4ABCDEF123', accessToken: 'tt-token-1' };
const URL = 'https://business-api.tiktok.com/open_api/v1.3/event/track/';
const HEADERS = { 'content-type': 'application/json', 'access-token': 'tt-token-1' };

function only(events: OutboundEvent[], cfg: TiktokConfig = config) {
  const result = tiktok.build(events, cfg, env);
  assert.equal(result.requests.length, 1);
  const [request] = result.requests;
  assert.ok(request);
  return { request, skipped: result.skipped };
}

type Body = { data: Array<Record<string, unknown> & { user: Record<string, unknown> }> };

describe('tiktok build', () => {
  it('rich Purchase: every field, with TikTok’s hash/plain split', () => {
    const { request, skipped } = only([richPurchase]);
    assert.deepEqual(skipped, []);
    assert.deepEqual(request, {
      method: 'POST',
      url: URL,
      headers: HEADERS,
      refs: ['dlv_purchase'],
      body: {
        event_source: 'web',
        event_source_id: 'C4ABCDEF123',
        data: [
          {
            event: 'Purchase',
            event_time: EVENT_TIME,
            event_id: 'order-1001',
            user: {
              email: h('john_smith@gmail.com'),
              phone: h('+16505551212'),
              external_id: h('cust-42'),
              first_name: h('mary'),
              last_name: h('obrien'),
              zip_code: h('94107'),
              city: 'sanfrancisco',
              state: 'ca',
              country: 'us',
              ip: '203.0.113.7',
              user_agent: 'Mozilla/5.0 (Macintosh) Test',
              ttclid: 'E.C.P.ttclid-1',
              ttp: 'ttp-cookie-1',
            },
            page: {
              url: 'https://shop.example.com/checkout/order-received/1001',
              referrer: 'https://shop.example.com/checkout',
            },
            properties: {
              value: 129.99,
              currency: 'USD',
              content_type: 'product',
              contents: [
                {
                  content_id: 'SKU-1',
                  content_name: 'Blue Mug',
                  content_category: 'Kitchen',
                  brand: 'Acme',
                  price: 49.99,
                  quantity: 2,
                },
                { content_id: 'SKU-2', content_name: 'Green Tea', price: 30.01, quantity: 1 },
              ],
              content_ids: ['SKU-1', 'SKU-2'],
              num_items: 3,
              order_id: 'order-1001',
            },
          },
        ],
      },
    });
  });

  it('bare PageVisit: Pageview, no page or properties', () => {
    const { request } = only([barePageVisit]);
    assert.deepEqual(request.body, {
      event_source: 'web',
      event_source_id: 'C4ABCDEF123',
      data: [
        {
          event: 'Pageview',
          event_time: EVENT_TIME,
          event_id: 'evt-page-1',
          user: { ip: '198.51.100.4', user_agent: 'Mozilla/5.0 Bare' },
        },
      ],
    });
  });

  it('Custom event goes out under the shop’s own name', () => {
    const { request } = only([customEvent]);
    assert.deepEqual((request.body as Body).data[0], {
      event: 'newsletter_signup_popup',
      event_time: EVENT_TIME,
      event_id: 'evt-custom-1',
      user: { email: h('fan@example.com'), ip: '198.51.100.4', user_agent: 'Mozilla/5.0 Bare' },
      page: { url: 'https://shop.example.com/' },
      properties: { value: 5, currency: 'EUR' },
    });
  });

  it('override restores the legacy CompletePayment name for pixels that still send it', () => {
    const { request } = only([richPurchase], { ...config, eventNames: { Purchase: 'CompletePayment' } });
    assert.equal((request.body as Body).data[0]?.event, 'CompletePayment');
  });

  it('Lead and SignUp use the current standard names', () => {
    const lead = outboundEvent({ ref: 'l', eventName: 'Lead' });
    const signUp = outboundEvent({ ref: 's', eventName: 'SignUp' });
    const { request } = only([lead, signUp]);
    assert.deepEqual(
      (request.body as Body).data.map((e) => e.event),
      ['Lead', 'CompleteRegistration'],
    );
  });

  it('2-event batch: one request, refs in body order', () => {
    const { request } = only([barePageVisit, customEvent]);
    assert.deepEqual(request.refs, ['dlv_page', 'dlv_custom']);
    assert.deepEqual(
      (request.body as Body).data.map((e) => e.event_id),
      ['evt-page-1', 'evt-custom-1'],
    );
  });

  it('test mode: test_event_code from config, or a fixed one when forced', () => {
    const configured = only([barePageVisit], { ...config, testEventCode: 'TEST98765' }).request;
    assert.equal((configured.body as { test_event_code?: string }).test_event_code, 'TEST98765');
    assert.equal(tiktok.isTestMode({ ...config, testEventCode: 'TEST98765' }), true);
    assert.equal(tiktok.isTestMode(config), false);
    const forced = tiktok.build([barePageVisit], config, { ...env, forceTestMode: true }).requests[0];
    assert.equal(
      (forced?.body as { test_event_code?: string } | undefined)?.test_event_code,
      'TEST_TAGBRIDGE',
    );
  });

  it('splits batches above 1,000 events', () => {
    const { requests } = tiktok.build(manyEvents(1001), config, env);
    assert.deepEqual(
      requests.map((r) => r.refs.length),
      [1000, 1],
    );
    assert.equal(requests[1]?.refs[0], 'dlv_1000');
  });
});

describe('tiktok passthrough', () => {
  it('fills user.ip / user_agent when missing, keeps what the browser sent', () => {
    const v13 = { event: 'Purchase', event_time: EVENT_TIME, user: { ttp: 'x', ip: '192.0.2.1' } };
    const v12 = { event: 'ViewContent', timestamp: '2026-11-20T12:00:00Z', context: { page: { url: 'u' } } };
    const bare = { event: 'Pageview', event_time: EVENT_TIME };
    const userData = { ipAddress: '203.0.113.9', userAgent: 'UA-1' };
    const { request } = only([
      outboundEvent({ ref: 'a', passthrough: v13, userData }),
      outboundEvent({ ref: 'b', passthrough: v12, userData }),
      outboundEvent({ ref: 'c', passthrough: bare, userData }),
    ]);
    assert.deepEqual((request.body as Body).data, [
      { event: 'Purchase', event_time: EVENT_TIME, user: { ttp: 'x', ip: '192.0.2.1', user_agent: 'UA-1' } },
      { ...v12, context: { page: { url: 'u' }, ip: '203.0.113.9', user_agent: 'UA-1' } },
      { ...bare, user: { ip: '203.0.113.9', user_agent: 'UA-1' } },
    ]);
    assert.deepEqual(request.refs, ['a', 'b', 'c']);
  });
});

describe('tiktok user normalization (messy inputs)', () => {
  const cases: Array<[Partial<UserData>, string, string | undefined, 'hash' | 'plain']> = [
    [{ email: ' Foo.Bar@Example.COM ' }, 'email', 'foo.bar@example.com', 'hash'],
    [{ email: 'anna+promo@gmail.com' }, 'email', 'anna+promo@gmail.com', 'hash'],
    [{ email: 'broken@' }, 'email', undefined, 'hash'],
    [{ phone: '(650)555-1212' }, 'phone', '+16505551212', 'hash'],
    [{ phone: '+91 99123 45678' }, 'phone', '+919912345678', 'hash'],
    [{ phone: '0044 (0)20 7946 0958' }, 'phone', '+442079460958', 'hash'],
    [{ phone: '0151 12345678', country: 'DE' }, 'phone', '+4915112345678', 'hash'],
    [{ phone: '06-12345678', country: 'Netherlands' }, 'phone', '+31612345678', 'hash'],
    [{ phone: '650-555-1212 x12' }, 'phone', '+16505551212', 'hash'],
    [{ phone: 'ask at front desk' }, 'phone', undefined, 'hash'],
    [{ externalId: ' Cust-42 ' }, 'external_id', 'Cust-42', 'hash'],
    [{ firstName: 'ÉLODIE' }, 'first_name', 'élodie', 'hash'],
    [{ firstName: 'Anne-Marie' }, 'first_name', 'annemarie', 'hash'],
    [{ lastName: "O'Connor" }, 'last_name', 'oconnor', 'hash'],
    [{ lastName: 'García Márquez' }, 'last_name', 'garcía márquez', 'hash'],
    [{ zip: '94107-1234', country: 'US' }, 'zip_code', '94107', 'hash'],
    [{ zip: 'SW1A 1AA', country: 'United Kingdom' }, 'zip_code', 'sw1a1aa', 'hash'],
    [{ zip: '1012 AB', country: 'NL' }, 'zip_code', '1012ab', 'hash'],
    [{ zip: 'K1A 0B6', country: 'CAN' }, 'zip_code', 'k1a0b6', 'hash'],
    [{ zip: '2139', country: 'US' }, 'zip_code', undefined, 'hash'],
    [{ city: 'Los Angeles' }, 'city', 'losangeles', 'plain'],
    [{ city: "Val-d'Isère" }, 'city', 'valdisère', 'plain'],
    [{ state: 'New York' }, 'state', 'ny', 'plain'],
    [{ state: 'ca', country: 'US' }, 'state', 'ca', 'plain'],
    [{ state: 'Nordrhein-Westfalen', country: 'DE' }, 'state', 'nordrheinwestfalen', 'plain'],
    [{ country: 'United States' }, 'country', 'us', 'plain'],
    [{ country: 'FRA' }, 'country', 'fr', 'plain'],
    [{ country: 'Frankreich' }, 'country', 'fr', 'plain'],
    [{ country: 'XX' }, 'country', undefined, 'plain'],
    [{ ipAddress: '2001:DB8::2' }, 'ip', '2001:db8::2', 'plain'],
    [{ ttclid: ' E.C.P.abc ' }, 'ttclid', 'E.C.P.abc', 'plain'],
    [{ userAgent: '  ' }, 'user_agent', undefined, 'plain'],
  ];
  for (const [userData, key, expected, kind] of cases) {
    it(`${JSON.stringify(userData)} → ${key} ${String(expected)}`, () => {
      const body = only([outboundEvent({ userData })]).request.body as Body;
      const want = expected === undefined ? undefined : kind === 'hash' ? h(expected) : expected;
      assert.deepEqual(body.data[0]?.user[key], want);
    });
  }

  it('passes a pre-hashed phone through', () => {
    const hashed = h('+16505551212');
    const body = only([outboundEvent({ userData: { phone: hashed } })]).request.body as Body;
    assert.equal(body.data[0]?.user.phone, hashed);
  });
});

describe('tiktok classify', () => {
  const request = only([barePageVisit]).request;
  const ok = (code: number, message: string) =>
    response(200, { code, message, request_id: '202611201200000000000000000', data: {} });
  const cases: Array<[string, ReturnType<typeof response>, Classification['kind'], boolean?]> = [
    ['OK', ok(0, 'OK'), 'delivered'],
    ['partial success', ok(20001, 'Partial success'), 'delivered'],
    [
      'no permission',
      ok(
        40001,
        'No permission to operate pixel code: C4ABCDEF123. You must be an admin or operator of this advertiser account.',
      ),
      'rejected',
      true,
    ],
    [
      'parameter error',
      ok(40002, 'Batch.0.properties.contents.0.content_id: Not a valid string.'),
      'rejected',
      false,
    ],
    ['too many requests', ok(40100, 'Too many requests. Please retry in some time.'), 'throttled'],
    ['token revoked', ok(40105, 'The access token is incorrect or has been revoked.'), 'rejected', true],
    ['system error', ok(50000, 'System error'), 'retry'],
    ['http 429', response(429, 'Too Many Requests', { 'retry-after': '2' }), 'throttled'],
    ['http 503', response(503, '<html>unavailable</html>'), 'retry'],
    ['http 401', response(401, ''), 'rejected', true],
    ['200 that is not JSON', response(200, '<html>captive portal</html>'), 'retry'],
    ['unknown code on 200', ok(12345, 'Something new'), 'retry'],
  ];
  for (const [label, res, kind, credentials] of cases) {
    it(`${label} → ${kind}`, () => {
      const verdict = tiktok.classify(res, request);
      assert.equal(verdict.kind, kind);
      if (verdict.kind === 'rejected') assert.equal(verdict.credentials, credentials);
    });
  }

  it('keeps TikTok’s message and code', () => {
    assert.deepEqual(
      tiktok.classify(ok(40002, 'Batch.0.event_time: Missing data for required field.'), request),
      {
        kind: 'rejected',
        credentials: false,
        message:
          'Batch.0.event_time: Missing data for required field. (code 40002, request_id 202611201200000000000000000)',
      },
    );
  });
});

describe('tiktok config', () => {
  it('accepts the documented shape', () => {
    const raw = {
      pixelCode: 'C4ABCDEF123',
      accessToken: 't',
      testEventCode: 'TEST1',
      eventNames: { Lead: 'SubmitForm' },
    };
    assert.deepEqual(tiktok.parseConfig(raw), { ok: true, config: raw });
  });
  it('rejects a pixel code with punctuation and a missing token', () => {
    const parsed = tiktok.parseConfig({ pixelCode: 'C4/../x' });
    assert.equal(parsed.ok, false);
    if (!parsed.ok)
      assert.match(parsed.errors.join('\n'), /pixelCode[\s\S]*accessToken|accessToken[\s\S]*pixelCode/);
  });
});
