/**
 * The shop plugin's sync surface: domain-config (both token forms, the PMW-ish field mapping, atomic
 * replacement, unknown types kept as unsupported, destination_results from the fake platforms),
 * register-callback (https only, internal addresses refused unless allowed), purchase-events (the /v1/events
 * pipeline behind the sync token).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { openDestinationConfig } from '../../src/storage/repos/destinations.js';
import {
  capturingLogger,
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { sealedValueOf } from '../sealed-groups.js';

const GOOD = 'good-platform-token-1234';
const BAD = 'revoked-platform-token-9999';

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
  body: any;
}

async function post(
  service: TestService,
  url: string,
  payload: unknown,
  token?: string | null,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await service.app!.inject({
    method: 'POST',
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    payload: payload as Record<string, unknown>,
  });
  return { status: res.statusCode, body: res.body ? res.json() : null };
}

/** A PMW-style configuration: the plugin's option names, nested where the plugin nests them. */
const PMW_CONFIG = [
  {
    type: 'facebook',
    pixel_id: '1234567890',
    capi: { token: GOOD, test_event_code: 'TEST4242' },
    enabled: true,
  },
  {
    type: 'tiktok',
    pixel_id: 'CTIK123ABC',
    eapi: { token: GOOD },
    event_names: { purchase: 'CompletePayment' },
  },
  { type: 'pinterest', pixel_id: '2612345678901', ad_account_id: '549755885175', apic: { token: GOOD } },
  { type: 'snapchat', pixel_id: 'snap-pixel-1', capi: { token: BAD }, enabled: '1' },
  { type: 'reddit', advertiser_id: 't2_abc123', capi: { token: GOOD }, enabled: false },
  { type: 'openai', pixel_id: 'oa_123', capi: { token: 'sk-openai-secret-7f3a' } },
];

