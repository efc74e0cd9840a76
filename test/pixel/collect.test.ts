/**
 * POST /v1/collect (issue 12) on both dialects: the browser's events with a pk_ key, from the shop's origin
 * only; refusals in the documented order store nothing; the first-party cookies of the answer; consent;
 * delivery to the fake Meta with the identifiers the cookies hold; purchase dedup against the server side;
 * the answer only once the events are durable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type FakePlatform, startFakeMeta } from '../../src/dev/fakes/index.js';
import { matchKeyNames } from '../../src/ingest/sealed-payload.js';
import { systemClock } from '../../src/lib/clock.js';
import { CLI_ACTOR } from '../../src/management/audit.js';
import { createPixelKey, revokePixelKey } from '../../src/pixel/keys.js';
import { updateDomainSettings } from '../../src/storage/repos/domains.js';
import {
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { openEventPayload } from '../sealed-groups.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-pixel-token-1234' };
const SHOP = 'https://acme-shop.test';
const HOST = 'ssp.acme-shop.test';
const AGE = 390 * 86400;

type Headers = Record<string, string>;

async function newKey(service: TestService, tenant: Tenant): Promise<string> {
  const created = await createPixelKey({ storage: service.storage, clock: systemClock }, CLI_ACTOR, {
    orgId: tenant.org.id,
    domainId: tenant.domain.id,
  });
  return created.key;
}

function collector(service: TestService) {
  return (
    payload: unknown,
    options: { headers?: Headers; remoteAddress?: string; contentType?: string | null } = {},
  ) =>
    service.app!.inject({
      method: 'POST',
      url: '/v1/collect',
      headers: {
        host: HOST,
        origin: SHOP,
        ...(options.contentType === null
          ? {}
          : { 'content-type': options.contentType ?? 'application/json' }),
        ...options.headers,
      },
      ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
}

/** name → the whole Set-Cookie line. */
function setCookies(res: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = res.headers['set-cookie'];
  const lines = raw === undefined ? [] : Array.isArray(raw) ? (raw as string[]) : [String(raw)];
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line]));
}

