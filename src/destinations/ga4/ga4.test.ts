import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config.js';
import type { BuildEnv, ConsentDecision, EventName, HttpRequest, OutboundEvent } from '../contract.js';
import {
  barePageVisit,
  customEvent,
  EVENT_TIME,
  h,
  outboundEvent,
  response,
  richPurchase,
} from '../testing/fixtures.js';
import { ga4SessionId, gaCookieClientId } from './client-id.js';
import type { Ga4Config } from './config.js';
import { GA4_DEFAULT_URL, ga4 } from './index.js';
import { ga4CustomEventName } from './names.js';

const env = { baseUrl: 'https://www.google-analytics.com' };
const config: Ga4Config = { measurementId: 'G-ABC123', apiSecret: 's3cr3t' };
const URL = 'https://www.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=s3cr3t';
const HEADERS = { 'content-type': 'application/json' };

interface Body {
  client_id: string;
  user_id?: string;
  user_data?: Record<string, unknown>;
  consent: { ad_user_data: string; ad_personalization: string };
  validation_behavior?: string;
  events: Array<{ name: string; params: Record<string, unknown>; timestamp_micros: number }>;
}

function requests(events: OutboundEvent[], cfg: Ga4Config = config, buildEnv: BuildEnv = env) {
  return ga4.build(events, cfg, buildEnv);
}

function onlyBody(event: OutboundEvent, cfg: Ga4Config = config): Body {
  const result = requests([event], cfg);
  assert.deepEqual(result.skipped, []);
  assert.equal(result.requests.length, 1);
  return result.requests[0]?.body as unknown as Body;
}

/** The client id Tagbridge derives (docs/ga4-and-microsoft.md): SHA-256, first two 32-bit words as decimals. */
function derivedClientId(measurementId: string, key: string): string {
  const digest = h(`tagbridge/ga4-client-id\u0000${measurementId}\u0000${key}`);
  return `${Number.parseInt(digest.slice(0, 8), 16)}.${Number.parseInt(digest.slice(8, 16), 16)}`;
}

const PARTIAL_CONSENT: ConsentDecision = {
  adStorage: true,
  adUserData: true,
  adPersonalization: false,
  analytics: true,
  source: 'event',
};