describe('sync API (shop plugin)', () => {
  let service: TestService;
  let fakes: FakePlatforms;

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: [GOOD] });
    service = await startTestService({
      role: 'api',
      env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0', PLAN_STARTER_MONTHLY_REQUESTS: '3' },
    });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  const destinationRows = (tenant: Tenant) =>
    service.storage.db
      .selectFrom('destinations')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .orderBy('type')
      .execute();

  test('domain-config with Bearer: mapped, stored sealed, checked in test mode; what the plugin stores', async () => {
    const tenant = await createTenant(service);
    const proxied = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(proxied.statusCode, 200);
    fakes.reset();
    const res = await post(service, '/v1/sync/domain-config', { destinations: PMW_CONFIG }, tenant.syncToken);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { destination_results: results, ...status } = res.body;
    assert.deepEqual(status, {
      domain_id: tenant.domain.id,
      proxy_hostname: tenant.domain.host,
      domain_token: tenant.proxyToken,
      routing_status: 'active',
      config_status: 'synced',
      last_sync_at: status.last_sync_at,
      plan_name: 'pro',
      subscription_status: 'active',
      monthly_request_limit: 1_000_000,
      billable_this_period: 1,
      usage_percent: 0,
      quota_exceeded: false,
    });
    assert.ok(Math.abs(status.last_sync_at - Date.now() / 1000) < 60);
    const byType = Object.fromEntries(results.map((r: { type: string }) => [r.type, r]));
    assert.deepEqual(Object.keys(byType), [
      'facebook',
      'tiktok',
      'pinterest',
      'snapchat',
      'reddit',
      'openai',
    ]);
    for (const type of ['facebook', 'tiktok', 'pinterest']) {
      assert.equal(byType[type].ok, true, `${type}: ${JSON.stringify(byType[type])}`);
      assert.equal(byType[type].status_code, 200);
      assert.equal(byType[type].error, null);
      assert.equal(byType[type].status, 'checked');
      assert.match(byType[type].destination_id, /^dst_/);
    }
    assert.equal(byType.snapchat.ok, false);
    assert.equal(byType.snapchat.status_code, 401);
    assert.match(byType.snapchat.error, /token/i);
    assert.equal(byType.reddit.status, 'disabled', 'disabled destinations are stored but not tested');
    assert.equal(byType.openai.ok, false);
    assert.equal(byType.openai.status, 'unsupported');
    assert.match(byType.openai.error, /unsupported/);
    for (const name of ['meta', 'tiktok', 'pinterest', 'snapchat'] as const) {
      assert.equal(fakes[name].received.length, 1, name);
      assert.equal(fakes[name].received[0]!.testMode, true, `${name} was called in test mode`);
    }
    assert.equal(fakes.reddit.received.length, 0);

    const rows = await destinationRows(tenant);
    const row = (type: string) => rows.find((r) => r.type === type)!;
    assert.deepEqual(openDestinationConfig(service.sealer, row('meta')), {
      pixelId: '1234567890',
      accessToken: GOOD,
      testEventCode: 'TEST4242',
      enabled: true,
    });
    assert.equal(openDestinationConfig(service.sealer, row('tiktok')).pixelCode, 'CTIK123ABC');
    assert.deepEqual(openDestinationConfig(service.sealer, row('tiktok')).eventNames, {
      Purchase: 'CompletePayment',
    });
    assert.equal(openDestinationConfig(service.sealer, row('pinterest')).adAccountId, '549755885175');
    assert.equal(openDestinationConfig(service.sealer, row('reddit')).pixelId, 't2_abc123');
    assert.equal(row('reddit').enabled, 0);
    assert.equal(row('snapchat').status, 'needs_attention', 'a refused token holds the destination');
    assert.equal(row('openai').status, 'unsupported');
    for (const r of rows) {
      assert.ok(
        !r.credentials_sealed.includes(GOOD) && !r.config_public.includes(GOOD),
        'credentials sealed',
      );
    }

    // The unsupported type is never delivered to: a new event gets deliveries for the enabled supported ones.
    const posted = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventId: 'after-sync' })] },
    });
    assert.equal(posted.statusCode, 200);
    const types = await service.storage.db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select('d.destination_type')
      .where('e.event_id', '=', 'after-sync')
      .orderBy('d.destination_type')
      .execute();
    assert.deepEqual(
      types.map((t) => t.destination_type),
      ['meta', 'pinterest', 'snapchat', 'tiktok'],
    );
    const audit = await service.storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', tenant.org.id)
      .where('action', '=', 'sync.domain_config')
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_type, 'sync');
    assert.ok(!JSON.stringify(audit).includes(GOOD));
  });

  test('domain-config with the sync_token body field, destinations keyed by type', async () => {
    const tenant = await createTenant(service);
    const res = await post(service, '/v1/sync/domain-config', {
      sync_token: tenant.syncToken.toUpperCase(),
      destinations: { meta: { pixelId: '1234567890', accessToken: GOOD } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.destination_results.map((r: { type: string; ok: boolean }) => [r.type, r.ok]),
      [['meta', true]],
    );
  });

  test('a wrong, missing or malformed token is 401, before the body is looked at', async () => {
    const tenant = await createTenant(service);
    const cases: Array<[unknown, string | null, Record<string, string>?]> = [
      [{ destinations: [] }, 'f'.repeat(64)],
      [{ destinations: [] }, null],
      [{ destinations: [], sync_token: 'not-hex' }, null],
      [{ destinations: 'garbage', unknown: 1 }, null],
      [{ destinations: [] }, null, { authorization: `Basic ${tenant.syncToken}` }],
    ];
    for (const [body, token, headers] of cases) {
      const res = await post(service, '/v1/sync/domain-config', body, token, headers);
      assert.equal(res.status, 401, JSON.stringify(body));
      assert.equal(res.body.error.code, 'unauthenticated');
    }
    for (const url of ['/v1/sync/register-callback', '/v1/sync/purchase-events']) {
      assert.equal((await post(service, url, {}, 'a'.repeat(64))).status, 401, url);
    }
    const invalid = await post(
      service,
      '/v1/sync/domain-config',
      { destinations: 'garbage' },
      tenant.syncToken,
    );
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error.code, 'validation_failed');
  });

  test('atomic replace: left-out types removed (their pending deliveries end), invalid entries keep the old config', async () => {
    const tenant = await createTenant(service);
    const sync = (destinations: unknown) =>
      post(service, '/v1/sync/domain-config', { destinations }, tenant.syncToken);
    const first = await sync([
      { type: 'facebook', pixel_id: '1234567890', access_token: GOOD },
      { type: 'tiktok', pixel_code: 'CTIK123ABC', access_token: GOOD },
    ]);
    assert.equal(first.status, 200);
    const posted = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventId: 'queued-for-tiktok' })] },
    });
    assert.equal(posted.statusCode, 200);
    const before = await destinationRows(tenant);
    const metaBefore = before.find((r) => r.type === 'meta')!;

    const second = await sync([
      { type: 'meta', pixelId: '1234567890', accessToken: 'rotated-token-5678' },
      { type: 'pinterest', ad_account_id: '549755885175', token: GOOD },
    ]);
    assert.equal(second.status, 200);
    assert.equal(second.body.config_status, 'synced');
    const after = await destinationRows(tenant);
    assert.deepEqual(
      after.map((r) => r.type),
      ['meta', 'pinterest'],
    );
    const metaAfter = after.find((r) => r.type === 'meta')!;
    assert.equal(metaAfter.id, metaBefore.id, 'same destination, new version');
    assert.equal(metaAfter.config_version, metaBefore.config_version + 1);
    assert.equal(openDestinationConfig(service.sealer, metaAfter).accessToken, 'rotated-token-5678');
    const tiktokDelivery = await service.storage.db
      .selectFrom('deliveries')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .where('destination_type', '=', 'tiktok')
      .executeTakeFirstOrThrow();
    assert.equal(tiktokDelivery.status, 'failed');
    assert.match(tiktokDelivery.last_error ?? '', /removed by a configuration sync/);

    // Two entries for one destination: refused whole, nothing changes.
    const dup = await sync([
      { type: 'facebook', pixel_id: '111', access_token: GOOD },
      { type: 'meta', pixel_id: '222', access_token: GOOD },
    ]);
    assert.equal(dup.status, 400);
    assert.equal(dup.body.error.code, 'validation_failed');
    assert.deepEqual(await destinationRows(tenant), after);

    // An enabled entry that does not validate keeps the previous config of its type; a disabled one is dropped.
    const partial = await sync([
      { type: 'facebook', pixel_id: 'not-numeric', access_token: GOOD },
      { type: 'pinterest', ad_account_id: '', token: '', enabled: false },
      { type: 'reddit', pixel_id: 't2_new', access_token: GOOD },
    ]);
    assert.equal(partial.status, 200, JSON.stringify(partial.body));
    assert.equal(partial.body.config_status, 'sync_error');
    const [fb, pin, red] = partial.body.destination_results;
    assert.equal(fb.status, 'invalid');
    assert.equal(fb.ok, false);
    assert.match(fb.error, /invalid configuration: pixelId/);
    assert.equal(pin.status, 'disabled');
    assert.equal(red.status, 'checked');
    const final = await destinationRows(tenant);
    assert.deepEqual(
      final.map((r) => r.type),
      ['meta', 'reddit'],
    );
    assert.deepEqual(
      final.find((r) => r.type === 'meta'),
      metaAfter,
      'untouched',
    );

    const empty = await sync([]);
    assert.equal(empty.status, 200);
    assert.deepEqual(await destinationRows(tenant), []);
    assert.equal(empty.body.config_status, 'synced');
  });

  test('register-callback: https on public addresses only; private, loopback, link-local refused', async () => {
    const tenant = await createTenant(service);
    const register = (url: string) =>
      post(service, '/v1/sync/register-callback', { url, token: 'cb-token-1' }, tenant.syncToken);
    const refused: Array<[string, RegExp]> = [
      ['http://93.184.215.14/wp-json/pmw/v1/ssp/resync', /https/],
      ['https://127.0.0.1/resync', /loopback/],
      ['https://10.1.2.3/resync', /private/],
      ['https://172.20.0.5/resync', /private/],
      ['https://192.168.1.10/resync', /private/],
      ['https://169.254.169.254/latest/meta-data', /link-local/],
      ['https://[::1]/resync', /loopback/],
      ['https://[fd12:3456::1]/resync', /unique-local/],
      ['https://[::ffff:127.0.0.1]/resync', /loopback/],
      ['https://localhost/resync', /localhost resolves to .*loopback/],
      ['https://user:pass@93.184.215.14/resync', /credentials/],
      ['ftp://93.184.215.14/resync', /scheme/],
      ['not a url', /absolute URL/],
    ];
    for (const [url, reason] of refused) {
      const res = await register(url);
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation_failed');
      assert.equal(res.body.error.details.field, 'url');
      assert.match(res.body.error.message, reason, url);
    }
    assert.equal(
      (await service.storage.db.selectFrom('domain_callbacks').selectAll().execute()).filter(
        (c) => c.domain_id === tenant.domain.id,
      ).length,
      0,
    );
    // A public address is accepted (nothing is called at registration).
    const ok = await register('https://93.184.215.14/wp-json/pmw/v1/ssp/resync');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, {
      registered: true,
      domain_id: tenant.domain.id,
      url: 'https://93.184.215.14/wp-json/pmw/v1/ssp/resync',
    });
    const stored = await service.storage.db
      .selectFrom('domain_callbacks')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .executeTakeFirstOrThrow();
    assert.ok(!stored.token_sealed.includes('cb-token-1'), 'token sealed');
    assert.equal(service.sealer.open(stored.token_sealed, tenant.domain.id), 'cb-token-1');
    const extra = await post(
      service,
      '/v1/sync/register-callback',
      { url: 'https://93.184.215.14/', token: 't', org_id: 'org_x' },
      tenant.syncToken,
    );
    assert.equal(extra.status, 400);
  });

  test('purchase-events: the /v1/events pipeline behind the sync token (source SYNC, dedup, validation)', async () => {
    const tenant = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: GOOD } },
    });
    const event = purchaseEvent({ eventId: 'purchase_T-1001' });
    const res = await post(service, '/v1/sync/purchase-events', { events: [event] }, tenant.syncToken);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { success: true });
    const again = await post(service, '/v1/sync/purchase-events', {
      events: [event],
      sync_token: tenant.syncToken,
    });
    assert.equal(again.status, 200, 'a duplicate is answered with success');
    const stored = await service.storage.db
      .selectFrom('events')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .execute();
    assert.equal(stored.length, 1, 'stored once');
    assert.equal(stored[0]!.source, 'SYNC');
    const sealed = await sealedValueOf(service.storage.db, stored[0]!);
    assert.ok(sealed && !sealed.includes('Jane'), 'personal data sealed');
    const deliveries = await service.storage.db
      .selectFrom('deliveries')
      .select('destination_type')
      .where('event_pk', '=', stored[0]!.id)
      .execute();
    assert.deepEqual(
      deliveries.map((d) => d.destination_type),
      ['meta'],
    );

    const bad = await post(
      service,
      '/v1/sync/purchase-events',
      { events: [purchaseEvent(), purchaseEvent({ eventTime: Date.now() })] },
      tenant.syncToken,
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_payload');
    assert.equal(bad.body.error.details.index, 1);
    const wrongType = await post(
      service,
      '/v1/sync/purchase-events',
      { events: [purchaseEvent({ customData: { value: 'lots' } })] },
      tenant.syncToken,
    );
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.error.details.field, 'events[0].customData.value');
  });

  test('purchase-events: disabled domain, inactive subscription and exhausted quota are refused', async () => {
    const tenant = await createTenant(service, { plan: 'starter' });
    const send = () =>
      post(service, '/v1/sync/purchase-events', { events: [purchaseEvent()] }, tenant.syncToken);
    for (let i = 0; i < 3; i += 1) assert.equal((await send()).status, 200);
    await eventually(async () => (await send()).status === 429);
    const quota = await send();
    assert.equal(quota.body.error.code, 'request_limit_exceeded');

    const { db } = service.storage;
    await db
      .updateTable('orgs')
      .set({ subscription_status: 'suspended' })
      .where('id', '=', tenant.org.id)
      .execute();
    service.domains.invalidate();
    const suspended = await send();
    assert.equal(suspended.status, 403);
    assert.equal(suspended.body.error.code, 'subscription_inactive');
    const status = await post(service, '/v1/sync/domain-config', { destinations: [] }, tenant.syncToken);
    assert.equal(status.body.subscription_status, 'suspended', 'the plugin is told');
    assert.equal(status.body.quota_exceeded, true);
    assert.equal(status.body.usage_percent, 100);

    await db.updateTable('domains').set({ status: 'disabled' }).where('id', '=', tenant.domain.id).execute();
    service.domains.invalidate();
    const disabled = await send();
    assert.equal(disabled.status, 404);
    assert.equal(disabled.body.error.code, 'domain_not_configured');
  });
});

