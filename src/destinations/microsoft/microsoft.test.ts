import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsentDecision, EventName, HttpRequest, OutboundEvent } from '../contract.js';
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
import type { MicrosoftConfig } from './config.js';
import { microsoft } from './index.js';

const env = { baseUrl: 'https://capi.uet.microsoft.com' };
const config: MicrosoftConfig = { tagId: '187012345', accessToken: 'ms-api-token' };
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer ms-api-token' };

type Event = Record<string, unknown> & {
  userData: Record<string, unknown>;
  customData?: Record<string, unknown>;
};
interface Body {
  data: Event[];
  continueOnValidationError: boolean;
}

function build(
  events: OutboundEvent[],
  cfg: MicrosoftConfig = config,
  buildEnv: { baseUrl: string; forceTestMode?: boolean } = env,
) {
  return microsoft.build(events, cfg, buildEnv);
}

function onlyEvent(event: OutboundEvent, cfg: MicrosoftConfig = config): Event {
  const result = build([event], cfg);
  assert.deepEqual(result.skipped, []);
  const body = result.requests[0]?.body as unknown as Body;
  assert.equal(body.data.length, 1);
  return body.data[0] as Event;
}

/** The anonymous id Tagbridge derives (docs/ga4-and-microsoft.md): the first 32 hex of a SHA-256. */
function anonymousId(tagId: string, key: string): string {
  return h(`tagbridge/microsoft-anonymous-id\u0000${tagId}\u0000${key}`).slice(0, 32);
}

const GRANTED_EXCEPT = (partial: Partial<ConsentDecision>): ConsentDecision => ({
  adStorage: true,
  adUserData: true,
  adPersonalization: true,
  analytics: true,
  source: 'event',
  ...partial,
});