describe('ga4 build', () => {
  it('the reference’s Purchase example, request for request (hashes reproduced)', () => {
    // destinations-2.md §1 "Example (Purchase)". Tagbridge puts timestamp_micros on the event (GA4 takes
    // it there or at the top), since events of one request may differ in time.
    const purchase = outboundEvent({
      ref: 'dlv_ord',
      eventName: 'Purchase',
      eventId: 'ORD-1001',
      eventTime: 1764597731,
      userData: {
        email: 'jane.doe+shop@example.com',
        phone: '(650) 555-1212',
        externalId: 'cust_42',
        gaClientId: 'GA1.1.1234567890.1733000000',
        gaSessionId: '1733000100',
      },
      customData: {
        value: 59.8,
        currency: 'EUR',
        orderId: 'ORD-1001',
        shipping: 4.9,
        contents: [{ id: 'SKU-1', name: 'T-Shirt', category: 'Apparel', price: 27.45, quantity: 2 }],
      },
      consent: PARTIAL_CONSENT,
    });
    const result = requests([purchase]);
    assert.deepEqual(result, {
      skipped: [],
      requests: [
        {
          method: 'POST',
          url: 'https://www.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=s3cr3t',
          headers: HEADERS,
          refs: ['dlv_ord'],
          body: {
            client_id: '1234567890.1733000000',
            user_id: 'cust_42',
            consent: { ad_user_data: 'GRANTED', ad_personalization: 'DENIED' },
            user_data: {
              sha256_email_address: ['bb55843f3da2af28071cd4be7ae1e05989dc6d3ea4833906f7d8fe4be35afad8'],
              sha256_phone_number: ['1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8'],
            },
            events: [
              {
                name: 'purchase',
                timestamp_micros: 1764597731000000,
                params: {
                  session_id: '1733000100',
                  engagement_time_msec: 1,
                  transaction_id: 'ORD-1001',
                  currency: 'EUR',
                  value: 59.8,
                  shipping: 4.9,
                  items: [
                    {
                      item_id: 'SKU-1',
                      item_name: 'T-Shirt',
                      item_category: 'Apparel',
                      price: 27.45,
                      quantity: 2,
                    },
                  ],
                },
              },
            ],
          },
        },
      ],
    });
  });

  it('rich Purchase: Google’s normalization for user_data and the address in clear', () => {
    const body = onlyBody(richPurchase);
    assert.deepEqual(body, {
      client_id: derivedClientId('G-ABC123', 'customer:cust-42'),
      user_id: 'cust-42',
      user_data: {
        sha256_email_address: [h('john_smith@gmail.com')],
        sha256_phone_number: [h('+16505551212')],
        address: [
          {
            sha256_first_name: h('mary'),
            sha256_last_name: h('obrien'),
            city: 'san francisco',
            region: 'ca',
            postal_code: '94107-1234',
            country: 'US',
          },
        ],
      },
      consent: { ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' },
      events: [
        {
          name: 'purchase',
          timestamp_micros: EVENT_TIME * 1_000_000,
          params: {
            transaction_id: 'order-1001',
            currency: 'USD',
            value: 129.99,
            items: [
              {
                item_id: 'SKU-1',
                item_name: 'Blue Mug',
                item_brand: 'Acme',
                item_category: 'Kitchen',
                price: 49.99,
                quantity: 2,
              },
              { item_id: 'SKU-2', item_name: 'Green Tea', price: 30.01, quantity: 1 },
            ],
          },
        },
      ],
    });
  });

  it('gmail addresses lose dots and +suffix; other domains keep both', () => {
    const gmail = onlyBody(outboundEvent({ userData: { email: ' Jane.Doe+Shop@GoogleMail.com ' } }));
    assert.deepEqual(gmail.user_data, { sha256_email_address: [h('janedoe@googlemail.com')] });
    const other = onlyBody(outboundEvent({ userData: { email: 'Jane.Doe+Shop@Example.com' } }));
    assert.deepEqual(other.user_data, { sha256_email_address: [h('jane.doe+shop@example.com')] });
  });

  it('names lose digits and symbols; a region outside the US stays a name; the shop’s default country is never sent', () => {
    const body = onlyBody(
      outboundEvent({
        defaultCountry: 'DE',
        userData: {
          firstName: ' Jean-Luc 2 ',
          lastName: "D'Angelo",
          city: 'Frankfurt am Main 1',
          state: 'Hessen',
          zip: ' 60311 ',
        },
      }),
    );
    assert.deepEqual(body.user_data, {
      address: [
        {
          sha256_first_name: h('jeanluc'),
          sha256_last_name: h('dangelo'),
          city: 'frankfurt am main',
          region: 'hessen',
          postal_code: '60311',
        },
      ],
    });
  });

  // [event type, customData, expected name, expected params] — reference §1 "Event mapping".
  const TYPES: Array<[EventName, Record<string, unknown>, string, Record<string, unknown>]> = [
    [
      'PageVisit',
      {},
      'page_view',
      { page_location: 'https://shop.example.com/p/1', page_referrer: 'https://www.bing.com/' },
    ],
    [
      'ViewContent',
      { value: 12, currency: 'eur', contentName: 'Blue Mug', contentCategory: 'Kitchen' },
      'view_item',
      { currency: 'EUR', value: 12, items: [{ item_name: 'Blue Mug', item_category: 'Kitchen' }] },
    ],
    ['Search', { searchString: ' mugs ' }, 'search', { search_term: 'mugs' }],
    [
      'AddToCart',
      { value: 10, currency: 'USD', contents: [{ id: 'A', quantity: 1, price: 10 }] },
      'add_to_cart',
      { currency: 'USD', value: 10, items: [{ item_id: 'A', price: 10, quantity: 1 }] },
    ],
    [
      'AddToWishlist',
      { value: 10, currency: 'USD', contents: [{ id: 'A' }] },
      'add_to_wishlist',
      { currency: 'USD', value: 10, items: [{ item_id: 'A' }] },
    ],
    [
      'Purchase',
      {
        value: 30,
        currency: 'USD',
        orderId: 'O-1',
        tax: 2.5,
        shipping: 4,
        coupon: 'SUMMER',
        numItems: 1,
        status: 'paid',
      },
      'purchase',
      { transaction_id: 'O-1', currency: 'USD', value: 30, tax: 2.5, shipping: 4, coupon: 'SUMMER' },
    ],
    ['Lead', { value: 50, currency: 'GBP' }, 'generate_lead', { currency: 'GBP', value: 50 }],
    ['SignUp', { method: 'Google' }, 'sign_up', { method: 'Google' }],
  ];
  for (const [eventName, customData, name, params] of TYPES) {
    it(`${eventName} → ${name}`, () => {
      const event = onlyBody(
        outboundEvent({
          eventName,
          customData,
          eventSourceUrl: 'https://shop.example.com/p/1',
          referrerUrl: 'https://www.bing.com/',
        }),
      ).events[0];
      assert.deepEqual(event, { name, params, timestamp_micros: EVENT_TIME * 1_000_000 });
    });
  }

  it('a Purchase without an order id uses its event id as transaction_id, never an empty one', () => {
    const body = onlyBody(
      outboundEvent({ eventName: 'Purchase', eventId: 'evt-77', customData: { orderId: '  ' } }),
    );
    assert.equal(body.events[0]?.params.transaction_id, 'evt-77');
  });

  it('a value without a valid currency is left out (GA4 requires both)', () => {
    const body = onlyBody(
      outboundEvent({ eventName: 'AddToCart', customData: { value: 10, currency: 'dollars' } }),
    );
    assert.deepEqual(body.events[0]?.params, {});
  });

  it('Custom events: the shop’s name made GA4-valid, its own keys as params, the default name as fallback', () => {
    const body = onlyBody(
      outboundEvent({
        eventName: 'Custom',
        customEventName: 'Newsletter Signup!',
        customData: {
          value: 5,
          currency: 'EUR',
          contentName: 'ignored standard key',
          plan: 'gold',
          seats: 3,
          'bad key': 'x',
          ga_internal: 'x',
          nested: { a: 1 },
          long: 'x'.repeat(150),
        },
      }),
    );
    assert.deepEqual(body.events[0], {
      name: 'Newsletter_Signup',
      timestamp_micros: EVENT_TIME * 1_000_000,
      params: { currency: 'EUR', value: 5, plan: 'gold', seats: 3, long: 'x'.repeat(100) },
    });
    const reserved = onlyBody(outboundEvent({ eventName: 'Custom', customEventName: 'session_start' }));
    assert.equal(reserved.events[0]?.name, 'custom_event');
    const overridden = onlyBody(outboundEvent({ eventName: 'Custom', customEventName: '42' }), {
      ...config,
      eventNames: { Custom: 'shop_event' },
    });
    assert.equal(overridden.events[0]?.name, 'shop_event');
  });

  it('a refund (Custom "Refund" with an order id) is GA4’s refund event for that transaction', () => {
    const body = onlyBody(
      outboundEvent({
        eventName: 'Custom',
        customEventName: 'Refund',
        customData: { orderId: 'ORD-9', value: 12.5, currency: 'EUR', reason: 'damaged' },
      }),
    );
    assert.deepEqual(body.events[0], {
      name: 'refund',
      timestamp_micros: EVENT_TIME * 1_000_000,
      params: { transaction_id: 'ORD-9', currency: 'EUR', value: 12.5 },
    });
    // Without an order id there is no transaction to refund: it stays the shop's custom event.
    const loose = onlyBody(outboundEvent({ eventName: 'Custom', customEventName: 'Refund', customData: {} }));
    assert.equal(loose.events[0]?.name, 'Refund');
  });

  it('the browser’s client id from the _ga cookie or its last two parts, and the session id', () => {
    const body = onlyBody(
      outboundEvent({
        userData: {
          gaClientId: 'GA1.2.987654321.1700000000',
          gaSessionId: 'GS1.1.1733000100.3.1.1733000500.0.0.0',
        },
      }),
    );
    assert.equal(body.client_id, '987654321.1700000000');
    assert.deepEqual(body.events[0]?.params, { session_id: '1733000100', engagement_time_msec: 1 });
  });

  it('without the cookie, one stable id per shopper: same shopper same id, no identifier readable in it', () => {
    const byEmail = (ref: string, email: string) => outboundEvent({ ref, eventId: ref, userData: { email } });
    const result = requests([
      byEmail('a', 'Fan@Example.com'),
      byEmail('b', ' fan@example.com'),
      byEmail('c', 'other@example.com'),
    ]);
    const ids = result.requests.map((r) => (r.body as unknown as Body).client_id);
    // Two shoppers, two requests: the first holds both events of fan@example.com.
    assert.deepEqual(
      result.requests.map((r) => r.refs),
      [['a', 'b'], ['c']],
    );
    assert.deepEqual(ids, [
      derivedClientId('G-ABC123', 'email:fan@example.com'),
      derivedClientId('G-ABC123', 'email:other@example.com'),
    ]);
    for (const id of ids) assert.match(id, /^\d{1,10}\.\d{1,10}$/);
    // The customer id wins over the email; another property derives another id.
    const customer = outboundEvent({ userData: { externalId: 'c-1', email: 'fan@example.com' } });
    assert.equal(onlyBody(customer).client_id, derivedClientId('G-ABC123', 'customer:c-1'));
    assert.notEqual(
      onlyBody(customer, { ...config, measurementId: 'G-OTHER' }).client_id,
      onlyBody(customer).client_id,
    );
    // Nothing identifies the shopper: the event counts as a visitor of its own.
    assert.equal(onlyBody(barePageVisit).client_id, derivedClientId('G-ABC123', 'event:evt-page-1'));
  });

  it('consent: analytics refused skips the event; ad-user-data refused sends no user_data', () => {
    const refused: ConsentDecision = { ...PARTIAL_CONSENT, analytics: false };
    const result = requests([{ ...richPurchase, consent: refused }, barePageVisit]);
    assert.deepEqual(result.skipped, [{ ref: 'dlv_purchase', reason: 'consent' }]);
    assert.deepEqual(
      result.requests.map((r) => r.refs),
      [['dlv_page']],
    );

    const noAdData: ConsentDecision = { ...PARTIAL_CONSENT, adUserData: false };
    const body = onlyBody({ ...richPurchase, consent: noAdData });
    assert.equal(body.user_data, undefined);
    assert.equal(body.user_id, 'cust-42');
    assert.deepEqual(body.consent, { ad_user_data: 'DENIED', ad_personalization: 'DENIED' });
    // The shopper keeps the same client id whatever ads consent says.
    assert.equal(body.client_id, onlyBody(richPurchase).client_id);
  });

  it('batches hold one client id, user data and consent each; 25 events at most', () => {
    const shopper = (i: number, email: string) =>
      outboundEvent({ ref: `r${i}`, eventId: `e${i}`, userData: { email } });
    const events = [
      ...Array.from({ length: 30 }, (_, i) => shopper(i, i % 2 === 0 ? 'a@example.com' : 'b@example.com')),
      { ...shopper(30, 'a@example.com'), consent: PARTIAL_CONSENT },
    ];
    const built = requests(events).requests;
    assert.deepEqual(
      built.map((r) => r.refs.length),
      [15, 15, 1],
    );
    for (const request of built) {
      const body = request.body as unknown as Body;
      assert.equal(body.events.length, request.refs.length);
    }
    assert.deepEqual(built[0]?.refs.slice(0, 3), ['r0', 'r2', 'r4']);
  });

  it('2,500 events of one shopper → 100 requests of 25; of 2,500 shoppers → 2,500 requests', () => {
    const same = Array.from({ length: 2500 }, (_, i) =>
      outboundEvent({ ref: `s${i}`, eventId: `s${i}`, userData: { email: 'loyal@example.com' } }),
    );
    const one = requests(same).requests;
    assert.equal(one.length, 100);
    assert.ok(one.every((r) => r.refs.length === 25));
    assert.deepEqual(
      one.flatMap((r) => r.refs),
      same.map((e) => e.ref),
    );
    const many = Array.from({ length: 2500 }, (_, i) =>
      outboundEvent({ ref: `m${i}`, eventId: `m${i}`, userData: { email: `s${i}@example.com` } }),
    );
    assert.equal(requests(many).requests.length, 2500);
  });

  it('test mode: the validation endpoint with ENFORCE_RECOMMENDATIONS, configured or forced', () => {
    const debugUrl =
      'https://www.google-analytics.com/debug/mp/collect?measurement_id=G-ABC123&api_secret=s3cr3t';
    for (const request of [
      requests([barePageVisit], { ...config, testMode: true }).requests[0],
      requests([barePageVisit], config, { ...env, forceTestMode: true }).requests[0],
    ]) {
      assert.ok(request);
      assert.equal(request.url, debugUrl);
      assert.equal((request.body as unknown as Body).validation_behavior, 'ENFORCE_RECOMMENDATIONS');
    }
    assert.equal(ga4.isTestMode({ ...config, testMode: true }), true);
    assert.equal(ga4.isTestMode(config), false);
    const live = requests([barePageVisit]).requests[0];
    assert.ok(live);
    assert.equal(live.url, URL);
    assert.equal((live.body as unknown as Body).validation_behavior, undefined);
  });

  it("region 'eu' uses Google's EU host; an overridden base URL is used as it is", () => {
    assert.equal(GA4_DEFAULT_URL, loadConfig({}).platformUrls.ga4);
    const eu = requests([barePageVisit], { ...config, region: 'eu' }).requests[0];
    assert.equal(
      eu?.url,
      'https://region1.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=s3cr3t',
    );
    const fake = requests([barePageVisit], { ...config, region: 'eu' }, { baseUrl: 'http://127.0.0.1:9/' })
      .requests[0];
    assert.equal(fake?.url, 'http://127.0.0.1:9/mp/collect?measurement_id=G-ABC123&api_secret=s3cr3t');
    const secret = requests([barePageVisit], { ...config, apiSecret: 'a&b=c' }).requests[0];
    assert.match(secret?.url ?? '', /api_secret=a%26b%3Dc$/);
  });

  it('skips browser-built events and keeps the rest', () => {
    const pmw = outboundEvent({ ref: 'pmw', passthrough: { name: 'purchase' } });
    const result = requests([pmw, customEvent]);
    assert.equal(result.skipped[0]?.ref, 'pmw');
    assert.deepEqual(
      result.requests.map((r) => r.refs),
      [['dlv_custom']],
    );
  });

  it('keeps events within 72 hours (an hour to spare)', () => {
    assert.ok(ga4.limits.maxEventAgeSeconds < 72 * 3600);
    assert.equal(ga4.limits.maxBatchSize, 25);
  });
});

describe('ga4 client and session ids', () => {
  const clientIds: Array<[string, string | undefined]> = [
    ['GA1.1.1234567890.1733000000', '1234567890.1733000000'],
    ['GA1.3.42.1700000000', '42.1700000000'],
    [' 1234567890.1733000000 ', '1234567890.1733000000'],
    ['GA1.1.abc.1733000000', undefined],
    ['1234567890', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of clientIds) {
    it(`client id ${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(gaCookieClientId(input), expected));
  }
  const sessionIds: Array<[string, string | undefined]> = [
    ['1733000100', '1733000100'],
    ['GS1.1.1733000100.3.1.1733000500.0.0.0', '1733000100'],
    ['GS2.1.s1746000000$o5$g1$t1746000100$j60$l0$h0', '1746000000'],
    ['session-1', undefined],
  ];
  for (const [input, expected] of sessionIds) {
    it(`session id ${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(ga4SessionId(input), expected));
  }
  const customNames: Array<[string, string | undefined]> = [
    ['newsletter_signup', 'newsletter_signup'],
    ['Add Payment-Info', 'Add_Payment_Info'],
    ['2nd_visit', 'nd_visit'],
    ['Farbe gewählt', 'Farbe_gewahlt'],
    ['x'.repeat(45), 'x'.repeat(40)],
    ['first_visit', undefined],
    ['google_thing', undefined],
    ['!!!', undefined],
  ];
  for (const [input, expected] of customNames) {
    it(`custom name ${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(ga4CustomEventName(input), expected));
  }
});

describe('ga4 classify', () => {
  const live = requests([barePageVisit]).requests[0] as HttpRequest;
  const debug = requests([barePageVisit], { ...config, testMode: true }).requests[0] as HttpRequest;

  it('production answers 2xx for anything: delivered', () => {
    assert.deepEqual(ga4.classify(response(204, ''), live), { kind: 'delivered' });
    assert.deepEqual(ga4.classify(response(200, 'whatever'), live), { kind: 'delivered' });
  });

  it('the validation endpoint: no messages is valid; messages reject with Google’s words', () => {
    assert.deepEqual(ga4.classify(response(200, { validationMessages: [] }), debug), { kind: 'delivered' });
    const verdict = ga4.classify(
      response(200, {
        validationMessages: [
          {
            fieldPath: 'events',
            description:
              'Event at index: [0] has invalid name [_badEventName]. Names must start with an alphabetic character.',
            validationCode: 'NAME_INVALID',
          },
          { fieldPath: 'client_id', description: 'client_id is required.', validationCode: 'VALUE_REQUIRED' },
        ],
      }),
      debug,
    );
    assert.deepEqual(verdict, {
      kind: 'rejected',
      credentials: false,
      message:
        'NAME_INVALID events: Event at index: [0] has invalid name [_badEventName]. Names must start with an alphabetic character.; VALUE_REQUIRED client_id: client_id is required.',
    });
    assert.equal(ga4.classify(response(200, 'not json'), debug).kind, 'retry');
  });

  it('failures by status on either endpoint', () => {
    for (const request of [live, debug]) {
      assert.equal(ga4.classify(response(503, ''), request).kind, 'retry');
      assert.deepEqual(ga4.classify(response(429, '', { 'retry-after': '3' }), request), {
        kind: 'throttled',
        message: 'HTTP 429',
        retryAfterMs: 3000,
      });
    }
  });
});

describe('ga4 config', () => {
  it('accepts the documented shape', () => {
    assert.deepEqual(
      ga4.parseConfig({
        measurementId: ' G-ABC123DEF4 ',
        apiSecret: 'sec\n',
        region: 'eu',
        eventNames: { Lead: 'qualify_lead' },
      }),
      {
        ok: true,
        config: {
          measurementId: 'G-ABC123DEF4',
          apiSecret: 'sec',
          region: 'eu',
          eventNames: { Lead: 'qualify_lead' },
        },
      },
    );
  });

  it('refuses a malformed measurement id, an unknown region and reserved or malformed event names', () => {
    for (const [raw, field] of [
      [{ measurementId: 'UA-123-1', apiSecret: 's' }, 'measurementId'],
      [{ measurementId: 'G-ABC', apiSecret: 's', region: 'us' }, 'region'],
      [
        { measurementId: 'G-ABC', apiSecret: 's', eventNames: { Custom: 'session_start' } },
        'eventNames.Custom',
      ],
      [{ measurementId: 'G-ABC', apiSecret: 's', eventNames: { Lead: 'google_lead' } }, 'eventNames.Lead'],
      [{ measurementId: 'G-ABC', apiSecret: 's', eventNames: { Lead: 'my lead' } }, 'eventNames.Lead'],
      [{ measurementId: 'G-ABC' }, 'apiSecret'],
    ] as const) {
      const parsed = ga4.parseConfig(raw);
      assert.equal(parsed.ok, false, JSON.stringify(raw));
      if (!parsed.ok)
        assert.ok(
          parsed.errors.some((e) => e.includes(field)),
          parsed.errors.join('\n'),
        );
    }
  });
});
