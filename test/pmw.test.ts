import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type FakePlatforms, startFakePlatforms } from '../src/dev/fakes/index.js';
import {
  createTenant,
  eventually,
  proxyHeaders,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('POST /v1/pmw-events: Pixel Manager passthrough', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    fakes = await startFakePlatforms();
    service = await startTestService({
      env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0', TRUST_PROXY: 'false' },
    });
    tenant = await createTenant(service, {
      destinations: {
        meta: { pixelId: '1234567890', accessToken: 'EAAB-token-1234' },
        tiktok: { pixelCode: 'CABC1234567', accessToken: 'tt-token-123456' },
        pinterest: { adAccountId: '549755885175', accessToken: 'pina-token-123456' },
      },
    });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  test('each platform member is forwarded as it is, with credentials, and the shopper’s IP and UA filled in', async () => {
    const now = Math.floor(Date.now() / 1000);
    const facebook = {
      event_name: 'AddToCart',
      event_id: 'pmw_abc123def4567890',
      action_source: 'website',
      event_time: now,
      event_source_url: 'https://shop.example.com/product/widget/',
      user_data: { fbp: 'fb.1.1700000000.1234567890', em: [sha('jane@example.com')] },
      custom_data: { content_type: 'product', content_ids: ['SKU-001'], value: 19.5, currency: 'EUR' },
    };
    const tiktok = {
      event: 'AddToCart',
      event_time: now,
      event_id: 'pmw_abc123def4567890',
      user: { ttp: 'ttp-cookie-value' },
      page: { url: 'https://shop.example.com/product/widget/' },
      properties: { currency: 'EUR', value: 19.5, content_type: 'product' },
    };
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/pmw-events',
      headers: proxyHeaders(tenant, { 'user-agent': 'Mozilla/5.0 (Shopper)' }),
      remoteAddress: '198.51.100.23',
      payload: [
        { event: 'add_to_cart', facebook, tiktok, product: { id: 1, name: 'Widget' }, unknownPixel: {} },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { success: true });

    await eventually(async () => fakes.meta.accepted.length === 1 && fakes.tiktok.accepted.length === 1);
    const metaEvent = fakes.meta.accepted[0] as {
      [key: string]: unknown;
      user_data: Record<string, unknown>;
      custom_data: unknown;
    };
    assert.deepEqual(metaEvent.custom_data, facebook.custom_data);
    assert.deepEqual(metaEvent.user_data.em, facebook.user_data.em);
    assert.equal(metaEvent.user_data.fbp, facebook.user_data.fbp);
    assert.equal(metaEvent.user_data.client_ip_address, '198.51.100.23');
    assert.equal(metaEvent.user_data.client_user_agent, 'Mozilla/5.0 (Shopper)');
    assert.equal(metaEvent.event_id, facebook.event_id);
    assert.equal(fakes.meta.received[0]!.query.access_token, 'EAAB-token-1234');

    const tiktokEvent = fakes.tiktok.accepted[0] as { [key: string]: unknown; user: Record<string, unknown> };
    assert.equal(tiktokEvent.event, 'AddToCart');
    assert.equal(tiktokEvent.user.ttp, 'ttp-cookie-value');
    assert.equal(tiktokEvent.user.ip, '198.51.100.23');
    assert.equal(fakes.tiktok.received[0]!.headers['access-token'], 'tt-token-123456');

    // No pinterest member: no pinterest delivery at all.
    const deliveries = await service.storage.db
      .selectFrom('deliveries')
      .select(['destination_type', 'status'])
      .where('domain_id', '=', tenant.domain.id)
      .execute();
    assert.deepEqual(deliveries.map((d) => d.destination_type).sort(), ['meta', 'tiktok']);
    assert.equal(fakes.pinterest.received.length, 0);
    const event = await service.storage.db
      .selectFrom('events')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .executeTakeFirstOrThrow();
    assert.equal(event.source, 'PMW');
    assert.equal(event.event_name, 'AddToCart');
    assert.equal(event.event_id, 'pmw_abc123def4567890');
  });

  test('a single object body is accepted too; a member that is not an object is invalid_payload', async () => {
    const one = await service.app!.inject({
      method: 'POST',
      url: '/v1/pmw-events',
      headers: proxyHeaders(tenant),
      payload: { event: 'page_view' },
    });
    assert.equal(one.statusCode, 200);
    const bad = await service.app!.inject({
      method: 'POST',
      url: '/v1/pmw-events',
      headers: proxyHeaders(tenant),
      payload: [{ event: 'view_item', facebook: 'not-an-object' }],
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_payload');
    assert.equal(bad.json().error.details.index, 0);
  });

  test('consent rides along: refused ads keep the event from the platform; a bad TC string is invalid_payload', async () => {
    const refused = await service.app!.inject({
      method: 'POST',
      url: '/v1/pmw-events',
      headers: proxyHeaders(tenant),
      payload: { event: 'page_view', facebook: { event_id: 'pmw_consent_1' }, consent: { ads: false } },
    });
    assert.equal(refused.statusCode, 200, refused.body);
    const row = await eventually(async () => {
      const found = await service.storage.db
        .selectFrom('deliveries as d')
        .innerJoin('events as e', 'e.id', 'd.event_pk')
        .select(['e.consent', 'd.status', 'd.last_error'])
        .where('e.event_id', '=', 'pmw_consent_1')
        .executeTakeFirst();
      return found && found.status !== 'pending' ? found : undefined;
    });
    assert.deepEqual(row, { consent: 'e0001', status: 'skipped', last_error: 'consent' });
    const bad = await service.app!.inject({
      method: 'POST',
      url: '/v1/pmw-events',
      headers: proxyHeaders(tenant),
      payload: [{ event: 'page_view' }, { event: 'page_view', consent: { tcString: 'nope' } }],
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_payload');
    assert.equal(bad.json().error.details.field, '[1].consent.tcString');
  });

  test('a batch rejected for one invalid event is bisected: the valid events still arrive', async () => {
    fakes.reset();
    const now = Math.floor(Date.now() / 1000);
    const good = (id: string) => ({
      event_name: 'ViewContent',
      event_id: id,
      action_source: 'website',
      event_time: now,
      event_source_url: 'https://shop.example.com/p/1',
      user_data: { fbp: 'fb.1.1700000000.1234567890', client_user_agent: 'Mozilla/5.0' },
    });
    const { action_source: _drop, ...invalid } = good('pmw_bad');
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/pmw-events',
      headers: proxyHeaders(tenant),
      payload: [
        { event: 'view_item', facebook: good('pmw_ok_1') },
        { event: 'view_item', facebook: invalid },
        { event: 'view_item', facebook: good('pmw_ok_2') },
      ],
    });
    assert.equal(res.statusCode, 200);
    const outcomes = await eventually(async () => {
      const rows = await service.storage.db
        .selectFrom('deliveries as d')
        .innerJoin('events as e', 'e.id', 'd.event_pk')
        .select(['e.event_id', 'd.status', 'd.last_error'])
        .where('e.event_id', 'in', ['pmw_ok_1', 'pmw_bad', 'pmw_ok_2'])
        .execute();
      return rows.length === 3 && rows.every((r) => r.status !== 'pending') ? rows : undefined;
    });
    const byId = Object.fromEntries(outcomes.map((r) => [r.event_id, r]));
    assert.equal(byId.pmw_ok_1!.status, 'delivered');
    assert.equal(byId.pmw_ok_2!.status, 'delivered');
    assert.equal(byId.pmw_bad!.status, 'failed');
    assert.match(byId.pmw_bad!.last_error ?? '', /action_source/);
    assert.deepEqual(fakes.meta.accepted.map((e) => e.event_id).sort(), ['pmw_ok_1', 'pmw_ok_2']);
  });

  test('the same auth as /v1/events', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/pmw-events',
      headers: proxyHeaders(tenant, { 'x-ssp-token': 'nope' }),
      payload: { event: 'page_view' },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthenticated');
  });
});