describe('microsoft build', () => {
  it('the reference’s Purchase example, request for request (hashes reproduced)', () => {
    // destinations-2.md §3 "Example". Only anonymousId differs: the example's is a browser's UET visitor
    // id, which shops do not send, so Tagbridge derives one per shopper.
    const purchase = outboundEvent({
      ref: 'dlv_ord',
      eventName: 'Purchase',
      eventId: 'ORD-1001',
      eventTime: 1764511331,
      eventSourceUrl: 'https://shop.example.com/checkout/thank-you',
      userData: {
        email: 'Jane.Doe+shop@Example.com',
        phone: '(650) 555-1212',
        msclkid: 'dd4afcccb1c9a4cad9544dd7e5006',
        ipAddress: '203.0.113.7',
        userAgent: 'Mozilla/5.0 …',
      },
      customData: {
        value: 59.8,
        currency: 'EUR',
        orderId: 'ORD-1001',
        contents: [{ id: 'SKU-1', name: 'T-Shirt', price: 27.45, quantity: 2 }],
      },
    });
    assert.deepEqual(build([purchase]), {
      skipped: [],
      requests: [
        {
          method: 'POST',
          url: 'https://capi.uet.microsoft.com/v1/187012345/events',
          headers: HEADERS,
          refs: ['dlv_ord'],
          body: {
            data: [
              {
                eventType: 'custom',
                eventName: 'purchase',
                eventId: 'ORD-1001',
                eventTime: 1764511331,
                eventSourceUrl: 'https://shop.example.com/checkout/thank-you',
                adStorageConsent: 'G',
                userData: {
                  anonymousId: anonymousId('187012345', 'email:jane.doe+shop@example.com'),
                  msclkid: 'dd4afcccb1c9a4cad9544dd7e5006',
                  em: 'c4d25e9c90ff23e9145397bc6fbd5385ca5fbe78211222ccbecd0b369ebb19a6',
                  ph: '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8',
                  clientIpAddress: '203.0.113.7',
                  clientUserAgent: 'Mozilla/5.0 …',
                },
                customData: {
                  pageType: 'purchase',
                  transactionId: 'ORD-1001',
                  value: 59.8,
                  currency: 'EUR',
                  ecommTotalValue: 59.8,
                  itemIds: ['SKU-1'],
                  items: [{ id: 'SKU-1', name: 'T-Shirt', price: 27.45, quantity: 2 }],
                },
              },
            ],
            continueOnValidationError: true,
          },
        },
      ],
    });
  });

  it('rich Purchase: the external id hashed, Microsoft’s email rule on every domain', () => {
    const event = onlyEvent({
      ...richPurchase,
      userData: { ...richPurchase.userData, msclkid: ' ms-click-1 ' },
    });
    assert.deepEqual(event.userData, {
      anonymousId: anonymousId('187012345', 'customer:cust-42'),
      externalId: h('cust-42'),
      em: h('john_smith@gmail.com'),
      ph: h('+16505551212'),
      msclkid: 'ms-click-1',
      clientIpAddress: '203.0.113.7',
      clientUserAgent: 'Mozilla/5.0 (Macintosh) Test',
    });
    assert.equal(event.referrerUrl, 'https://shop.example.com/checkout');
    const dotted = onlyEvent(
      outboundEvent({ eventName: 'Lead', userData: { email: 'First.Last+promo@company.io' } }),
    );
    assert.equal(dotted.userData.em, h('firstlast@company.io'));
  });

  // [event type, custom data, eventName, customData] — reference §3 "Mapping".
  const TYPES: Array<[EventName, Record<string, unknown>, string, Record<string, unknown> | undefined]> = [
    [
      'ViewContent',
      { value: 12, currency: 'EUR', contentCategory: 'Kitchen', contents: [{ id: 'A' }] },
      'view_item',
      { pageType: 'product', itemIds: ['A'], ecommCategory: 'Kitchen' },
    ],
    ['Search', { searchString: 'mugs' }, 'search', { pageType: 'searchresults', searchTerm: 'mugs' }],
    [
      'AddToCart',
      { value: 10, currency: 'usd', contents: [{ id: 'A', quantity: 1, price: 10 }] },
      'add_to_cart',
      {
        pageType: 'cart',
        value: 10,
        currency: 'USD',
        ecommTotalValue: 10,
        items: [{ id: 'A', quantity: 1, price: 10 }],
        itemIds: ['A'],
      },
    ],
    [
      'AddToWishlist',
      { value: 10, currency: 'USD', contents: [{ id: 'A' }] },
      'add_to_wishlist',
      { value: 10, currency: 'USD', itemIds: ['A'] },
    ],
    ['Lead', { value: 50, currency: 'GBP' }, 'lead', { value: 50, currency: 'GBP' }],
    ['SignUp', { value: 1 }, 'sign_up', undefined],
  ];
  for (const [eventName, customData, name, expected] of TYPES) {
    it(`${eventName} → custom / ${name}`, () => {
      const event = onlyEvent(outboundEvent({ eventName, customData }));
      assert.equal(event.eventType, 'custom');
      assert.equal(event.eventName, name);
      assert.deepEqual(event.customData, expected);
    });
  }

  it('PageVisit → pageLoad without a name or revenue; one without its page URL is skipped', () => {
    const page = onlyEvent({
      ...barePageVisit,
      eventSourceUrl: 'https://shop.example.com/',
      customData: { value: 3 },
    });
    assert.deepEqual(page, {
      eventType: 'pageLoad',
      eventId: 'evt-page-1',
      eventTime: EVENT_TIME,
      eventSourceUrl: 'https://shop.example.com/',
      adStorageConsent: 'G',
      userData: {
        anonymousId: anonymousId('187012345', 'event:evt-page-1'),
        clientIpAddress: '198.51.100.4',
        clientUserAgent: 'Mozilla/5.0 Bare',
      },
    });
    assert.deepEqual(build([barePageVisit]).skipped, [
      { ref: 'dlv_page', reason: 'Microsoft requires the page URL (eventSourceUrl) on a page load' },
    ]);
  });

  it('Custom: the shop’s name, category, label and value for the goal, revenue beside', () => {
    const event = onlyEvent({
      ...customEvent,
      customData: { value: 5, currency: 'EUR', contentCategory: 'newsletter', contentName: 'footer form' },
    });
    assert.equal(event.eventName, 'newsletter_signup_popup');
    assert.deepEqual(event.customData, {
      eventCategory: 'newsletter',
      eventLabel: 'footer form',
      eventValue: 5,
      value: 5,
      currency: 'EUR',
    });
    const renamed = onlyEvent(outboundEvent({ eventName: 'Lead' }), {
      ...config,
      eventNames: { Lead: 'submit_lead_form' },
    });
    assert.equal(renamed.eventName, 'submit_lead_form');
  });

  it('consent: ad storage refused sends "D" and no msclkid; ad user data refused sends no em, ph, externalId', () => {
    const withClick = { ...richPurchase, userData: { ...richPurchase.userData, msclkid: 'ms-click-1' } };
    const noStorage = onlyEvent({ ...withClick, consent: GRANTED_EXCEPT({ adStorage: false }) });
    assert.equal(noStorage.adStorageConsent, 'D');
    assert.equal(noStorage.userData.msclkid, undefined);
    assert.equal(noStorage.userData.em, h('john_smith@gmail.com'));

    const noUserData = onlyEvent({ ...withClick, consent: GRANTED_EXCEPT({ adUserData: false }) });
    assert.equal(noUserData.adStorageConsent, 'G');
    assert.deepEqual(noUserData.userData, {
      // Not derived from the shopper's identifiers either: an id of this event alone.
      anonymousId: anonymousId('187012345', 'event:order-1001'),
      msclkid: 'ms-click-1',
      clientIpAddress: '203.0.113.7',
      clientUserAgent: 'Mozilla/5.0 (Macintosh) Test',
    });
  });

  it('test mode (forced): "D" events, no msclkid, and one invalid event voids the request', () => {
    const withClick = { ...richPurchase, userData: { ...richPurchase.userData, msclkid: 'ms-click-1' } };
    const request = build([withClick], config, { ...env, forceTestMode: true }).requests[0];
    const body = request?.body as unknown as Body;
    assert.equal(body.continueOnValidationError, false);
    assert.equal(body.data[0]?.adStorageConsent, 'D');
    assert.equal(body.data[0]?.userData.msclkid, undefined);
    assert.equal(microsoft.isTestMode(config), false);
  });

  it('2,500 events → 1,000 + 1,000 + 500, refs in order; the base URL’s trailing slash is dropped', () => {
    const events = manyEvents(2500).map((e) => ({ ...e, eventSourceUrl: 'https://shop.example.com/' }));
    const { requests } = build(events, config, { baseUrl: 'http://127.0.0.1:9/' });
    assert.deepEqual(
      requests.map((r) => r.refs.length),
      [1000, 1000, 500],
    );
    assert.deepEqual(
      requests.flatMap((r) => r.refs),
      events.map((e) => e.ref),
    );
    assert.equal(requests[0]?.url, 'http://127.0.0.1:9/v1/187012345/events');
  });

  it('skips browser-built events', () => {
    assert.equal(
      build([outboundEvent({ ref: 'p', passthrough: { eventType: 'custom' } })]).skipped[0]?.ref,
      'p',
    );
  });
});

