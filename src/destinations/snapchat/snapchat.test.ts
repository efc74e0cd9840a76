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
import type { SnapchatConfig } from './config.js';
import { snapchat } from './index.js';

const env = { baseUrl: 'https://tr.snapchat.com' };
const PIXEL = 'a1b2c3d4-0000-4000-8000-000000000001';
const config: SnapchatConfig = { pixelId: PIXEL, accessToken: 'snap.token-1' };
const URL = `https://tr.snapchat.com/v3/${PIXEL}/events?access_token=snap.token-1`;
const VALIDATE_URL = `https://tr.snapchat.com/v3/${PIXEL}/events/validate?access_token=snap.token-1`;
const HEADERS = { 'content-type': 'application/json' };
const CLIENT = { ipAddress: '198.51.100.4', userAgent: 'UA' };

function only(events: OutboundEvent[], cfg: SnapchatConfig = config) {
  const result = snapchat.build(events, cfg, env);
  assert.equal(result.requests.length, 1);
  const [request] = result.requests;
  assert.ok(request);
  return { request, skipped: result.skipped };
}

type Body = { data: Array<Record<string, unknown> & { user_data: Record<string, unknown> }> };

describe('snapchat build', () => {
  it('rich Purchase: PURCHASE, action_source WEB, contents quantity and item_price as strings', () => {
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
            event_name: 'PURCHASE',
            event_time: EVENT_TIME,
            event_id: 'order-1001',
            action_source: 'WEB',
            event_source_url: 'https://shop.example.com/checkout/order-received/1001',
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
              sc_click_id: 'sc-click-1',
              sc_cookie1: 'scid-cookie-1',
            },
            custom_data: {
              currency: 'USD',
              value: 129.99,
              content_ids: ['SKU-1', 'SKU-2'],
              contents: [
                { id: 'SKU-1', quantity: '2', item_price: '49.99' },
                { id: 'SKU-2', quantity: '1', item_price: '30.01' },
              ],
              num_items: 3,
              order_id: 'order-1001',
            },
          },
        ],
      },
    });
  });

  it('bare PageVisit: PAGE_VIEW with the IP + UA pair', () => {
    assert.deepEqual(only([barePageVisit]).request.body, {
      data: [
        {
          event_name: 'PAGE_VIEW',
          event_time: EVENT_TIME,
          event_id: 'evt-page-1',
          action_source: 'WEB',
          user_data: { client_ip_address: '198.51.100.4', client_user_agent: 'Mozilla/5.0 Bare' },
        },
      ],
    });
  });

  it('Custom event: slot CUSTOM_EVENT_1 by default, another slot by override', () => {
    const { request } = only([customEvent]);
    assert.deepEqual((request.body as Body).data[0], {
      event_name: 'CUSTOM_EVENT_1',
      event_time: EVENT_TIME,
      event_id: 'evt-custom-1',
      action_source: 'WEB',
      event_source_url: 'https://shop.example.com/',
      user_data: {
        em: [h('fan@example.com')],
        client_ip_address: '198.51.100.4',
        client_user_agent: 'Mozilla/5.0 Bare',
      },
      custom_data: { currency: 'EUR', value: 5 },
    });
    const slot3 = only([customEvent], { ...config, eventNames: { Custom: 'CUSTOM_EVENT_3' } });
    assert.equal((slot3.request.body as Body).data[0]?.event_name, 'CUSTOM_EVENT_3');
  });

  it('Lead maps to SIGN_UP (Snap has no LEAD), or to a custom slot by override', () => {
    const lead = outboundEvent({ ref: 'lead', eventName: 'Lead', userData: CLIENT });
    assert.equal((only([lead]).request.body as Body).data[0]?.event_name, 'SIGN_UP');
    const custom = only([lead], { ...config, eventNames: { Lead: 'CUSTOM_EVENT_2' } });
    assert.equal((custom.request.body as Body).data[0]?.event_name, 'CUSTOM_EVENT_2');
  });

  it('2-event batch: one request, refs in body order', () => {
    const { request } = only([barePageVisit, customEvent]);
    assert.deepEqual(request.refs, ['dlv_page', 'dlv_custom']);
    assert.deepEqual(
      (request.body as Body).data.map((e) => e.event_id),
      ['evt-page-1', 'evt-custom-1'],
    );
  });

  it('test mode: the /events/validate path, from config or when forced', () => {
    assert.equal(only([barePageVisit], { ...config, testMode: true }).request.url, VALIDATE_URL);
    assert.equal(
      snapchat.build([barePageVisit], config, { ...env, forceTestMode: true }).requests[0]?.url,
      VALIDATE_URL,
    );
    assert.equal(snapchat.isTestMode({ ...config, testMode: true }), true);
    assert.equal(snapchat.isTestMode(config), false);
  });

  it('splits batches above 2,000 events', () => {
    const { requests } = snapchat.build(manyEvents(4001), config, env);
    assert.deepEqual(
      requests.map((r) => r.refs.length),
      [2000, 2000, 1],
    );
  });

  it('skips events without email, phone or the IP + UA pair', () => {
    const uaOnly = outboundEvent({ ref: 'ua-only', userData: { userAgent: 'UA', firstName: 'Ann' } });
    const badPhone = outboundEvent({
      ref: 'bad-phone',
      userData: { phone: 'n/a', ipAddress: '198.51.100.4' },
    });
    const phoneOnly = outboundEvent({ ref: 'phone-only', userData: { phone: '+44 844 412 4653' } });
    const result = snapchat.build([uaOnly, badPhone, phoneOnly], config, env);
    assert.deepEqual(
      result.skipped.map((s) => s.ref),
      ['ua-only', 'bad-phone'],
    );
    assert.match(result.skipped[0]?.reason ?? '', /Snapchat requires/);
    assert.deepEqual(result.requests[0]?.refs, ['phone-only']);
    assert.deepEqual((result.requests[0]?.body as Body | undefined)?.data[0]?.user_data, {
      ph: [h('448444124653')],
    });
  });
});

