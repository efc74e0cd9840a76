/**
 * Attribution (issue 12), on both dialects: a known journey gives known first and last clicks on every
 * surface (management API, public API, CLI). The pixel's side is recorded through recordPixelActivity, as
 * the collect endpoint calls it; the shop server's Purchases come in through /v1/events, /api/v1/events and
 * the sync purchase events, and link to the stitched visitors by e-mail or customer id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { recordPixelActivity } from '../../src/attribution/record.js';
import type { AttributionReport } from '../../src/attribution/report.js';
import {
  createSession,
  createTenant,
  proxyHeaders,
  purchaseEvent,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
  testEnv,
} from '../harness.js';
import { runCli } from '../processes.js';
import { bearer, createKey } from '../public-api/helpers.js';
import { activity, attributionRows, DAY, deps } from './helpers.js';

const SECRETS = [
  'jane.doe',
  'Jane.Doe',
  'sam@',
  'Sam@',
  'eve@',
  'nobody@',
  'cust-7',
  'FBCLID-SECRET',
  'GCLID-SECRET',
  'TTCLID-SECRET',
  'EPIK-SECRET',
  'MSCLKID-SECRET',
  'landing-secret',
  '/article-secret',
];

describe('attribution report', () => {
  let service: TestService;
  let tenant: Tenant;
  let other: Tenant;
  let viewer: TestSession;
  // Day 0 of the journey: every event of it is in the past, and day 9 within the public API's 24 hours.
  const T0 = Math.floor((Date.now() - 9.5 * DAY) / 3600_000) * 3600_000;
  const day = (n: number): number => T0 + n * DAY;
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const range = `from=${encodeURIComponent(iso(day(0)))}&to=${encodeURIComponent(iso(day(10)))}`;

  const report = async (query = '', headers = viewer.headers): Promise<AttributionReport> => {
    const res = await service.app!.inject({
      method: 'GET',
      url: `/v1/domains/${tenant.domain.id}/attribution?${range}${query}`,
      headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as AttributionReport;
  };
  const orderOf = (r: AttributionReport, orderId: string) => {
    const found = r.orders.find((o) => o.orderId === orderId);
    assert.ok(found, `order ${orderId} in the report`);
    return found;
  };

  before(async () => {
    service = await startTestService();
    tenant = await createTenant(service);
    other = await createTenant(service);
    viewer = await createSession(service, { orgId: tenant.org.id, role: 'viewer' });
    const d = deps(service);

    // Jane: an old Pinterest click (outside a 30-day window), Meta on day 1 and Google (with UTM) on day 3
    // on her phone, TikTok on day 2 on her laptop; identified on both; buys on her phone on day 4.
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-phone', day(-30), {
        page: { url: 'https://shop.example.com/?epik=EPIK-SECRET-0', referrer: null },
        clickIds: { epik: 'EPIK-SECRET-0' },
      }),
    );
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-phone', day(1), {
        page: {
          url: 'https://shop.example.com/landing-secret?fbclid=FBCLID-SECRET-1',
          referrer: 'https://l.facebook.com/',
        },
        clickIds: { fbclid: 'FBCLID-SECRET-1' },
      }),
    );
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-laptop', day(2), {
        page: { url: 'https://shop.example.com/?ttclid=TTCLID-SECRET-2', referrer: null },
        clickIds: { ttclid: 'TTCLID-SECRET-2' },
        identity: { email: 'jane.doe@example.com' },
      }),
    );
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-phone', day(3), {
        page: {
          url: 'https://shop.example.com/?gclid=GCLID-SECRET-3&utm_source=google&utm_medium=cpc&utm_campaign=spring',
          referrer: 'https://www.google.com/',
        },
        clickIds: { gclid: 'GCLID-SECRET-3' },
        utm: { source: 'google', medium: 'cpc', campaign: 'spring' },
      }),
    );
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-phone', day(3) + 3600_000, {
        page: { url: 'https://shop.example.com/account', referrer: 'https://shop.example.com/login' },
        identity: { email: '  Jane.Doe@Example.com', phone: '+4915112345678' },
      }),
    );
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-phone', day(4), {
        page: {
          url: 'https://shop.example.com/checkout/thanks',
          referrer: 'https://shop.example.com/checkout',
        },
        purchases: [
          {
            orderId: 'A-1001',
            eventId: 'purchase_A-1001',
            value: 120.5,
            currency: 'EUR',
            eventTime: seconds(day(4)),
          },
        ],
      }),
    );

    // Sam: a Microsoft click on his tablet, identified; his order arrives server-side only (/v1/events).
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-tablet', day(5), {
        page: { url: 'https://shop.example.com/?msclkid=MSCLKID-SECRET-5', referrer: null },
        clickIds: { msclkid: 'MSCLKID-SECRET-5' },
        identity: { email: 'sam@example.com' },
      }),
    );
    const proxied = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: {
        events: [
          purchaseEvent({
            eventId: 'purchase_B-2002',
            eventTime: seconds(day(6)),
            userData: { email: 'Sam@Example.com' },
            customData: { orderId: 'B-2002', value: 80, currency: 'EUR' },
          }),
          // Not a Purchase: nothing to link.
          purchaseEvent({ eventName: 'AddToCart', eventId: 'atc-1', eventTime: seconds(day(6)) }),
        ],
      },
    });
    assert.equal(proxied.statusCode, 200, proxied.body);

    // A customer known by id only: a newsletter landing, identified by externalId; the order via the public API.
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-desk', day(5), {
        page: { url: 'https://shop.example.com/?utm_source=newsletter&utm_medium=email', referrer: null },
        utm: { source: 'newsletter', medium: 'email' },
        identity: { externalId: 'cust-7' },
      }),
    );
    const { key } = await createKey(service, tenant.org.id);
    const api = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(key, { 'content-type': 'application/json' }),
      payload: {
        domainId: tenant.domain.id,
        eventName: 'Purchase',
        eventId: 'purchase_C-3003',
        eventTime: seconds(day(9)),
        userData: { externalId: 'cust-7' },
        customData: { orderId: 'C-3003', value: 10, currency: 'EUR' },
      },
    });
    assert.ok(api.statusCode < 300, api.body);

    // Eve: a referral, an anonymous pixel purchase; the shop's server then names her (sync purchase events).
    await recordPixelActivity(
      d,
      activity(tenant, 'vid-eve', day(8), {
        page: { url: 'https://shop.example.com/p/1', referrer: 'https://news.example.org/article-secret' },
        purchases: [
          {
            orderId: 'D-4004',
            eventId: 'purchase_D-4004',
            value: 35.25,
            currency: 'EUR',
            eventTime: seconds(day(8)),
          },
        ],
      }),
    );
    for (let i = 0; i < 2; i++) {
      const synced = await service.app!.inject({
        method: 'POST',
        url: '/v1/sync/purchase-events',
        payload: {
          sync_token: tenant.syncToken,
          events: [
            purchaseEvent({
              eventId: 'purchase_D-4004',
              eventTime: seconds(day(8)),
              userData: { email: 'eve@example.com' },
              customData: { orderId: 'D-4004', value: 35.25, currency: 'EUR' },
            }),
          ],
        },
      });
      assert.equal(synced.statusCode, 200, synced.body);
    }

    // An order of a shopper the pixel never saw: unattributed.
    const unknown = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: {
        events: [
          purchaseEvent({
            eventId: 'purchase_E-5005',
            eventTime: seconds(day(7)),
            userData: { email: 'nobody@example.com' },
            customData: { orderId: 'E-5005', value: 5, currency: 'EUR' },
          }),
        ],
      },
    });
    assert.equal(unknown.statusCode, 200, unknown.body);
  });
  after(async () => {
    await service.destroy();
  });

  test('the journey: first click Meta, last click Google Ads; the laptop stitched by e-mail counts', async () => {
    const r = await report('&window=30');
    const jane = orderOf(r, 'A-1001');
    assert.deepEqual(
      {
        touchpoints: jane.touchpoints,
        first: jane.firstClick,
        last: jane.lastClick,
        value: jane.value,
        currency: jane.currency,
        eventId: jane.eventId,
      },
      {
        // Meta (phone, day 1), TikTok (laptop, day 2), Google Ads (phone, day 3); not Pinterest (day −30).
        touchpoints: 3,
        first: {
          channel: 'meta',
          utmSource: null,
          utmMedium: null,
          utmCampaign: null,
          occurredAt: iso(day(1)),
        },
        last: {
          channel: 'google_ads',
          utmSource: 'google',
          utmMedium: 'cpc',
          utmCampaign: 'spring',
          occurredAt: iso(day(3)),
        },
        value: 120.5,
        currency: 'EUR',
        eventId: 'purchase_A-1001',
      },
    );
  });

  test('a wider window reaches the older touchpoint', async () => {
    const jane = orderOf(await report('&window=45'), 'A-1001');
    assert.equal(jane.touchpoints, 4);
    assert.equal(jane.firstClick?.channel, 'pinterest');
    assert.equal(jane.lastClick?.channel, 'google_ads');
  });

  test('server-side purchases link to the stitched visitors (e-mail, customer id, an order the pixel saw)', async () => {
    const r = await report();
    assert.equal(orderOf(r, 'B-2002').lastClick?.channel, 'microsoft');
    assert.equal(orderOf(r, 'C-3003').firstClick?.channel, 'utm');
    assert.equal(orderOf(r, 'C-3003').firstClick?.utmSource, 'newsletter');
    const eve = orderOf(r, 'D-4004');
    assert.deepEqual(
      { channel: eve.lastClick?.channel, source: eve.lastClick?.utmSource, medium: eve.lastClick?.utmMedium },
      { channel: 'referral', source: 'news.example.org', medium: 'referral' },
    );
    assert.equal(orderOf(r, 'E-5005').firstClick, null);

    const { db } = service.storage;
    const rows = await db
      .selectFrom('conversions')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .orderBy('order_id')
      .execute();
    assert.deepEqual(
      rows.map((c) => [c.order_id, c.visitor_id, c.shopper_key !== null]),
      [
        ['A-1001', 'vid-phone', true],
        ['B-2002', null, true],
        ['C-3003', null, true],
        // One row for the pixel's and the server's report of the order (twice): the server's filled in the shopper.
        ['D-4004', 'vid-eve', true],
        ['E-5005', null, true],
      ],
    );
    const eveVisitor = await db
      .selectFrom('visitors')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .where('visitor_id', '=', 'vid-eve')
      .executeTakeFirstOrThrow();
    assert.equal(eveVisitor.shopper_key, rows[3]!.shopper_key, 'the visitor is stitched to the buyer');
    assert.notEqual(eveVisitor.identity_sealed, null);
    // The AddToCart of the same request made no conversion.
    assert.equal(rows.filter((c) => c.event_id === 'atc-1').length, 0);
  });

  test('per-channel totals: orders and revenue as first and as last click', async () => {
    const r = await report('&window=30');
    assert.deepEqual(r.totals, {
      orders: 5,
      revenue: [{ currency: 'EUR', value: 250.75 }],
      unattributed: { orders: 1, revenue: [{ currency: 'EUR', value: 5 }] },
    });
    const byChannel = Object.fromEntries(
      r.channels.map((c) => [c.channel, [c.firstClick.orders, c.lastClick.orders, c.lastClick.revenue]]),
    );
    assert.deepEqual(byChannel, {
      google_ads: [0, 1, [{ currency: 'EUR', value: 120.5 }]],
      microsoft: [1, 1, [{ currency: 'EUR', value: 80 }]],
      referral: [1, 1, [{ currency: 'EUR', value: 35.25 }]],
      utm: [1, 1, [{ currency: 'EUR', value: 10 }]],
      meta: [1, 0, []],
    });
    assert.equal(r.windowDays, 30);
    assert.equal(r.truncated, false);
  });

  test('the report names no landing URL, referrer path or click id; the tables hold no cleartext', async () => {
    const body = JSON.stringify(await report('&window=45'));
    const tables = await attributionRows(service, tenant.domain.id);
    for (const secret of SECRETS) {
      assert.ok(!body.includes(secret), `report: ${secret}`);
      assert.ok(!tables.includes(secret), `tables: ${secret}`);
    }
  });

  test('pages: limit and cursor; the totals always cover the range', async () => {
    const first = await report('&limit=2');
    assert.deepEqual(
      first.orders.map((o) => o.orderId),
      ['A-1001', 'B-2002'],
    );
    assert.ok(first.nextCursor);
    const second = await report(`&limit=2&cursor=${first.nextCursor}`);
    assert.deepEqual(
      second.orders.map((o) => o.orderId),
      ['E-5005', 'D-4004'],
    );
    const third = await report(`&limit=2&cursor=${second.nextCursor}`);
    assert.deepEqual(
      third.orders.map((o) => o.orderId),
      ['C-3003'],
    );
    assert.equal(third.nextCursor, null);
    assert.equal(third.totals.orders, 5);
  });

  test('bad parameters are 400 validation_failed', async () => {
    for (const query of [
      `from=${iso(day(5))}&to=${iso(day(1))}`,
      `from=${iso(day(-100))}&to=${iso(day(1))}`,
      `${range}&window=91`,
      `${range}&window=0`,
      `${range}&limit=1001`,
      `${range}&cursor=garbage`,
      'from=yesterday',
      `${range}&color=blue`,
    ]) {
      const res = await service.app!.inject({
        method: 'GET',
        url: `/v1/domains/${tenant.domain.id}/attribution?${query}`,
        headers: viewer.headers,
      });
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      assert.equal(res.json().error.code, 'validation_failed', query);
    }
  });

  test('management API: another org gets 404', async () => {
    const stranger = await createSession(service, { orgId: other.org.id, role: 'owner' });
    const res = await service.app!.inject({
      method: 'GET',
      url: `/v1/domains/${tenant.domain.id}/attribution?${range}`,
      headers: stranger.headers,
    });
    assert.equal(res.statusCode, 404, res.body);
    assert.equal(res.json().error.code, 'not_found');
    const anonymous = await service.app!.inject({
      method: 'GET',
      url: `/v1/domains/${tenant.domain.id}/attribution`,
    });
    assert.equal(anonymous.statusCode, 401);
  });

  test('public API: attribution:read only, the key’s own org and domain', async () => {
    const reader = await createKey(service, tenant.org.id, { scopes: ['attribution:read'] });
    const statsOnly = await createKey(service, tenant.org.id, {
      scopes: ['stats:read', 'reconciliation:read'],
    });
    const foreign = await createKey(service, other.org.id, { scopes: ['attribution:read'] });
    const restricted = await createKey(service, tenant.org.id, {
      scopes: ['attribution:read'],
      domainId: tenant.domain.id,
    });
    const get = (key: string, query: string) =>
      service.app!.inject({ method: 'GET', url: `/api/v1/attribution?${query}`, headers: bearer(key) });

    const ok = await get(reader.key, `domainId=${tenant.domain.id}&${range}&window=30`);
    assert.equal(ok.statusCode, 200, ok.body);
    const body = ok.json() as AttributionReport;
    assert.equal(orderOf(body, 'A-1001').firstClick?.channel, 'meta');
    assert.equal(orderOf(body, 'A-1001').lastClick?.channel, 'google_ads');

    const denied = await get(statsOnly.key, `domainId=${tenant.domain.id}&${range}`);
    assert.equal(denied.statusCode, 403, denied.body);
    assert.equal(denied.json().error.code, 'forbidden');

    const stranger = await get(foreign.key, `domainId=${tenant.domain.id}&${range}`);
    assert.equal(stranger.statusCode, 404, stranger.body);
    assert.equal(stranger.json().error.code, 'not_found');

    // A key of one domain reads it without naming it; an org-wide key must name one.
    assert.equal((await get(restricted.key, range)).statusCode, 200);
    const unnamed = await get(reader.key, range);
    assert.equal(unnamed.statusCode, 400);
    assert.equal(unnamed.json().error.code, 'validation_failed');
    const bad = await get(reader.key, `domainId=${tenant.domain.id}&${range}&window=200`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'validation_failed');
    assert.equal((await get('sp_notakey', range)).statusCode, 401);
  });

  test('OpenAPI: both routes with their query and report schemas; the public one with bearer security', async () => {
    const doc = (await service.app!.inject({ method: 'GET', url: '/openapi.json' })).json();
    const api = doc.paths['/api/v1/attribution']?.get;
    assert.ok(api, '/api/v1/attribution documented');
    assert.deepEqual(api.security, [{ bearerAuth: [] }]);
    const params = (api.parameters as Array<{ name: string }>).map((p) => p.name).sort();
    assert.deepEqual(params, ['cursor', 'domainId', 'from', 'limit', 'to', 'window']);
    const ok = api.responses['200'].content['application/json'].schema;
    assert.ok(ok.properties.channels && ok.properties.orders && ok.properties.nextCursor);
    assert.ok(doc.paths['/v1/domains/{id}/attribution']?.get, 'the management route documented');
  });

  test('CLI: attribution report --json and the human table', async () => {
    const env = testEnv(service.dataDir, sameDatabaseEnv(service));
    const args = [
      'attribution',
      'report',
      '--domain',
      tenant.domain.id,
      '--from',
      iso(day(0)),
      '--to',
      iso(day(10)),
    ];
    const json = await runCli([...args, '--window', '30', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const printed = JSON.parse(json.stdout) as AttributionReport;
    assert.equal(printed.totals.orders, 5);
    assert.equal(orderOf(printed, 'A-1001').firstClick?.channel, 'meta');
    assert.equal(orderOf(printed, 'A-1001').lastClick?.channel, 'google_ads');

    const human = await runCli(args, env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^5 orders from /);
    assert.match(human.stdout, /google_ads\s+0\s+-\s+1\s+120\.5 EUR/);
    assert.match(human.stdout, /A-1001\s+120\.5 EUR\s+first meta\s+last google_ads/);

    const badWindow = await runCli([...args, '--window', '91'], env);
    assert.equal(badWindow.code, 2, badWindow.stdout);
    const missing = await runCli(['attribution', 'report', '--domain', 'dom_missing'], env);
    assert.equal(missing.code, 2);
  });
});