describe('microsoft classify', () => {
  const live: HttpRequest = {
    ...requestWithRefs(['a', 'b', 'c']),
    body: { data: [], continueOnValidationError: true },
  };
  const strict: HttpRequest = { ...live, body: { data: [], continueOnValidationError: false } };
  const validation = (details: unknown[]) => ({
    error: { code: 'ValidationError', message: 'One or more validation errors occurred.', details },
  });

  it('200 eventsReceived → delivered', () => {
    assert.deepEqual(microsoft.classify(response(200, { eventsReceived: 3 }), live), { kind: 'delivered' });
  });

  it('a validation error under continueOnValidationError: the listed events fail, the rest are delivered', () => {
    const body = validation([
      { index: 0, propertyName: 'data[0].eventTime', errorMessage: "'eventTime' must not be empty." },
      { propertyName: 'data[2].userData.em', errorMessage: "'em' must be a valid SHA256 string." },
      { index: 0, propertyName: 'data[0].eventType', errorMessage: "'eventType' must not be empty." },
    ]);
    const expected = {
      kind: 'partial',
      failures: [
        {
          ref: 'a',
          message:
            "data[0].eventTime: 'eventTime' must not be empty.; data[0].eventType: 'eventType' must not be empty.",
        },
        { ref: 'c', message: "data[2].userData.em: 'em' must be a valid SHA256 string." },
      ],
    };
    assert.deepEqual(microsoft.classify(response(400, body), live), expected);
    // Whether Microsoft answers such a partial success with 200 is unconfirmed: read alike.
    assert.deepEqual(microsoft.classify(response(200, body), live), expected);
  });

  it('a validation error without continueOnValidationError voids the request: rejected with the details', () => {
    const verdict = microsoft.classify(
      response(
        400,
        validation([
          { index: 1, propertyName: 'data[1].eventTime', errorMessage: "'eventTime' must not be empty." },
        ]),
      ),
      strict,
    );
    assert.deepEqual(verdict, {
      kind: 'rejected',
      credentials: false,
      message:
        "ValidationError: One or more validation errors occurred. (data[1].eventTime: 'eventTime' must not be empty.)",
    });
  });

  it('a request-level error (no event named) rejects; 401 is the credentials', () => {
    const emptyData = microsoft.classify(
      response(400, validation([{ propertyName: 'data', errorMessage: "'data' must not be empty." }])),
      live,
    );
    assert.equal(emptyData.kind, 'rejected');
    assert.deepEqual(
      microsoft.classify(response(401, { error: { code: 'Unauthorized', message: 'Invalid token.' } }), live),
      { kind: 'rejected', credentials: true, message: 'Unauthorized: Invalid token.' },
    );
  });

  it('429 throttles with Retry-After; 5xx retries with Microsoft’s message', () => {
    assert.deepEqual(
      microsoft.classify(
        response(
          429,
          { error: { code: 'TooManyRequests', message: 'Rate limit exceeded.' } },
          { 'retry-after': '20' },
        ),
        live,
      ),
      { kind: 'throttled', message: 'TooManyRequests: Rate limit exceeded.', retryAfterMs: 20000 },
    );
    assert.deepEqual(
      microsoft.classify(
        response(503, { error: { code: 'ServiceUnavailable', message: 'Try again.' } }),
        live,
      ),
      { kind: 'retry', message: 'ServiceUnavailable: Try again.' },
    );
  });
});

describe('microsoft config', () => {
  it('accepts the documented shape', () => {
    assert.deepEqual(
      microsoft.parseConfig({ tagId: ' 187012345 ', accessToken: 'tok\n', eventNames: { Lead: 'submit' } }),
      {
        ok: true,
        config: { tagId: '187012345', accessToken: 'tok', eventNames: { Lead: 'submit' } },
      },
    );
  });

  it('refuses a non-numeric tag id, a missing token and a PageVisit name (a pageLoad has none)', () => {
    const parsed = microsoft.parseConfig({ tagId: 'uet-1', eventNames: { PageVisit: 'page_view' } });
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    const text = parsed.errors.join('\n');
    assert.match(text, /tagId/);
    assert.match(text, /accessToken/);
    assert.match(text, /eventNames/);
  });
});
