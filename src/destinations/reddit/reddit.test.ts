import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BuildEnv, Classification, OutboundEvent, UserData } from '../contract.js';
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
import type { RedditConfig } from './config.js';
import { reddit } from './index.js';

const env = { baseUrl: 'https://ads-api.reddit.com' };
const config: RedditConfig = { pixelId: 't2_abc123', accessToken: 'rdt-token-1' };
const URL = 'https://ads-api.reddit.com/api/v3/pixels/t2_abc123/conversion_events';
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer rdt-token-1' };

function only(events: OutboundEvent[], cfg: RedditConfig = config, buildEnv: BuildEnv = env) {
  const result = reddit.build(events, cfg, buildEnv);
  assert.equal(result.requests.length, 1);
  const [request] = result.requests;
  assert.ok(request);
  return { request, skipped: result.skipped };
}

type Body = {
  data: { test_id?: string; events: Array<Record<string, unknown> & { user: Record<string, unknown> }> };
};
const eventsOf = (body: unknown) => (body as Body).data.events;

describe('reddit build', () => {
  it('rich Purchase: v3 PURCHASE, event_at in ms, hashed IP, canonical email', () => {
    const { request, skipped } = only([richPurchase]);
    assert.deepEqual(skipped, []);
    assert.deepEqual(request, {
      method: 'POST',
      url: URL,
      headers: HEADERS,
      refs: ['dlv_purchase'],
      body: {
        data: {
          events: [
            {
              event_at: EVENT_TIME * 1000,
              action_source: 'WEBSITE',
              event_source_url: 'https://shop.example.com/checkout/order-received/1001',
              click_id: 'rdt-click-1',
              type: { tracking_type: 'PURCHASE' },
              user: {
                // Reddit canonicalization drops the underscore from the local part.
                email: h('johnsmith@gmail.com'),
                phone_number: h('+16505551212'),
                external_id: h('cust-42'),
                ip_address: h('203.0.113.7'),
                user_agent: 'Mozilla/5.0 (Macintosh) Test',
                uuid: '1795170000000.rdt-uuid-1',
              },
              metadata: {
                conversion_id: 'order-1001',
                value: 129.99,
                currency: 'USD',
                item_count: 3,
                products: [
                  { id: 'SKU-1', name: 'Blue Mug', category: 'Kitchen' },
                  { id: 'SKU-2', name: 'Green Tea' },
                ],
              },
            },
          ],
        },
      },
    });
  });

  it('bare PageVisit: PAGE_VISIT (not the v2 PageVisit), conversion_id only', () => {
    assert.deepEqual(only([barePageVisit]).request.body, {
      data: {
        events: [
          {
            event_at: EVENT_TIME * 1000,
            action_source: 'WEBSITE',
            type: { tracking_type: 'PAGE_VISIT' },
            user: { ip_address: h('198.51.100.4'), user_agent: 'Mozilla/5.0 Bare' },
            metadata: { conversion_id: 'evt-page-1' },
          },
        ],
      },
    });
  });

  it('Custom event: tracking_type CUSTOM with the shop’s name, value kept', () => {
    assert.deepEqual(eventsOf(only([customEvent]).request.body)[0], {
      event_at: EVENT_TIME * 1000,
      action_source: 'WEBSITE',
      event_source_url: 'https://shop.example.com/',
      type: { tracking_type: 'CUSTOM', custom_event_name: 'newsletter_signup_popup' },
      user: { email: h('fan@example.com'), ip_address: h('198.51.100.4'), user_agent: 'Mozilla/5.0 Bare' },
      metadata: { conversion_id: 'evt-custom-1', value: 5, currency: 'EUR' },
    });
  });

  it('metadata fields only where Reddit accepts them', () => {
    const data = { value: 10, currency: 'usd', numItems: 2, contents: [{ id: 'A' }] };
    const search = outboundEvent({ ref: 's', eventName: 'Search', customData: data });
    const lead = outboundEvent({ ref: 'l', eventName: 'Lead', customData: data });
    const events = eventsOf(only([search, lead]).request.body);
    assert.deepEqual(events[0]?.metadata, { conversion_id: 'evt-1', products: [{ id: 'A' }] });
    assert.deepEqual(events[1]?.metadata, {
      conversion_id: 'evt-1',
      value: 10,
      currency: 'USD',
      products: [{ id: 'A' }],
    });
  });

  it('overrides: a v3 tracking type is used as is, other text becomes a CUSTOM name', () => {
    const lead = outboundEvent({ eventName: 'Lead' });
    const asSignUp = only([lead], { ...config, eventNames: { Lead: 'SIGN_UP' } });
    assert.deepEqual(eventsOf(asSignUp.request.body)[0]?.type, { tracking_type: 'SIGN_UP' });
    const asCustom = only([lead], { ...config, eventNames: { Lead: 'QuoteRequest' } });
    assert.deepEqual(eventsOf(asCustom.request.body)[0]?.type, {
      tracking_type: 'CUSTOM',
      custom_event_name: 'QuoteRequest',
    });
    const unnamed = outboundEvent({ eventName: 'Custom' });
    assert.deepEqual(eventsOf(only([unnamed]).request.body)[0]?.type, {
      tracking_type: 'CUSTOM',
      custom_event_name: 'Custom',
    });
  });

  it('2-event batch: one request, refs in body order', () => {
    const { request } = only([barePageVisit, customEvent]);
    assert.deepEqual(request.refs, ['dlv_page', 'dlv_custom']);
    assert.deepEqual(
      eventsOf(request.body).map((e) => (e.metadata as { conversion_id: string }).conversion_id),
      ['evt-page-1', 'evt-custom-1'],
    );
  });

  it('test mode: data.test_id from config, or a fixed one when forced', () => {
    const configured = only([barePageVisit], { ...config, testId: 't2_test_1' }).request.body as Body;
    assert.equal(configured.data.test_id, 't2_test_1');
    const forced = only([barePageVisit], config, { ...env, forceTestMode: true }).request.body as Body;
    assert.equal(forced.data.test_id, 'TEST_TAGBRIDGE');
    assert.equal((only([barePageVisit]).request.body as Body).data.test_id, undefined);
    assert.equal(reddit.isTestMode({ ...config, testId: 'x' }), true);
    assert.equal(reddit.isTestMode(config), false);
  });

  it('splits batches above 1,000 events', () => {
    const { requests } = reddit.build(manyEvents(1500), config, env);
    assert.deepEqual(
      requests.map((r) => r.refs.length),
      [1000, 500],
    );
  });
});