async function eventCount(service: TestService): Promise<number> {
  const row = await service.storage.db
    .selectFrom('events')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function storedEvent(service: TestService, eventId: string) {
  const row = await service.storage.db
    .selectFrom('events')
    .selectAll()
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return { row };
}

const page = (url = `${SHOP}/`) => ({ url, referrer: 'https://www.google.com/' });

describe('POST /v1/collect', () => {
  let fake: FakePlatform;
  let service: TestService;
  let tenant: Tenant;
  let key: string;
  let collect: ReturnType<typeof collector>;

  before(async () => {
    fake = await startFakeMeta({ validTokens: [META.accessToken] });
    service = await startTestService({
      env: {
        META_GRAPH_URL: fake.url,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
        PIXEL_RATE_LIMIT_PER_IP_PER_MINUTE: '10000',
      },
    });
    tenant = await createTenant(service, { host: HOST, shopUrl: SHOP, destinations: { meta: META } });
    key = await newKey(service, tenant);
    collect = collector(service);
  });
  after(async () => {
    await service.destroy();
    await fake.close();
  });

  test('a JSON body with the key in it: stored as PIXEL, CORS with credentials, rate-limit headers, cookies', async () => {
    const res = await collect({
      key,
      page: page(`${SHOP}/landing?fbclid=IwAR-landing_1&gclid=Cj0-gclid_1&utm_source=meta`),
      events: [{ eventName: 'PageVisit', eventId: 'pv-json-1' }],
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { success: true });
    assert.equal(res.headers['access-control-allow-origin'], SHOP);
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.match(String(res.headers.vary), /Origin/);
    assert.match(String(res.headers['access-control-expose-headers']), /X-RateLimit-Remaining/);
    assert.equal(res.headers['x-ratelimit-limit'], '10000');
    assert.ok(Number(res.headers['x-ratelimit-remaining']) < 10000);

    const cookies = setCookies(res);
    assert.deepEqual(Object.keys(cookies).sort(), ['_fbc', '_fbp', '_ga', '_gcl_aw', '_tb_vid']);
    const attrs = `; Max-Age=${AGE}; Domain=acme-shop.test; Path=/; Secure; SameSite=Lax`;
    assert.match(cookies._fbc!, new RegExp(`^_fbc=fb\\.1\\.\\d{13}\\.IwAR-landing_1${escapeRegExp(attrs)}$`));
    assert.match(cookies._fbp!, new RegExp(`^_fbp=fb\\.1\\.\\d{13}\\.\\d{10}${escapeRegExp(attrs)}$`));
    assert.match(cookies._gcl_aw!, new RegExp(`^_gcl_aw=GCL\\.\\d{10}\\.Cj0-gclid_1${escapeRegExp(attrs)}$`));
    assert.match(cookies._tb_vid!, new RegExp(`^_tb_vid=[A-Za-z0-9_-]{22}${escapeRegExp(attrs)}$`));
    assert.match(cookies._ga!, new RegExp(`^_ga=GA1\\.1\\.\\d+\\.\\d{10}${escapeRegExp(attrs)}$`));
    for (const line of Object.values(cookies)) assert.ok(!/HttpOnly/i.test(line), line);

    const { row } = await storedEvent(service, 'pv-json-1');
    assert.equal(row.source, 'PIXEL');
    assert.equal(row.event_name, 'PageVisit');
    // Stored: origin, path and campaign; the rest of the query (click ids) is sealed (issue 14 §3).
    assert.equal(row.event_source_url, `${SHOP}/landing?utm_source=meta`);
    assert.equal(
      (await openEventPayload(service.storage.db, service.sealer, row))?.s?.url,
      `${SHOP}/landing?fbclid=IwAR-landing_1&gclid=Cj0-gclid_1&utm_source=meta`,
    );
    assert.deepEqual(matchKeyNames(row.match_keys).sort(), [
      'fbc',
      'fbp',
      'gaClientId',
      'gclid',
      'ipAddress',
      'userAgent',
    ]);
    // What was sealed is what Meta gets (the sealed data itself goes once the delivery is final).
    const sent = await eventually(async () =>
      fake.accepted.find((e) => (e as { event_id?: string }).event_id === 'pv-json-1'),
    );
    const user = (sent as { user_data: Record<string, unknown> }).user_data;
    assert.equal(user.fbc, cookies._fbc!.split(';')[0]!.slice('_fbc='.length));
    assert.equal(user.fbp, cookies._fbp!.split(';')[0]!.slice('_fbp='.length));
  });

  test('a text/plain body (sendBeacon) with the key in X-Tagbridge-Key', async () => {
    const res = await collect(
      JSON.stringify({ page: page(), events: [{ eventName: 'AddToCart', eventId: 'atc-text-1' }] }),
      { contentType: 'text/plain;charset=UTF-8', headers: { 'x-tagbridge-key': key } },
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await storedEvent(service, 'atc-text-1')).row.source, 'PIXEL');
  });

  test('the fake Meta gets the fbc and fbp of the cookies, the user agent and IP of the request', async () => {
    const res = await collect(
      {
        key,
        page: page(`${SHOP}/?fbclid=AbCdEf-meta_2`),
        events: [
          { eventName: 'ViewContent', eventId: 'vc-meta-1', customData: { value: 5, currency: 'EUR' } },
        ],
      },
      {
        headers: {
          cookie: '_fbp=fb.1.1596403881668.1116446470; _fbc=fb.1.1600000000.AbCdEf-meta_2',
          'user-agent': 'Mozilla/5.0 (pixel test)',
        },
        remoteAddress: '203.0.113.9',
      },
    );
    assert.equal(res.statusCode, 200, res.body);
    // The same fbclid keeps its cookie, 10-digit time and all.
    assert.match(setCookies(res)._fbc!, /^_fbc=fb\.1\.1600000000\.AbCdEf-meta_2;/);
    const sent = await eventually(async () =>
      fake.accepted.find((e) => (e as { event_id?: string }).event_id === 'vc-meta-1'),
    );
    const user = (sent as { user_data: Record<string, unknown> }).user_data;
    assert.equal(user.fbc, 'fb.1.1600000000.AbCdEf-meta_2');
    assert.equal(user.fbp, 'fb.1.1596403881668.1116446470');
    assert.equal(user.client_user_agent, 'Mozilla/5.0 (pixel test)');
    assert.equal(user.client_ip_address, '203.0.113.9');
  });

  test('a foreign origin is 403 and stores nothing; a missing Origin too', async () => {
    const before = await eventCount(service);
    const foreign = await collect(
      { key, page: page(), events: [{ eventName: 'PageVisit' }] },
      { headers: { origin: 'https://evil.test' } },
    );
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().error.code, 'forbidden');
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    assert.equal(foreign.headers['set-cookie'], undefined);
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/collect',
      headers: { host: HOST, 'content-type': 'application/json' },
      payload: { key, page: page(), events: [{ eventName: 'PageVisit' }] },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'forbidden');
    assert.match(res.json().error.message, /Origin/);
    assert.equal(await eventCount(service), before);
  });

  test('a missing, unknown or revoked key is 401 (unknown and revoked alike)', async () => {
    const before = await eventCount(service);
    const body = { page: page(), events: [{ eventName: 'PageVisit' }] };
    const missing = await collect(body);
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.json().error.code, 'unauthenticated');
    const unknown = await collect({ ...body, key: `pk_${'x'.repeat(32)}` });
    assert.equal(unknown.statusCode, 401);

    const doomed = await newKey(service, tenant);
    assert.equal((await collect({ ...body, key: doomed })).statusCode, 200);
    await revokePixelKey({ storage: service.storage, clock: systemClock }, CLI_ACTOR, {
      orgId: tenant.org.id,
      id: (
        await service.storage.db
          .selectFrom('pixel_keys')
          .select('id')
          .where('key_preview', '=', `pk_${doomed.slice(3, 7)}…${doomed.slice(-4)}`)
          .executeTakeFirstOrThrow()
      ).id,
    });
    // Revoked in this process: refused at once, though the key was cached a moment ago.
    const revoked = await collect({ ...body, key: doomed });
    assert.equal(revoked.statusCode, 401);
    assert.deepEqual(revoked.json(), unknown.json());
    // The shop's page may read the refusal (and stop sending).
    assert.equal(revoked.headers['access-control-allow-origin'], SHOP);
    assert.equal(await eventCount(service), before + 1);
  });

  test('a Host of another Tagbridge domain is 403', async () => {
    const other = await createTenant(service, { shopUrl: SHOP });
    const before = await eventCount(service);
    const res = await collect(
      { key, page: page(), events: [{ eventName: 'PageVisit' }] },
      { headers: { host: other.domain.host } },
    );
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'forbidden');
    assert.equal(await eventCount(service), before);
    // A host that is no Tagbridge domain (a central API host) is fine.
    const central = await collect(
      { key, page: page(), events: [{ eventName: 'PageVisit' }] },
      { headers: { host: 'api.tagbridge.test' } },
    );
    assert.equal(central.statusCode, 200);
  });

  test('a bad payload is 400 invalid_payload and stores nothing', async () => {
    const before = await eventCount(service);
    const cases: unknown[] = [
      { key, page: page(), events: [] },
      { key, page: page(), events: [{ eventName: 'Checkout' }] },
      { key, events: [{ eventName: 'PageVisit' }] },
      { key, page: { url: 'javascript:alert(1)' }, events: [{ eventName: 'PageVisit' }] },
      { key, page: page(), events: [{ eventName: 'PageVisit', eventTime: Date.now() }] },
      { key, page: page(), events: [{ eventName: 'PageVisit' }], padding: 'x'.repeat(65 * 1024) },
      '{"key":',
    ];
    for (const payload of cases) {
      const res = await collect(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 100));
      assert.equal(res.json().error.code, 'invalid_payload');
    }
    const named = await collect({ key, page: page(), events: [{ eventName: 'Checkout' }] });
    assert.equal(named.json().error.details.field, 'events[0].eventName');
    assert.equal(await eventCount(service), before);
  });

  test('ads and analytics denied: no identifiers sealed or forwarded, the cookies expired', async () => {
    const res = await collect(
      {
        key,
        consent: { ads: false, analytics: false },
        page: page(`${SHOP}/?fbclid=Denied-click_9&gclid=Denied-gclid`),
        events: [{ eventName: 'Purchase', eventId: 'denied-1', customData: { value: 10, currency: 'EUR' } }],
      },
      {
        headers: {
          cookie:
            '_fbp=fb.1.1596403881668.1116446470; _fbc=fb.1.1600000000.Old; _tb_vid=vvvvvvvvvvvvvvvvvvvvvv',
        },
      },
    );
    assert.equal(res.statusCode, 200, res.body);
    const cookies = setCookies(res);
    assert.deepEqual(Object.keys(cookies).sort(), ['_fbc', '_fbp', '_tb_vid']);
    for (const line of Object.values(cookies))
      assert.match(line, /^_[a-z_]+=; Max-Age=0; Domain=acme-shop\.test;/);
    const { row } = await storedEvent(service, 'denied-1');
    // The keys present when sealed (the sealed data itself is erased once the skipped delivery is final).
    assert.deepEqual(matchKeyNames(row.match_keys).sort(), ['ipAddress', 'userAgent']);
    assert.equal(row.consent, 'e0000');
    const delivery = await eventually(async () => {
      const d = await service.storage.db
        .selectFrom('deliveries')
        .selectAll()
        .where('event_pk', '=', row.id)
        .executeTakeFirst();
      return d && d.status !== 'pending' ? d : undefined;
    });
    assert.equal(delivery.status, 'skipped');
    assert.ok(!fake.accepted.some((e) => JSON.stringify(e).includes('denied-1')));
  });

  test('a deny-by-default domain without consent: no cookies, no identifiers, nothing forwarded', async () => {
    const shop = 'https://deny-shop.test';
    const denying = await createTenant(service, {
      host: 'ssp.deny-shop.test',
      shopUrl: shop,
      destinations: { meta: META },
    });
    await updateDomainSettings(
      service.storage.db,
      denying.org.id,
      denying.domain.id,
      { consentDefault: 'deny' },
      Date.now(),
    );
    service.domains.invalidate();
    const res = await collect(
      {
        key: await newKey(service, denying),
        page: { url: `${shop}/?fbclid=NoConsent` },
        events: [{ eventName: 'PageVisit', eventId: 'deny-default-1' }],
      },
      { headers: { host: 'ssp.deny-shop.test', origin: shop } },
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['set-cookie'], undefined);
    const { row } = await storedEvent(service, 'deny-default-1');
    assert.deepEqual(matchKeyNames(row.match_keys).sort(), ['ipAddress', 'userAgent']);
    assert.equal(row.consent, 'd0000');
    const status = await eventually(async () => {
      const d = await service.storage.db
        .selectFrom('deliveries')
        .select('status')
        .where('event_pk', '=', row.id)
        .executeTakeFirst();
      return d && d.status !== 'pending' ? d.status : undefined;
    });
    assert.equal(status, 'skipped');
  });

  test('a purchase with an order id is purchase_<orderId>, and the server-side purchase is its duplicate', async () => {
    const res = await collect({
      key,
      page: page(`${SHOP}/checkout/order-received/777/`),
      events: [{ eventName: 'Purchase', customData: { orderId: 'PX-777', value: 49.99, currency: 'USD' } }],
    });
    assert.equal(res.statusCode, 200, res.body);
    const { row } = await storedEvent(service, 'purchase_PX-777');
    assert.equal(row.source, 'PIXEL');
    const server = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventId: 'purchase_PX-777' })] },
    });
    assert.equal(server.statusCode, 200);
    const rows = await service.storage.db
      .selectFrom('events')
      .select('source')
      .where('event_id', '=', 'purchase_PX-777')
      .execute();
    assert.deepEqual(rows, [{ source: 'PIXEL' }]);
    await eventually(async () =>
      fake.accepted.some((e) => (e as { event_id?: string }).event_id === 'purchase_PX-777'),
    );
    // Give the worker a moment longer: still one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(
      fake.accepted.filter((e) => (e as { event_id?: string }).event_id === 'purchase_PX-777').length,
      1,
    );
  });

  test('the shop server’s purchase first, the pixel’s duplicate after: one conversion, with the pixel’s visitor', async () => {
    const vid = 'srv888visitor000000000';
    const order = { orderId: 'SRV-888', value: 12, currency: 'USD' };
    // The pixel has run on this shop (a page view): server-side purchases link to shoppers from here on.
    const view = await collect(
      { key, page: page(), events: [{ eventName: 'PageVisit' }] },
      { headers: { cookie: `_tb_vid=${vid}` } },
    );
    assert.equal(view.statusCode, 200, view.body);
    const server = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventId: undefined, customData: order })] },
    });
    assert.equal(server.statusCode, 200, server.body);
    const res = await collect(
      {
        key,
        page: page(`${SHOP}/checkout/order-received/888/`),
        events: [{ eventName: 'Purchase', customData: order }],
      },
      { headers: { cookie: `_tb_vid=${vid}` } },
    );
    assert.equal(res.statusCode, 200, res.body);
    const rows = await service.storage.db
      .selectFrom('conversions')
      .select(['visitor_id', 'shopper_key', 'event_id'])
      .where('domain_id', '=', tenant.domain.id)
      .where('order_id', '=', 'SRV-888')
      .execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.event_id, 'purchase_SRV-888');
    assert.equal(rows[0]!.visitor_id, vid, 'the pixel’s duplicate added its visitor');
    assert.notEqual(rows[0]!.shopper_key, null, 'the server’s purchase named the buyer');
  });

  test('the answer comes only once the events are committed', async () => {
    const writer = service.writer;
    const original = writer.submit.bind(writer);
    let committedAt = 0;
    writer.submit = async (batch) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const result = await original(batch);
      committedAt = performance.now();
      return result;
    };
    try {
      const res = await collect({
        key,
        page: page(),
        events: [{ eventName: 'PageVisit', eventId: 'durable-1' }],
      });
      const answeredAt = performance.now();
      assert.equal(res.statusCode, 200);
      assert.ok(committedAt > 0 && committedAt <= answeredAt, 'answered after the commit');
      // Read at once, without waiting: the row is there.
      assert.equal((await storedEvent(service, 'durable-1')).row.source, 'PIXEL');
    } finally {
      writer.submit = original;
    }
  });

  test('last_used_at is written once, not on every request', async () => {
    const fresh = await newKey(service, tenant);
    const lastUsed = async () =>
      (
        await service.storage.db
          .selectFrom('pixel_keys')
          .select('last_used_at')
          .where('key_preview', '=', `pk_${fresh.slice(3, 7)}…${fresh.slice(-4)}`)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    assert.equal(await lastUsed(), null);
    await collect({ key: fresh, page: page(), events: [{ eventName: 'PageVisit' }] });
    const first = await lastUsed();
    assert.ok(first !== null && first > 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await collect({ key: fresh, page: page(), events: [{ eventName: 'PageVisit' }] });
    assert.equal(await lastUsed(), first);
  });

  test('preflight: allowed origins get credentialed CORS with X-Tagbridge-Key; others nothing', async () => {
    const preflight = (origin: string) =>
      service.app!.inject({
        method: 'OPTIONS',
        url: '/v1/collect',
        headers: {
          host: HOST,
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-tagbridge-key',
        },
      });
    const ok = await preflight('https://www.acme-shop.test');
    assert.equal(ok.statusCode, 204);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://www.acme-shop.test');
    assert.equal(ok.headers['access-control-allow-credentials'], 'true');
    assert.match(String(ok.headers['access-control-allow-headers']), /X-Tagbridge-Key/);
    assert.match(String(ok.headers['access-control-allow-methods']), /POST/);
    const foreign = await preflight('https://evil.test');
    assert.equal(foreign.statusCode, 204);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  });
});