describe('sync API with ALLOW_PRIVATE_NETWORK_TARGETS and a worker', () => {
  let service: TestService;
  let fakes: FakePlatforms;

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: [GOOD] });
    service = await startTestService({
      env: { ...fakes.urls, ALLOW_PRIVATE_NETWORK_TARGETS: 'true' },
    });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  test('register-callback: private and plain-http targets are allowed; public http still is not', async () => {
    const tenant = await createTenant(service);
    const register = (url: string) =>
      post(service, '/v1/sync/register-callback', { url, token: 'cb' }, tenant.syncToken);
    assert.equal((await register('http://127.0.0.1:8089/resync')).status, 200);
    assert.equal((await register('http://localhost:8089/resync')).status, 200);
    assert.equal((await register('https://10.0.0.8/resync')).status, 200);
    const publicHttp = await register('http://93.184.215.14/resync');
    assert.equal(publicHttp.status, 400);
    assert.match(publicHttp.body.error.message, /https/);
  });

  test('purchase-events are delivered to the platform like proxy events', async () => {
    const tenant = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: GOOD } },
    });
    const res = await post(
      service,
      '/v1/sync/purchase-events',
      { events: [purchaseEvent({ eventId: 'purchase_T-2002' })] },
      tenant.syncToken,
    );
    assert.equal(res.status, 200);
    const delivered = await eventually(async () => {
      const row = await service.storage.db
        .selectFrom('deliveries')
        .selectAll()
        .where('domain_id', '=', tenant.domain.id)
        .executeTakeFirst();
      return row?.status === 'delivered' ? row : undefined;
    });
    assert.equal(delivered.last_status_code, 200);
    assert.ok(fakes.meta.accepted.some((e) => e.event_id === 'purchase_T-2002'));
  });
});

