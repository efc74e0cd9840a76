import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { matchKeyNames } from '../src/ingest/sealed-payload.js';
import { updateOrgPlan } from '../src/storage/repos/orgs.js';
import {
  createTenant,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';
import { sealedValueOf } from './sealed-groups.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-test-token-1234' };

async function counts(
  service: TestService,
): Promise<{ events: number; deliveries: number; requests: number }> {
  const { db } = service.storage;
  const events = await db
    .selectFrom('events')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  const deliveries = await db
    .selectFrom('deliveries')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  const usage = await db
    .selectFrom('usage_daily')
    .select(sql<number>`coalesce(sum(requests), 0)`.as('n'))
    .executeTakeFirstOrThrow();
  return { events: Number(events.n), deliveries: Number(deliveries.n), requests: Number(usage.n) };
}

describe('POST /v1/events: errors of the seed table store nothing', () => {
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    service = await startTestService({
      role: 'api',
      env: { PROXY_RATE_LIMIT_PER_MINUTE: '0', PLAN_FREE_MONTHLY_REQUESTS: '2' },
    });
    tenant = await createTenant(service, { destinations: { meta: META } });
  });
  after(() => service.destroy());

  const post = (headers: Record<string, string>, payload: unknown) =>
    service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  test('domain_not_configured 404 for an unknown host', async () => {
    const res = await post(
      { ...proxyHeaders(tenant), host: 'ssp.unknown-shop.test' },
      { events: [purchaseEvent()] },
    );
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'domain_not_configured');
    assert.match(res.json().error.message, /ssp\.unknown-shop\.test/);
  });

  test('unauthenticated 401 for a missing or wrong X-SSP-Token', async () => {
    const { 'x-ssp-token': _omit, ...noToken } = proxyHeaders(tenant);
    const missing = await post(noToken, { events: [purchaseEvent()] });
    assert.equal(missing.statusCode, 401);
    assert.deepEqual(Object.keys(missing.json()), ['error']);
    assert.equal(missing.json().error.code, 'unauthenticated');
    const wrong = await post(proxyHeaders(tenant, { 'x-ssp-token': 'f'.repeat(64) }), {
      events: [purchaseEvent()],
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'unauthenticated');
  });

  test('another domain’s token does not open this domain', async () => {
    const other = await createTenant(service, {});
    const res = await post(proxyHeaders(tenant, { 'x-ssp-token': other.proxyToken }), {
      events: [purchaseEvent()],
    });
    assert.equal(res.statusCode, 401);
  });

  test('invalid_payload 400 names the failing field and event index', async () => {
    const res = await post(proxyHeaders(tenant), {
      events: [purchaseEvent(), purchaseEvent({ eventTime: '1700000000' })],
    });
    assert.equal(res.statusCode, 400);
    const { error } = res.json();
    assert.equal(error.code, 'invalid_payload');
    assert.equal(error.details.field, 'events[1].eventTime');
    assert.equal(error.details.index, 1);
  });

  test('invalid_payload for an unknown event type, a wrong userData type and a Custom event without a name', async () => {
    const unknownType = await post(proxyHeaders(tenant), {
      events: [purchaseEvent({ eventName: 'Checkout' })],
    });
    assert.equal(unknownType.statusCode, 400);
    assert.equal(unknownType.json().error.details.field, 'events[0].eventName');
    const badEmail = await post(proxyHeaders(tenant), {
      events: [purchaseEvent({ userData: { email: 42 } })],
    });
    assert.equal(badEmail.json().error.details.field, 'events[0].userData.email');
  });

  test('invalid_payload for millisecond timestamps, missing events, bad JSON, wrong content type and >100 KB', async () => {
    const ms = await post(proxyHeaders(tenant), { events: [purchaseEvent({ eventTime: Date.now() })] });
    assert.equal(ms.statusCode, 400);
    assert.equal(ms.json().error.details.field, 'events[0].eventTime');
    const empty = await post(proxyHeaders(tenant), { events: [] });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().error.code, 'invalid_payload');
    const badJson = await post(proxyHeaders(tenant), '{"events": [');
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().error.code, 'invalid_payload');
    const text = await post(
      proxyHeaders(tenant, { 'content-type': 'text/plain' }),
      JSON.stringify({ events: [purchaseEvent()] }),
    );
    assert.equal(text.statusCode, 400);
    assert.equal(text.json().error.code, 'invalid_payload');
    assert.match(text.json().error.message, /application\/json/);
    const big = await post(proxyHeaders(tenant), {
      events: [purchaseEvent({ customData: { contentName: 'x'.repeat(400), contents: [] } })],
      padding: 'x'.repeat(101 * 1024),
    });
    assert.equal(big.statusCode, 400);
    assert.equal(big.json().error.code, 'invalid_payload');
  });

  test('nothing was stored by any rejected request', async () => {
    assert.deepEqual(await counts(service), { events: 0, deliveries: 0, requests: 0 });
  });

  test('subscription_inactive 403 for a suspended or expired org; past_due still works', async () => {
    const t = await createTenant(service, { destinations: { meta: META } });
    await updateOrgPlan(service.storage.db, t.org.id, { subscriptionStatus: 'suspended' });
    service.domains.invalidate();
    const res = await post(proxyHeaders(t), { events: [purchaseEvent()] });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'subscription_inactive');
    await updateOrgPlan(service.storage.db, t.org.id, { subscriptionStatus: 'expired' });
    service.domains.invalidate();
    assert.equal((await post(proxyHeaders(t), { events: [purchaseEvent()] })).statusCode, 403);
    assert.deepEqual(await counts(service), { events: 0, deliveries: 0, requests: 0 });
    await updateOrgPlan(service.storage.db, t.org.id, { subscriptionStatus: 'past_due' });
    service.domains.invalidate();
    assert.equal((await post(proxyHeaders(t), { events: [purchaseEvent()] })).statusCode, 200);
  });

  test('request_limit_exceeded 429 with Retry-After once the monthly quota is used', async () => {
    const t = await createTenant(service, { plan: 'free', destinations: { meta: META } });
    for (let i = 0; i < 2; i += 1) {
      const ok = await post(proxyHeaders(t), { events: [purchaseEvent()] });
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json(), { success: true });
    }
    const before = await counts(service);
    const res = await post(proxyHeaders(t), { events: [purchaseEvent()] });
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 'request_limit_exceeded');
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.equal(res.headers['x-ratelimit-limit'], '2');
    assert.equal(res.headers['x-ratelimit-remaining'], '0');
    assert.deepEqual(await counts(service), before);
  });
});