describe('snapchat passthrough', () => {
  it('fills client IP and user agent, then applies the identifier rule', () => {
    const ready = {
      event_name: 'PURCHASE',
      event_time: EVENT_TIME,
      action_source: 'WEB',
      user_data: { sc_cookie1: 'c' },
    };
    const withPh = { event_name: 'SIGN_UP', event_time: EVENT_TIME, user_data: { ph: [h('16505551212')] } };
    const result = snapchat.build(
      [
        outboundEvent({
          ref: 'filled',
          passthrough: ready,
          userData: { ipAddress: '203.0.113.9', userAgent: 'UA-1' },
        }),
        outboundEvent({ ref: 'nothing', passthrough: ready, userData: { ipAddress: '203.0.113.9' } }),
        outboundEvent({ ref: 'has-ph', passthrough: withPh, userData: {} }),
      ],
      config,
      env,
    );
    assert.deepEqual(
      result.skipped.map((s) => s.ref),
      ['nothing'],
    );
    assert.deepEqual(result.requests[0]?.body, {
      data: [
        {
          ...ready,
          user_data: { sc_cookie1: 'c', client_ip_address: '203.0.113.9', client_user_agent: 'UA-1' },
        },
        withPh,
      ],
    });
  });
});

describe('snapchat user_data normalization (messy inputs)', () => {
  const cases: Array<[Partial<UserData>, string, string | undefined, 'hash' | 'plain']> = [
    [{ email: 'Person@Example.com' }, 'em', 'person@example.com', 'hash'],
    [{ email: '\tTAB@EXAMPLE.NET\n' }, 'em', 'tab@example.net', 'hash'],
    [{ email: 'double@@example.com' }, 'em', undefined, 'hash'],
    [{ phone: '+44 844 412 4653' }, 'ph', '448444124653', 'hash'],
    [{ phone: '0044 844 412 4653' }, 'ph', '448444124653', 'hash'],
    [{ phone: '0844 412 4653', country: 'GB' }, 'ph', '448444124653', 'hash'],
    [{ phone: '+16505551212' }, 'ph', '16505551212', 'hash'],
    [{ phone: '(650) 555-1212 ext 3' }, 'ph', '16505551212', 'hash'],
    [{ phone: '0170 1234567', country: 'Deutschland' }, 'ph', '491701234567', 'hash'],
    [{ phone: '12' }, 'ph', undefined, 'hash'],
    [{ firstName: 'Raphaël' }, 'fn', 'raphaël', 'hash'],
    [{ firstName: 'J.R.' }, 'fn', 'jr', 'hash'],
    [{ lastName: 'van der Berg' }, 'ln', 'van der berg', 'hash'],
    [{ lastName: 'Nguyễn' }, 'ln', 'nguyễn', 'hash'],
    [{ gender: 'female' }, 'ge', 'f', 'hash'],
    [{ gender: 'M' }, 'ge', 'm', 'hash'],
    [{ gender: 'n' }, 'ge', undefined, 'hash'],
    [{ dateOfBirth: '1985-07-04' }, 'db', '19850704', 'hash'],
    [{ dateOfBirth: '7/4/1985' }, 'db', '19850704', 'hash'],
    [{ dateOfBirth: '04.07.1985' }, 'db', '19850704', 'hash'],
    [{ dateOfBirth: '2099-01-01' }, 'db', undefined, 'hash'],
    [{ city: 'Kansas City' }, 'ct', 'kansascity', 'hash'],
    [{ city: 'Saint-Étienne' }, 'ct', 'saintétienne', 'hash'],
    [{ state: 'north carolina' }, 'st', 'nc', 'hash'],
    [{ state: 'Ile de France', country: 'FR' }, 'st', 'iledefrance', 'hash'],
    [{ zip: '10001-0001', country: 'US' }, 'zp', '10001', 'hash'],
    [{ zip: 'EC1A 1BB', country: 'GB' }, 'zp', 'ec1a1bb', 'hash'],
    [{ zip: '3511 LX', country: 'Netherlands' }, 'zp', '3511lx', 'hash'],
    [{ zip: 'H2X 1Y4', country: 'CA' }, 'zp', 'h2x1y4', 'hash'],
    [{ country: 'united states of america' }, 'country', 'us', 'hash'],
    [{ country: 'AUT' }, 'country', 'at', 'hash'],
    [{ externalId: ' 0042 ' }, 'external_id', '0042', 'hash'],
    [{ scClickId: ' sc-1 ' }, 'sc_click_id', 'sc-1', 'plain'],
  ];
  for (const [userData, key, expected, kind] of cases) {
    it(`${JSON.stringify(userData)} → ${key} ${String(expected)}`, () => {
      const body = only([outboundEvent({ userData: { ...CLIENT, ...userData } })]).request.body as Body;
      const want = expected === undefined ? undefined : kind === 'hash' ? [h(expected)] : expected;
      assert.deepEqual(body.data[0]?.user_data[key], want);
    });
  }
});