describe('sync domain-config: unknown top-level fields', () => {
  test('are ignored, not refused, and their names (never their values) logged once per sync', async () => {
    const fakes = await startFakePlatforms({ validTokens: [GOOD] });
    const { logger, lines } = capturingLogger();
    const service = await startTestService({ role: 'api', logger, env: { ...fakes.urls } });
    try {
      const tenant = await createTenant(service);
      const res = await post(
        service,
        '/v1/sync/domain-config',
        {
          destinations: [{ type: 'facebook', pixel_id: '1234567890', capi: { token: GOOD } }],
          plugin_version: '1.49.0',
          consent_mode: { secret_value: 'do-not-log-me' },
        },
        tenant.syncToken,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.destination_results.map((r: { type: string; ok: boolean }) => [r.type, r.ok]),
        [['facebook', true]],
      );
      const warnings = lines.filter((l) => l.level === 40 && /unknown top-level fields/.test(String(l.msg)));
      assert.equal(warnings.length, 1, JSON.stringify(lines));
      assert.deepEqual(warnings[0]!.fields, ['plugin_version', 'consent_mode']);
      assert.equal(warnings[0]!.domainId, tenant.domain.id);
      assert.ok(!JSON.stringify(lines).includes('do-not-log-me'));
      assert.ok(!JSON.stringify(lines).includes('1.49.0'));
      // A sync with only known fields logs nothing of the kind.
      const clean = await post(service, '/v1/sync/domain-config', { destinations: [] }, tenant.syncToken);
      assert.equal(clean.status, 200);
      assert.equal(lines.filter((l) => /unknown top-level fields/.test(String(l.msg))).length, 1);
    } finally {
      await service.destroy();
      await fakes.close();
    }
  });
});