describe('reddit passthrough', () => {
  it('fills user.ip_address (hashed) and user_agent only when missing', () => {
    const ready = {
      event_at: EVENT_TIME * 1000,
      action_source: 'WEBSITE',
      type: { tracking_type: 'PURCHASE' },
    };
    const own = { ...ready, user: { ip_address: h('192.0.2.1') } };
    const userData = { ipAddress: '203.0.113.9', userAgent: 'UA-1' };
    const { request } = only([
      outboundEvent({ ref: 'a', passthrough: ready, userData }),
      outboundEvent({ ref: 'b', passthrough: own, userData }),
    ]);
    assert.deepEqual(eventsOf(request.body), [
      { ...ready, user: { ip_address: h('203.0.113.9'), user_agent: 'UA-1' } },
      { ...ready, user: { ip_address: h('192.0.2.1'), user_agent: 'UA-1' } },
    ]);
  });
});

describe('reddit user normalization (messy inputs)', () => {
  const cases: Array<[Partial<UserData>, string, string | undefined, 'hash' | 'plain']> = [
    [{ email: 'Al.ice$+Apple@Example.Com' }, 'email', 'alice@example.com', 'hash'],
    [{ email: ' JOHN.DOE@GMAIL.COM ' }, 'email', 'johndoe@gmail.com', 'hash'],
    [{ email: 'john.doe+newsletter@gmail.com' }, 'email', 'johndoe@gmail.com', 'hash'],
    [{ email: 'first_last@company.co.uk' }, 'email', 'firstlast@company.co.uk', 'hash'],
    [{ email: 'a-b.c@sub.example.org' }, 'email', 'abc@sub.example.org', 'hash'],
    [{ email: 'x+y+z@example.com' }, 'email', 'x@example.com', 'hash'],
    [{ email: 'Zoë@Example.de' }, 'email', 'zoë@example.de', 'hash'],
    [{ email: '+only@example.com' }, 'email', undefined, 'hash'],
    [{ email: 'no-at.example.com' }, 'email', undefined, 'hash'],
    [{ phone: '(650)555-1212' }, 'phone_number', '+16505551212', 'hash'],
    [{ phone: '+44 844 412 4653' }, 'phone_number', '+448444124653', 'hash'],
    [{ phone: '0044 (0)20 7946 0958' }, 'phone_number', '+442079460958', 'hash'],
    [{ phone: '020 7946 0958', country: 'United Kingdom' }, 'phone_number', '+442079460958', 'hash'],
    [{ phone: '0612345678', country: 'NL' }, 'phone_number', '+31612345678', 'hash'],
    [{ phone: '01512 3456789', country: 'DEU' }, 'phone_number', '+4915123456789', 'hash'],
    [{ phone: '+1-650-555-1212 ext. 77' }, 'phone_number', '+16505551212', 'hash'],
    [{ phone: '16505551212' }, 'phone_number', '+16505551212', 'hash'],
    [{ phone: '650 555 12' }, 'phone_number', undefined, 'hash'],
    [{ phone: 'tel: none' }, 'phone_number', undefined, 'hash'],
    [{ externalId: 'testuserId1' }, 'external_id', 'testuserId1', 'hash'],
    [{ externalId: '  ABC-123 ' }, 'external_id', 'ABC-123', 'hash'],
    [{ externalId: '   ' }, 'external_id', undefined, 'hash'],
    [{ ipAddress: '54.100.200.255' }, 'ip_address', '54.100.200.255', 'hash'],
    [{ ipAddress: ' 54.100.200.255 ' }, 'ip_address', '54.100.200.255', 'hash'],
    [{ ipAddress: '2001:0DB8::1' }, 'ip_address', '2001:0db8::1', 'hash'],
    [{ ipAddress: '::ffff:54.100.200.255' }, 'ip_address', '54.100.200.255', 'hash'],
    [{ ipAddress: 'unknown' }, 'ip_address', undefined, 'hash'],
    [{ userAgent: ' Mozilla/5.0 X ' }, 'user_agent', 'Mozilla/5.0 X', 'plain'],
    [{ rdtUuid: ' 1700000000000.abc ' }, 'uuid', '1700000000000.abc', 'plain'],
    [{ firstName: 'Not Sent' }, 'first_name', undefined, 'plain'],
  ];
  for (const [userData, key, expected, kind] of cases) {
    it(`${JSON.stringify(userData)} → ${key} ${String(expected)}`, () => {
      const event = eventsOf(only([outboundEvent({ userData })]).request.body)[0];
      const want = expected === undefined ? undefined : kind === 'hash' ? h(expected) : expected;
      assert.deepEqual((event?.user as Record<string, unknown> | undefined)?.[key], want);
    });
  }

  it('click id goes on the event, not in user', () => {
    const event = eventsOf(only([outboundEvent({ userData: { rdtClickId: ' cid-1 ' } })]).request.body)[0];
    assert.equal(event?.click_id, 'cid-1');
    assert.equal(event?.user, undefined);
  });
});