describe('POST /v1/events: per-IP rate limit', () => {
  let service: TestService;
  let tenant: Tenant;
  before(async () => {
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '3' } });
    tenant = await createTenant(service, { destinations: { meta: META } });
  });
  after(() => service.destroy());

  test('rate_limited 429 with Retry-After after the limit; headers on every response', async () => {
    const send = () =>
      service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        remoteAddress: '198.51.100.7',
        payload: { events: [purchaseEvent()] },
      });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await send();
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-ratelimit-limit'], '3');
      assert.ok(Number(res.headers['x-ratelimit-reset']) > Date.now() / 1000);
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    assert.deepEqual(remaining, ['2', '1', '0']);
    const limited = await send();
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal(limited.headers['x-ratelimit-remaining'], '0');
    const events = await counts(service);
    assert.equal(events.events, 3);
    // Another IP has its own window.
    const other = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      remoteAddress: '198.51.100.8',
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(other.statusCode, 200);
  });
});

describe('POST /v1/events: acceptance, dedup, CORS, health', () => {
  let service: TestService;
  let tenant: Tenant;
  before(async () => {
    service = await startTestService({
      role: 'api',
      env: { PROXY_RATE_LIMIT_PER_MINUTE: '0', METRICS_TOKEN: 'metrics-token-proxy-test-0123456789' },
    });
    tenant = await createTenant(service, {
      shopUrl: 'https://www.myshop.test',
      destinations: { meta: META, tiktok: { pixelCode: 'CABC123', accessToken: 'tt-token-123456' } },
    });
  });
  after(() => service.destroy());

  test('an accepted event is stored with one pending delivery per enabled destination, personal data sealed', async () => {
    const event = purchaseEvent({ eventId: 'evt-accept-1', extraKey: 'ignored' });
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant, { 'X-Ssp-Token': tenant.proxyToken }),
      payload: { events: [event] },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { success: true });
    const rows = await service.storage.db
      .selectFrom('events')
      .selectAll()
      .where('event_id', '=', 'evt-accept-1')
      .execute();
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row.source, 'PROXY');
    assert.equal(row.event_name, 'Purchase');
    // Sealed with its group (binary, version byte 0x02), never the cleartext.
    assert.equal(row.pii_sealed, null);
    const sealed = await sealedValueOf(service.storage.db, row);
    assert.ok(Buffer.isBuffer(sealed) && sealed[0] === 0x02);
    assert.ok(!sealed.includes('Jane'));
    assert.equal(matchKeyNames(row.match_keys).includes('email'), true);
    assert.deepEqual(JSON.parse(row.custom_data!), (event as { customData: unknown }).customData);
    const deliveries = await service.storage.db
      .selectFrom('deliveries')
      .selectAll()
      .where('event_pk', '=', row.id)
      .execute();
    assert.deepEqual(deliveries.map((d) => d.destination_type).sort(), ['meta', 'tiktok']);
    assert.ok(deliveries.every((d) => d.status === 'pending' && d.attempts === 0));
  });

  test('eventId defaults to purchase_<orderId> for a Purchase, a generated id otherwise', async () => {
    const { eventId: _a, ...purchase } = purchaseEvent({
      customData: { orderId: 'A-77', value: 10, currency: 'EUR' },
    });
    const { eventId: _b, ...view } = purchaseEvent({ eventName: 'ViewContent' });
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchase, view] },
    });
    assert.equal(res.statusCode, 200);
    const rows = await service.storage.db.selectFrom('events').select(['event_name', 'event_id']).execute();
    assert.ok(rows.some((r) => r.event_name === 'Purchase' && r.event_id === 'purchase_A-77'));
    const viewRow = rows.find((r) => r.event_name === 'ViewContent');
    assert.match(viewRow!.event_id, /^[0-9a-f]{32}$/);
  });

  test('the same (eventName, eventId) twice is answered with success and stored once', async () => {
    const event = purchaseEvent({ eventId: 'dup-1' });
    for (let i = 0; i < 2; i += 1) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: [event, event] },
      });
      assert.equal(res.statusCode, 200);
    }
    const rows = await service.storage.db
      .selectFrom('events')
      .select('id')
      .where('event_id', '=', 'dup-1')
      .execute();
    assert.equal(rows.length, 1);
    const deliveries = await service.storage.db
      .selectFrom('deliveries')
      .select('id')
      .where('event_pk', '=', rows[0]!.id)
      .execute();
    assert.equal(deliveries.length, 2);
  });

  test('custom events deduplicate by their own name', async () => {
    const a = purchaseEvent({ eventName: 'Custom', customEventName: 'QuizDone', eventId: 'c-1' });
    const b = purchaseEvent({ eventName: 'Custom', customEventName: 'NewsletterSignup', eventId: 'c-1' });
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [a, b, a] },
    });
    assert.equal(res.statusCode, 200);
    const rows = await service.storage.db
      .selectFrom('events')
      .select('custom_event_name')
      .where('event_id', '=', 'c-1')
      .execute();
    assert.deepEqual(rows.map((r) => r.custom_event_name).sort(), ['NewsletterSignup', 'QuizDone']);
  });

  test('a Custom event without its own name passes through (seed 000): each platform has a default name', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventName: 'Custom', eventId: 'custom-without-name' })] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const stored = await service.storage.db
      .selectFrom('events')
      .select(['event_name', 'custom_event_name'])
      .where('event_id', '=', 'custom-without-name')
      .executeTakeFirstOrThrow();
    assert.deepEqual(stored, { event_name: 'Custom', custom_event_name: null });
  });

  test('CORS preflight is answered for the shop origin only', async () => {
    const allowed = await service.app!.inject({
      method: 'OPTIONS',
      url: '/v1/events',
      headers: {
        host: tenant.domain.host,
        origin: 'https://www.myshop.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-ssp-token',
      },
    });
    assert.equal(allowed.statusCode, 204);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://www.myshop.test');
    assert.match(String(allowed.headers['access-control-allow-headers']), /X-SSP-Token/i);
    const denied = await service.app!.inject({
      method: 'OPTIONS',
      url: '/v1/events',
      headers: {
        host: tenant.domain.host,
        origin: 'https://evil.test',
        'access-control-request-method': 'POST',
      },
    });
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
    const post = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant, { origin: 'https://www.myshop.test' }),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(post.headers['access-control-allow-origin'], 'https://www.myshop.test');
  });

  test('CORS: the apex twin of the shop URL is allowed; actual responses expose the rate-limit headers', async () => {
    // The shop URL says www.myshop.test; the shop also answers on myshop.test.
    const preflight = await service.app!.inject({
      method: 'OPTIONS',
      url: '/v1/pmw-events',
      headers: {
        host: tenant.domain.host,
        origin: 'https://myshop.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-ssp-token',
      },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://myshop.test');
    assert.equal(preflight.headers['access-control-allow-methods'], 'POST, OPTIONS');
    const post = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant, { origin: 'https://myshop.test' }),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(post.statusCode, 200, post.body);
    assert.equal(post.headers['access-control-allow-origin'], 'https://myshop.test');
    assert.equal(
      post.headers['access-control-expose-headers'],
      'X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After',
    );
    // An error answer carries them too, so the shop's script can read why.
    const refused = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant, { origin: 'https://www.myshop.test', 'x-ssp-token': 'f'.repeat(64) }),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['access-control-allow-origin'], 'https://www.myshop.test');
    // Plain http is not the https shop's origin, and a lookalike host is nobody's.
    for (const origin of ['http://www.myshop.test', 'https://evilmyshop.test', 'https://myshop.test.evil']) {
      const other = await service.app!.inject({
        method: 'OPTIONS',
        url: '/v1/events',
        headers: { host: tenant.domain.host, origin, 'access-control-request-method': 'POST' },
      });
      assert.equal(other.headers['access-control-allow-origin'], undefined, origin);
    }
  });

  test('GET /health answers ok while the database answers', async () => {
    const res = await service.app!.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('GET /metrics (with METRICS_TOKEN) exposes ingest counters; an API node no queue depth', async () => {
    const res = await service.app!.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-token-proxy-test-0123456789' },
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /tagbridge_ingest_events_total\{route="\/v1\/events",result="accepted"\} \d+/);
    assert.match(res.body, /tagbridge_ingest_duration_seconds_bucket/);
    // The workers report the queue depth (test/scale/metrics.test.ts).
    assert.doesNotMatch(res.body, /tagbridge_queue_depth/);
  });

  test('unknown routes answer in the error model', async () => {
    const res = await service.app!.inject({ method: 'GET', url: '/nope' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'not_found');
  });
});

describe('proxy CORS: PROXY_CORS_EXTRA_ORIGINS, and a 429 a browser can read', () => {
  let service: TestService;
  let tenant: Tenant;
  before(async () => {
    service = await startTestService({
      role: 'api',
      env: { PROXY_RATE_LIMIT_PER_MINUTE: '1', PROXY_CORS_EXTRA_ORIGINS: 'https://checkout.partner.test' },
    });
    tenant = await createTenant(service, { shopUrl: 'https://acme.test' });
  });
  after(() => service.destroy());

  test('an extra origin is answered like the shop’s own; the 429 past the limit carries CORS and Retry-After', async () => {
    const origin = 'https://checkout.partner.test';
    const preflight = await service.app!.inject({
      method: 'OPTIONS',
      url: '/v1/events',
      headers: { host: tenant.domain.host, origin, 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], origin);
    const first = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant, { origin }),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.headers['access-control-allow-origin'], origin);
    assert.equal(first.headers['x-ratelimit-remaining'], '0');
    const limited = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant, { origin: 'https://www.acme.test' }),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'rate_limited');
    assert.equal(limited.headers['access-control-allow-origin'], 'https://www.acme.test');
    assert.match(String(limited.headers['access-control-expose-headers']), /Retry-After/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});