describe('snapchat classify', () => {
  const request = requestWithRefs(['r1', 'r2']);
  const cases: Array<[string, ReturnType<typeof response>, Classification['kind'], boolean?]> = [
    ['valid', response(200, { status: 'VALID', reason: 'Events processed' }), 'delivered'],
    [
      'invalid event',
      response(200, {
        status: 'INVALID',
        reason: 'Invalid event',
        event: 1,
        errors: { codes: ['INVALID_EVENT_TIME'], error_msgs: ['event_time is older than 37 days'] },
      }),
      'rejected',
      false,
    ],
    [
      'bad request',
      response(400, { status: 'INVALID', reason: 'Request body is not valid JSON' }),
      'rejected',
      false,
    ],
    [
      'bad token',
      response(401, { status: 'INVALID', reason: 'Unauthorized: invalid access token' }),
      'rejected',
      true,
    ],
    ['forbidden', response(403, ''), 'rejected', true],
    [
      'throttled',
      response(429, { status: 'INVALID', reason: 'Too many requests' }, { 'retry-after': '5' }),
      'throttled',
    ],
    ['server error', response(500, { status: 'INVALID', reason: 'Internal error' }), 'retry'],
    ['gateway', response(504, '<html>Gateway Timeout</html>'), 'retry'],
  ];
  for (const [label, res, kind, credentials] of cases) {
    it(`${label} → ${kind}`, () => {
      const verdict = snapchat.classify(res, request);
      assert.equal(verdict.kind, kind);
      if (verdict.kind === 'rejected') assert.equal(verdict.credentials, credentials);
    });
  }

  it('names the failing event and keeps Snap’s reason and error messages', () => {
    const verdict = snapchat.classify(
      response(200, {
        status: 'INVALID',
        reason: 'Invalid event',
        event: 1,
        errors: { codes: ['INVALID_EVENT_TIME'], error_msgs: ['event_time is older than 37 days'] },
      }),
      request,
    );
    assert.deepEqual(verdict, {
      kind: 'rejected',
      credentials: false,
      message: 'Invalid event (event 1, ref r2): event_time is older than 37 days',
    });
  });

  it('validate endpoint: event_logs give per-event outcomes', () => {
    const verdict = snapchat.classify(
      response(200, {
        status: 'VALID',
        test_event: true,
        event_logs: [
          { event: 0, status: 'VALID', errors: { codes: [], error_msgs: [] }, warnings: [] },
          {
            event: 1,
            status: 'INVALID',
            errors: { codes: ['E1'], error_msgs: ['user_data is missing'] },
            warnings: [],
          },
        ],
      }),
      request,
    );
    assert.deepEqual(verdict, {
      kind: 'partial',
      failures: [{ ref: 'r2', message: 'user_data is missing' }],
    });
  });
});

describe('snapchat config', () => {
  it('accepts the documented shape', () => {
    const raw = {
      pixelId: PIXEL,
      accessToken: 't',
      testMode: false,
      eventNames: { Custom: 'CUSTOM_EVENT_2' },
    };
    assert.deepEqual(snapchat.parseConfig(raw), { ok: true, config: raw });
  });
  it('rejects names Snap does not know', () => {
    assert.equal(
      snapchat.parseConfig({ pixelId: PIXEL, accessToken: 't', eventNames: { Lead: 'LEAD' } }).ok,
      false,
    );
  });
});