describe('POST /v1/collect: rate limits per IP and per key', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;

  before(async () => {
    service = await startTestService({
      role: 'api',
      env: { PIXEL_RATE_LIMIT_PER_IP_PER_MINUTE: '2', PIXEL_RATE_LIMIT_PER_KEY_PER_MINUTE: '3' },
    });
    tenant = await createTenant(service, { host: HOST, shopUrl: SHOP });
    key = await newKey(service, tenant);
  });
  after(() => service.destroy());

  test('429 rate_limited with Retry-After and the headers of the window that refused; nothing stored', async () => {
    const collect = collector(service);
    const send = (ip: string) =>
      collect({ key, page: page(), events: [{ eventName: 'PageVisit' }] }, { remoteAddress: ip });
    const a1 = await send('198.51.100.1');
    assert.equal(a1.statusCode, 200);
    assert.equal(a1.headers['x-ratelimit-limit'], '2');
    assert.equal(a1.headers['x-ratelimit-remaining'], '1');
    const a2 = await send('198.51.100.1');
    assert.equal(a2.statusCode, 200);
    const a3 = await send('198.51.100.1');
    assert.equal(a3.statusCode, 429);
    assert.equal(a3.json().error.code, 'rate_limited');
    assert.match(a3.json().error.message, /IP/);
    assert.ok(Number(a3.headers['retry-after']) > 0);
    assert.equal(a3.headers['x-ratelimit-limit'], '2');
    assert.equal(a3.headers['x-ratelimit-remaining'], '0');

    const b1 = await send('198.51.100.2');
    assert.equal(b1.statusCode, 200);
    assert.equal(b1.headers['x-ratelimit-limit'], '3', 'the key window has 0 left, the IP window 1');
    assert.equal(b1.headers['x-ratelimit-remaining'], '0');
    const b2 = await send('198.51.100.2');
    assert.equal(b2.statusCode, 429);
    assert.match(b2.json().error.message, /pixel key/);
    assert.equal(b2.headers['x-ratelimit-limit'], '3');
    assert.ok(Number(b2.headers['retry-after']) > 0);
    // Refused after the origin check: the shop's page can read it.
    assert.equal(b2.headers['access-control-allow-origin'], SHOP);

    const stored = await service.storage.db
      .selectFrom('events')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), 3);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