describe('reddit classify', () => {
  const request = only([barePageVisit]).request;
  const cases: Array<[string, ReturnType<typeof response>, Classification['kind'], boolean?]> = [
    ['success', response(200, { message: 'Successfully processed 1 conversion events.' }), 'delivered'],
    [
      'invalid batch',
      response(400, {
        message: 'There were 1 invalid conversion events. None were processed.',
        invalid_events: [{ error_message: 'event_at timestamp must be less than 168h0m0s old', event: {} }],
      }),
      'rejected',
      false,
    ],
    ['auth required (text)', response(401, 'Authorization Required'), 'rejected', true],
    [
      'unauthorized (json)',
      response(401, {
        success: false,
        error: {
          reason: 'UNAUTHORIZED',
          explanation: 'This server could not verify that you are authorized.',
        },
      }),
      'rejected',
      true,
    ],
    [
      'forbidden',
      response(403, { error: { reason: 'FORBIDDEN', explanation: 'Missing adsconversions scope' } }),
      'rejected',
      true,
    ],
    ['rate limited', response(429, { message: 'Too Many Requests' }, { 'retry-after': '1' }), 'throttled'],
    ['server error', response(500, 'Internal Server Error'), 'retry'],
    ['bad gateway', response(502, ''), 'retry'],
    [
      '200 with invalid events',
      response(200, {
        message: 'There were 1 invalid conversion events. None were processed.',
        invalid_events: [{ error_message: 'bad', event: {} }],
      }),
      'rejected',
      false,
    ],
  ];
  for (const [label, res, kind, credentials] of cases) {
    it(`${label} → ${kind}`, () => {
      const verdict = reddit.classify(res, request);
      assert.equal(verdict.kind, kind);
      if (verdict.kind === 'rejected') assert.equal(verdict.credentials, credentials);
    });
  }

  it('keeps Reddit’s message and each invalid event’s reason', () => {
    const verdict = reddit.classify(
      response(400, {
        message: 'There were 1 invalid conversion events. None were processed.',
        invalid_events: [{ error_message: 'event_at timestamp must be less than 168h0m0s old', event: {} }],
      }),
      request,
    );
    assert.deepEqual(verdict, {
      kind: 'rejected',
      credentials: false,
      message:
        'There were 1 invalid conversion events. None were processed. event_at timestamp must be less than 168h0m0s old',
    });
    assert.deepEqual(reddit.classify(response(429, '', { 'retry-after': '1' }), request), {
      kind: 'throttled',
      message: 'HTTP 429',
      retryAfterMs: 1000,
    });
  });
});

describe('reddit config', () => {
  it('accepts the documented shape', () => {
    const raw = {
      pixelId: 't2_abc123',
      accessToken: 'x',
      testId: 't2_test',
      eventNames: { Custom: 'MyEvent' },
    };
    assert.deepEqual(reddit.parseConfig(raw), { ok: true, config: raw });
  });
  it('rejects a pixel id that would change the URL path', () => {
    assert.equal(reddit.parseConfig({ pixelId: '../accounts', accessToken: 'x' }).ok, false);
  });
});
