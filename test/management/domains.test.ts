/**
 * Domains and their destinations through the management API: create, list, detail (who sees the proxy
 * token), DNS verification against a local DNS server, sync token regeneration, resync through the shop's
 * callback, deletion, the destinations list with masked credentials and statistics, enable/disable,
 * set, test events against the fake platforms, and the destination types.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DESTINATION_TYPES } from '../../src/destinations/registry.js';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { newId } from '../../src/lib/ids.js';
import { startDnsServer, type TestDnsServer } from '../dns-server.js';
import {
  createSession,
  createTenant,
  insertDeliveryRows,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from '../harness.js';

const PUBLIC_HOSTNAME = 'proxy.tagbridge.test';
const GOOD = 'EAAB-good-token-7f3a';
const BAD = 'EAAB-bad-token-0000';

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
  body: any;
  headers: Record<string, unknown>;
}

describe('management API: domains and destinations', () => {
  let service: TestService;
  let dns: TestDnsServer;
  let fakes: FakePlatforms;
  let shop: Server;
  let shopUrl: string;
  const shopCalls: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let shopStatus = 200;

  before(async () => {
    dns = await startDnsServer();
    fakes = await startFakePlatforms({ validTokens: [GOOD] });
    shop = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        shopCalls.push({ headers: req.headers, body });
        res.writeHead(shopStatus, { 'content-type': 'application/json' }).end('{"queued":true}');
      });
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}/wp-json/pmw/v1/ssp/resync`;
    service = await startTestService({
      role: 'api',
      env: {
        ...fakes.urls,
        DNS_SERVERS: dns.address,
        PUBLIC_HOSTNAME,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
        MANAGEMENT_RATE_LIMIT_PER_MINUTE: '10000',
        // The resync tests call a plain-http server on loopback (see docs/sync-api.md, "Callback URLs").
        ALLOW_PRIVATE_NETWORK_TARGETS: 'true',
      },
    });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
    await dns.close();
    await new Promise<void>((resolve) => shop.close(() => resolve()));
  });

  const call = async (
    session: TestSession | null,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const res = await service.app!.inject({
      method,
      url,
      headers: { ...(session?.headers ?? {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null, headers: res.headers };
  };

  const ownerOf = async (tenant: Tenant, role: 'owner' | 'admin' | 'member' | 'viewer' = 'owner') =>
    createSession(service, { orgId: tenant.org.id, role });

  const auditActions = async (orgId: string): Promise<string[]> =>
    (
      await service.storage.db
        .selectFrom('audit_log')
        .select('action')
        .where('org_id', '=', orgId)
        .orderBy('at')
        .orderBy('id')
        .execute()
    ).map((r) => r.action);

  test('create → pending_dns, sync token once; list and detail; the proxy token for admins only', async () => {
    const tenant = await createTenant(service);
    const owner = await ownerOf(tenant);
    const created = await call(owner, 'POST', '/v1/domains', {
      host: 'SSP.Acme-Shop.de.',
      shopUrl: 'https://acme-shop.de',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { domain, syncToken } = created.body;
    assert.match(domain.id, /^dom_/);
    assert.equal(domain.host, 'ssp.acme-shop.de');
    assert.equal(domain.status, 'pending_dns');
    assert.equal(domain.configStatus, 'waiting_config');
    assert.equal(domain.defaultCountry, 'DE');
    assert.match(syncToken, /^[0-9a-f]{64}$/);
    assert.match(domain.proxyToken, /^[0-9a-f]{64}$/);
    assert.deepEqual(domain.dns.cname, { name: 'ssp.acme-shop.de', value: PUBLIC_HOSTNAME });
    assert.equal(domain.dns.txt.name, '_tagbridge.ssp.acme-shop.de');

    const list = await call(owner, 'GET', '/v1/domains');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.domains.map((d: { host: string }) => d.host).sort(),
      [tenant.domain.host, 'ssp.acme-shop.de'].sort(),
    );

    const viewer = await ownerOf(tenant, 'viewer');
    const seen = await call(viewer, 'GET', `/v1/domains/${domain.id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.proxyToken, null);
    assert.match(seen.body.proxyTokenPreview, /^\*\*\*\*…[0-9a-f]{4}$/);
    assert.equal(seen.body.proxyTokenPreview.slice(-4), domain.proxyToken.slice(-4));
    const admin = await ownerOf(tenant, 'admin');
    const full = await call(admin, 'GET', `/v1/domains/${domain.id}`);
    assert.equal(full.body.proxyToken, domain.proxyToken);
    for (const body of [seen.body, full.body, list.body]) {
      assert.ok(!JSON.stringify(body).includes(syncToken), 'the sync token is never shown again');
    }
    assert.ok((await auditActions(tenant.org.id)).includes('domain.create'));

    // Traffic that reaches us before verification is accepted: arriving proves the DNS already points here.
    const proxied = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: {
        host: 'ssp.acme-shop.de',
        'content-type': 'application/json',
        'x-ssp-token': domain.proxyToken,
      },
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(proxied.statusCode, 200, proxied.body);
  });

  test('create: validation like `domain add`; a taken host (any org) is validation_failed; roles', async () => {
    const tenant = await createTenant(service);
    const owner = await ownerOf(tenant);
    const cases: Array<[unknown, string]> = [
      [{ host: 'not a host' }, 'host'],
      [{ host: '-bad-.example.com' }, 'host'],
      [{ host: 'ssp.ok.example', shopUrl: 'ftp://shop.example' }, 'shopUrl'],
      [{ host: 'ssp.ok.example', defaultCountry: 'DEU' }, 'defaultCountry'],
      [{ host: 'ssp.ok.example', orgId: 'org_other' }, '(body)'],
      [{}, 'host'],
    ];
    for (const [body, field] of cases) {
      const res = await call(owner, 'POST', '/v1/domains', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'validation_failed');
      if (field !== '(body)') assert.equal(res.body.error.details.field, field, JSON.stringify(res.body));
    }
    const other = await createTenant(service);
    const taken = await call(owner, 'POST', '/v1/domains', { host: other.domain.host.toUpperCase() });
    assert.equal(taken.status, 400);
    assert.equal(taken.body.error.code, 'validation_failed');
    assert.match(taken.body.error.message, /already configured/);
    assert.ok(!JSON.stringify(taken.body).includes(other.domain.id), 'the other org’s domain stays unnamed');

    const member = await ownerOf(tenant, 'member');
    const denied = await call(member, 'POST', '/v1/domains', { host: 'ssp.member.example' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'forbidden');
    assert.equal((await call(null, 'GET', '/v1/domains')).status, 401);
  });

  test('verify: CNAME to the public hostname, or the TXT token; a wrong target is reported', async () => {
    const tenant = await createTenant(service);
    const owner = await ownerOf(tenant);
    const make = async (host: string) => (await call(owner, 'POST', '/v1/domains', { host })).body.domain;

    const viaCname = await make('ssp.cname-shop.test');
    dns.records.set('ssp.cname-shop.test', { cname: `${PUBLIC_HOSTNAME}.` });
    const ok = await call(await ownerOf(tenant, 'member'), 'POST', `/v1/domains/${viaCname.id}/verify`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.verified, true);
    assert.equal(ok.body.method, 'cname');
    assert.equal(ok.body.status, 'active');
    assert.ok(ok.body.verifiedAt);
    assert.equal((await call(owner, 'GET', `/v1/domains/${viaCname.id}`)).body.status, 'active');

    const viaTxt = await make('ssp.txt-shop.test');
    dns.records.set('_tagbridge.ssp.txt-shop.test', { txt: ['v=spf1 -all', viaTxt.dns.txt.value] });
    const txt = await call(owner, 'POST', `/v1/domains/${viaTxt.id}/verify`);
    assert.equal(txt.body.verified, true);
    assert.equal(txt.body.method, 'txt');
    assert.equal(txt.body.status, 'active');

    const wrong = await make('ssp.wrong-shop.test');
    dns.records.set('ssp.wrong-shop.test', { cname: 'shops.myshopify.com' });
    const res = await call(owner, 'POST', `/v1/domains/${wrong.id}/verify`);
    assert.equal(res.status, 200);
    assert.equal(res.body.verified, false);
    assert.equal(res.body.method, null);
    assert.equal(res.body.status, 'pending_dns');
    assert.equal(res.body.verifiedAt, null);
    assert.deepEqual(res.body.found, { cname: ['shops.myshopify.com'], txt: [] });
    assert.deepEqual(res.body.expected.cname, { name: 'ssp.wrong-shop.test', value: PUBLIC_HOSTNAME });
    assert.equal(res.body.expected.txt.value, wrong.dns.txt.value);
    assert.match(res.body.message, /shops\.myshopify\.com.*expected proxy\.tagbridge\.test/);

    const nothing = await make('ssp.nothing-shop.test');
    const none = await call(owner, 'POST', `/v1/domains/${nothing.id}/verify`);
    assert.deepEqual(none.body.found, { cname: [], txt: [] });
    assert.ok(dns.questions.includes('CNAME ssp.nothing-shop.test'), 'asked the configured DNS server');
    const actions = await auditActions(tenant.org.id);
    assert.equal(
      actions.filter((a) => a === 'domain.verify').length,
      2,
      'successful verifications are audited',
    );
  });

  test('regenerate-token: a new sync token, the old one refused at once', async () => {
    const tenant = await createTenant(service);
    const owner = await ownerOf(tenant);
    const sync = (token: string) =>
      call(
        null,
        'POST',
        '/v1/sync/domain-config',
        { destinations: [] },
        { authorization: `Bearer ${token}` },
      );
    assert.equal((await sync(tenant.syncToken)).status, 200);
    const res = await call(owner, 'POST', `/v1/domains/${tenant.domain.id}/regenerate-token`);
    assert.equal(res.status, 200);
    assert.match(res.body.syncToken, /^[0-9a-f]{64}$/);
    assert.notEqual(res.body.syncToken, tenant.syncToken);
    const old = await sync(tenant.syncToken);
    assert.equal(old.status, 401);
    assert.equal(old.body.error.code, 'unauthenticated');
    assert.equal((await sync(res.body.syncToken)).status, 200);
    const member = await ownerOf(tenant, 'member');
    assert.equal(
      (await call(member, 'POST', `/v1/domains/${tenant.domain.id}/regenerate-token`)).status,
      403,
    );
    assert.ok((await auditActions(tenant.org.id)).includes('domain.regenerate_sync_token'));
  });

  test('resync: POSTs to the registered callback with its token; the answer is reported', async () => {
    const tenant = await createTenant(service);
    const member = await ownerOf(tenant, 'member');
    const none = await call(member, 'POST', `/v1/domains/${tenant.domain.id}/resync`);
    assert.equal(none.status, 200);
    assert.equal(none.body.ok, false);
    assert.match(none.body.error, /not registered a resync callback/);

    const registered = await call(
      null,
      'POST',
      '/v1/sync/register-callback',
      { url: shopUrl, token: 'resync-secret-42' },
      { authorization: `Bearer ${tenant.syncToken}` },
    );
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    const detail = await call(member, 'GET', `/v1/domains/${tenant.domain.id}`);
    assert.equal(detail.body.callback.url, shopUrl);
    assert.ok(!JSON.stringify(detail.body).includes('resync-secret-42'));

    shopCalls.length = 0;
    shopStatus = 200;
    const ok = await call(member, 'POST', `/v1/domains/${tenant.domain.id}/resync`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
    assert.equal(ok.body.statusCode, 200);
    assert.equal(ok.body.url, shopUrl);
    assert.equal(shopCalls.length, 1);
    assert.equal(shopCalls[0]!.headers.authorization, 'Bearer resync-secret-42');
    const sent = JSON.parse(shopCalls[0]!.body);
    assert.equal(sent.action, 'resync');
    assert.equal(sent.domain_id, tenant.domain.id);

    shopStatus = 503;
    const failed = await call(member, 'POST', `/v1/domains/${tenant.domain.id}/resync`);
    assert.equal(failed.body.ok, false);
    assert.equal(failed.body.statusCode, 503);
    assert.match(failed.body.error, /HTTP 503/);
    shopStatus = 200;
    const viewer = await ownerOf(tenant, 'viewer');
    assert.equal((await call(viewer, 'POST', `/v1/domains/${tenant.domain.id}/resync`)).status, 403);
    assert.equal((await auditActions(tenant.org.id)).filter((a) => a === 'domain.resync').length, 3);
  });

  test('delete: the host stops resolving at once, destinations and pending deliveries end, history stays', async () => {
    const tenant = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: GOOD } },
    });
    const owner = await ownerOf(tenant);
    const posted = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventId: 'before-delete' })] },
    });
    assert.equal(posted.statusCode, 200);
    const { db } = service.storage;
    const pending = await db
      .selectFrom('deliveries')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .execute();
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.status, 'pending');

    assert.equal(
      (await call(await ownerOf(tenant, 'member'), 'DELETE', `/v1/domains/${tenant.domain.id}`)).status,
      403,
    );
    const res = await call(owner, 'DELETE', `/v1/domains/${tenant.domain.id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      id: tenant.domain.id,
      deleted: true,
      destinationsRemoved: 1,
      deliveriesClosed: 1,
    });

    const proxied = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(proxied.statusCode, 404);
    assert.equal(proxied.json().error.code, 'domain_not_configured');
    const delivery = await db
      .selectFrom('deliveries')
      .selectAll()
      .where('id', '=', pending[0]!.id)
      .executeTakeFirstOrThrow();
    assert.equal(delivery.status, 'failed');
    assert.equal(delivery.last_error, 'domain deleted');
    const event = await db
      .selectFrom('events')
      .selectAll()
      .where('id', '=', delivery.event_pk)
      .executeTakeFirstOrThrow();
    assert.equal(event.pii_slot, null, 'personal data erased with the last pending delivery');
    assert.ok(event.pii_erased_at !== null);
    assert.equal(
      (await db.selectFrom('destinations').select('id').where('domain_id', '=', tenant.domain.id).execute())
        .length,
      0,
    );

    assert.equal((await call(owner, 'GET', `/v1/domains/${tenant.domain.id}`)).status, 404);
    assert.equal((await call(owner, 'DELETE', `/v1/domains/${tenant.domain.id}`)).status, 404);
    const list = await call(owner, 'GET', '/v1/domains');
    assert.ok(!list.body.domains.some((d: { id: string }) => d.id === tenant.domain.id));
    const log = await call(owner, 'GET', `/v1/org/events?domainId=${tenant.domain.id}`);
    assert.equal(log.status, 200);
    assert.equal(log.body.events[0].domain.host, tenant.domain.host, 'the event log keeps the host');

    const synced = await call(null, 'POST', '/v1/sync/domain-config', {
      sync_token: tenant.syncToken,
      destinations: [],
    });
    assert.equal(synced.status, 200);
    assert.equal(synced.body.routing_status, 'deleted');
    assert.equal(synced.body.domain_token, null);
    assert.equal(synced.body.proxy_hostname, tenant.domain.host);

    const again = await call(owner, 'POST', '/v1/domains', { host: tenant.domain.host });
    assert.equal(again.status, 201, 'a deleted host can be added again');
    assert.ok((await auditActions(tenant.org.id)).includes('domain.delete'));
  });

  test('destinations: masked credentials, status, last delivery and 7-day success rate', async () => {
    const tenant = await createTenant(service, {
      destinations: {
        meta: { pixelId: '1234567890', accessToken: GOOD, testEventCode: 'TEST123' },
        tiktok: { pixelCode: 'CABC123', accessToken: 'tt-secret-token-9abc' },
      },
    });
    const viewer = await ownerOf(tenant, 'viewer');
    const metaId = tenant.destinations.meta!;
    const tiktokId = tenant.destinations.tiktok!;
    const { db } = service.storage;
    await db
      .updateTable('destinations')
      .set({ status: 'needs_attention', last_error: 'Invalid OAuth access token' })
      .where('id', '=', tiktokId)
      .execute();
    const now = Date.now();
    const delivery = (status: string, createdAt: number) => ({
      id: newId('dlv', createdAt),
      event_pk: newId('evt', createdAt),
      org_id: tenant.org.id,
      domain_id: tenant.domain.id,
      destination_id: metaId,
      destination_type: 'meta',
      status,
      attempts: 1,
      next_attempt_at: createdAt,
      lease_owner: null,
      lease_expires_at: null,
      event_time: Math.floor(createdAt / 1000),
      event_received_at: createdAt,
      give_up_at: createdAt + 3600_000,
      last_status_code: status === 'delivered' ? 200 : 400,
      last_error: null,
      created_at: createdAt,
      updated_at: createdAt,
      final_at: status === 'pending' ? null : createdAt + 1000,
    });
    await insertDeliveryRows(db, [
      delivery('delivered', now - 3600_000),
      delivery('delivered', now - 2 * 3600_000),
      delivery('delivered', now - 3 * 3600_000),
      delivery('failed', now - 4 * 3600_000),
      delivery('pending', now - 60_000),
      delivery('dead', now - 8 * 24 * 3600_000),
    ]);

    const res = await call(viewer, 'GET', `/v1/domains/${tenant.domain.id}/destinations`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const byType = Object.fromEntries(res.body.destinations.map((d: { type: string }) => [d.type, d]));
    assert.equal(byType.meta.config.accessToken, 'EAAB-****…7f3a');
    assert.equal(byType.meta.config.pixelId, '1234567890');
    assert.equal(byType.meta.config.testEventCode, 'TEST123');
    assert.ok(!JSON.stringify(res.body).includes(GOOD));
    assert.ok(!JSON.stringify(res.body).includes('tt-secret-token-9abc'));
    assert.equal(byType.meta.status, 'active');
    assert.equal(byType.meta.label, 'Meta (Facebook, Instagram)');
    assert.deepEqual(byType.meta.stats, {
      windowDays: 7,
      total: 5,
      pending: 1,
      delivered: 3,
      failed: 1,
      dead: 0,
      skipped: 0,
      successRate: 0.75,
    });
    assert.equal(byType.meta.lastDeliveryAt, new Date(now - 3600_000 + 1000).toISOString());
    assert.equal(byType.tiktok.status, 'needs_attention');
    assert.equal(byType.tiktok.lastError, 'Invalid OAuth access token');
    assert.equal(byType.tiktok.stats.successRate, null);
    assert.equal(byType.tiktok.lastDeliveryAt, null);
  });

  test('enable/disable: a paused destination gets no new deliveries; member+', async () => {
    const tenant = await createTenant(service, {
      destinations: {
        meta: { pixelId: '1234567890', accessToken: GOOD },
        reddit: { pixelId: 't2_abc123', accessToken: 'reddit-token-1234' },
      },
    });
    const member = await ownerOf(tenant, 'member');
    const url = `/v1/domains/${tenant.domain.id}/destinations/${tenant.destinations.reddit}`;
    const viewer = await ownerOf(tenant, 'viewer');
    assert.equal((await call(viewer, 'PATCH', url, { enabled: false })).status, 403);
    const bad = await call(member, 'PATCH', url, { enabled: 'no' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'validation_failed');
    assert.equal((await call(member, 'PATCH', url, { enabled: false, status: 'active' })).status, 400);

    const paused = await call(member, 'PATCH', url, { enabled: false });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.enabled, false);
    assert.equal(paused.body.status, 'paused');
    const posted = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(posted.statusCode, 200);
    const types = await service.storage.db
      .selectFrom('deliveries')
      .select('destination_type')
      .where('domain_id', '=', tenant.domain.id)
      .execute();
    assert.deepEqual(
      types.map((t) => t.destination_type),
      ['meta'],
    );
    const resumed = await call(member, 'PATCH', url, { enabled: true });
    assert.equal(resumed.body.status, 'active');
    const actions = await auditActions(tenant.org.id);
    assert.ok(actions.includes('destination.disable') && actions.includes('destination.enable'));
  });

  test('set a destination: validated, sealed, masked; clears needs_attention; admin+', async () => {
    const tenant = await createTenant(service);
    const admin = await ownerOf(tenant, 'admin');
    const url = `/v1/domains/${tenant.domain.id}/destinations/pinterest`;
    const res = await call(admin, 'PUT', url, {
      config: { adAccountId: '549755885175', accessToken: 'pina_secret_token_abcd', testMode: true },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.type, 'pinterest');
    assert.equal(res.body.config.accessToken, 'pina_****…abcd');
    assert.equal(res.body.configVersion, 1);
    const row = await service.storage.db
      .selectFrom('destinations')
      .selectAll()
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    assert.ok(!row.credentials_sealed.includes('pina_secret'), 'stored sealed');

    await service.storage.db
      .updateTable('destinations')
      .set({ status: 'needs_attention', last_error: 'bad token' })
      .where('id', '=', row.id)
      .execute();
    const fixed = await call(admin, 'PUT', url, {
      config: { adAccountId: '549755885175', accessToken: 'pina_new_token_9999' },
    });
    assert.equal(fixed.body.status, 'active');
    assert.equal(fixed.body.lastError, null);
    assert.equal(fixed.body.configVersion, 2);

    const invalid = await call(admin, 'PUT', url, { config: { adAccountId: 'abc' } });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error.code, 'validation_failed');
    assert.ok(invalid.body.error.details.errors.length > 0);
    assert.equal(
      (await call(admin, 'PUT', `/v1/domains/${tenant.domain.id}/destinations/google`, { config: {} }))
        .status,
      400,
    );
    assert.equal((await call(admin, 'PUT', url, { config: {}, enabled: true })).status, 400);
    const member = await ownerOf(tenant, 'member');
    assert.equal(
      (await call(member, 'PUT', url, { config: { adAccountId: '1', accessToken: 'x' } })).status,
      403,
    );
    const audited = await service.storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', tenant.org.id)
      .where('action', '=', 'destination.set')
      .execute();
    assert.equal(audited.length, 2);
    assert.ok(!JSON.stringify(audited).includes('pina_'), 'the audit log names fields, never values');
  });

  test('test event: sent in test mode to the platform; bad credentials mark needs_attention', async () => {
    const tenant = await createTenant(service, {
      destinations: {
        meta: { pixelId: '1234567890', accessToken: GOOD },
        snapchat: { pixelId: 'snap-pixel-1', accessToken: BAD },
      },
    });
    const member = await ownerOf(tenant, 'member');
    fakes.reset();
    const ok = await call(
      member,
      'POST',
      `/v1/domains/${tenant.domain.id}/destinations/${tenant.destinations.meta}/test`,
    );
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, {
      ok: true,
      statusCode: 200,
      error: null,
      testMode: true,
      credentialsRejected: false,
    });
    assert.equal(fakes.meta.received.length, 1);
    assert.equal(fakes.meta.received[0]!.testMode, true);

    const bad = await call(
      member,
      'POST',
      `/v1/domains/${tenant.domain.id}/destinations/${tenant.destinations.snapchat}/test`,
    );
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.statusCode, 401);
    assert.equal(bad.body.credentialsRejected, true);
    assert.ok(bad.body.error);
    const list = await call(member, 'GET', `/v1/domains/${tenant.domain.id}/destinations`);
    const snap = list.body.destinations.find((d: { type: string }) => d.type === 'snapchat');
    assert.equal(snap.status, 'needs_attention');
    assert.equal(snap.lastError, bad.body.error);
    assert.equal(
      (
        await service.storage.db
          .selectFrom('events')
          .select('id')
          .where('domain_id', '=', tenant.domain.id)
          .execute()
      ).length,
      0,
      'a test event is not stored',
    );
    const viewer = await ownerOf(tenant, 'viewer');
    assert.equal(
      (
        await call(
          viewer,
          'POST',
          `/v1/domains/${tenant.domain.id}/destinations/${tenant.destinations.meta}/test`,
        )
      ).status,
      403,
    );
  });

  test('test event to GA4 and Microsoft: validated by GA4, "D" events at Microsoft, nothing counted', async () => {
    const tenant = await createTenant(service, {
      destinations: {
        ga4: { measurementId: 'G-TEST000001', apiSecret: BAD },
        microsoft: { tagId: '187012345', accessToken: GOOD },
      },
    });
    const member = await ownerOf(tenant, 'member');
    fakes.reset();
    const test = (type: 'ga4' | 'microsoft') =>
      call(member, 'POST', `/v1/domains/${tenant.domain.id}/destinations/${tenant.destinations[type]}/test`);
    // GA4's validation endpoint does not check the API secret (nor does /mp/collect tell): a wrong one
    // passes; the event itself is checked, and none reaches the reports.
    const ga4 = await test('ga4');
    assert.equal(ga4.body.ok, true, JSON.stringify(ga4.body));
    assert.equal(ga4.body.testMode, true);
    assert.equal(fakes.ga4.received[0]!.path, '/debug/mp/collect');
    assert.deepEqual(fakes.ga4.received[0]!.response.body, { validationMessages: [] });
    const microsoft = await test('microsoft');
    assert.equal(microsoft.body.ok, true, JSON.stringify(microsoft.body));
    assert.equal(fakes.microsoft.received[0]!.testMode, true, 'only "D" events, used for no advertising');
    assert.equal(
      (fakes.microsoft.received[0]!.body as { continueOnValidationError: boolean }).continueOnValidationError,
      false,
    );
  });

  test('another org’s domain or destination is not_found, also under one’s own domain', async () => {
    const mine = await createTenant(service);
    const theirs = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: GOOD } },
    });
    const owner = await ownerOf(mine);
    const theirDst = theirs.destinations.meta!;
    const attempts: Array<[Parameters<typeof call>[1], string, unknown?]> = [
      ['GET', `/v1/domains/${theirs.domain.id}`],
      ['DELETE', `/v1/domains/${theirs.domain.id}`],
      ['POST', `/v1/domains/${theirs.domain.id}/verify`],
      ['GET', `/v1/domains/${theirs.domain.id}/destinations`],
      ['PATCH', `/v1/domains/${mine.domain.id}/destinations/${theirDst}`, { enabled: false }],
      ['POST', `/v1/domains/${mine.domain.id}/destinations/${theirDst}/test`],
      [
        'PUT',
        `/v1/domains/${theirs.domain.id}/destinations/meta`,
        { config: { pixelId: '1', accessToken: 'x' } },
      ],
      ['GET', '/v1/domains/dom_doesnotexist'],
    ];
    for (const [method, url, body] of attempts) {
      const res = await call(owner, method, url, body);
      assert.equal(res.status, 404, `${method} ${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'not_found');
    }
    const still = await service.storage.db
      .selectFrom('destinations')
      .selectAll()
      .where('id', '=', theirDst)
      .executeTakeFirstOrThrow();
    assert.equal(still.enabled, 1);
  });

  test('destination types: label, config schema with secrets flagged, for the dashboard’s forms', async () => {
    const tenant = await createTenant(service);
    const viewer = await ownerOf(tenant, 'viewer');
    const res = await call(viewer, 'GET', '/v1/destination-types');
    assert.equal(res.status, 200);
    const types = res.body.types.map((t: { type: string }) => t.type);
    assert.deepEqual(types, [...DESTINATION_TYPES]);
    assert.deepEqual(types.slice(0, 5), ['meta', 'tiktok', 'pinterest', 'snapchat', 'reddit']);
    for (const type of res.body.types) {
      assert.ok(type.label);
      const properties: Record<string, { secret?: boolean }> = type.configSchema.properties;
      const flagged = Object.keys(properties).filter((name) => properties[name]?.secret === true);
      assert.ok(flagged.length > 0, `${type.type} has a secret`);
      assert.deepEqual(type.secretFields, flagged);
      assert.equal(type.configSchema.type, 'object');
    }
    assert.deepEqual(res.body.types[0].secretFields, ['accessToken']);
    // GA4's credential is its Measurement Protocol API secret.
    const ga4 = res.body.types.find((t: { type: string }) => t.type === 'ga4');
    assert.deepEqual(ga4.secretFields, ['apiSecret']);
    assert.equal((await call(null, 'GET', '/v1/destination-types')).status, 401);
  });
});
