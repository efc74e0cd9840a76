/**
 * POST /api/stores/connect against the fake WooCommerce store: keys checked before anything is kept (wrong
 * keys store nothing), the query-string fallback remembered, no token for an existing account without
 * its owner's confirmation, reconnect, the link to the shop's domain and its order-import access,
 * disconnect (credentials erased, sessions revoked), /api/sync/status figures, the management API, and
 * tenant isolation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FakeWooCommerceStore, startFakeWooCommerce } from '../../src/dev/fakes/woocommerce-store.js';
import type { StoreCredentials } from '../../src/orders/store-orders.js';
import { channelAad, storeAad } from '../../src/orders/store-orders.js';
import { createSession, createTenant, ManualClock, startTestService, type TestService } from '../harness.js';
import { CapturingMailer } from '../management/helpers.js';
import { assertSeedError, call, count, uniqueEmail } from './helpers.js';

describe('store connect (WooCommerce)', () => {
  let service: TestService;
  let store: FakeWooCommerceStore;
  let basicRefusing: FakeWooCommerceStore;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const mailer = new CapturingMailer();
  before(async () => {
    store = await startFakeWooCommerce();
    basicRefusing = await startFakeWooCommerce({ rejectAuthorizationHeader: true });
    service = await startTestService({
      role: 'api',
      clock,
      mailer,
      env: { ALLOW_PRIVATE_NETWORK_TARGETS: '1' },
    });
  });
  after(async () => {
    await service.destroy();
    await store.close();
    await basicRefusing.close();
  });

  const body = (s: FakeWooCommerceStore, extra: Record<string, unknown> = {}) => ({
    storeUrl: s.url,
    consumerKey: s.consumerKey,
    consumerSecret: s.consumerSecret,
    email: uniqueEmail('shop'),
    platform: 'woocommerce',
    pluginVersion: '1.1.0',
    ...extra,
  });

  const channelRow = (id: string) =>
    service.storage.db
      .selectFrom('store_channels')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  test('wrong keys are refused and nothing is stored (no user, org, channel or session)', async () => {
    const before = await Promise.all(
      (['users', 'orgs', 'store_channels', 'plugin_sessions'] as const).map((t) => count(service, t)),
    );
    const wrong = await call(service, 'POST', '/api/stores/connect', {
      body: body(store, { consumerSecret: `cs_${'c'.repeat(40)}` }),
    });
    assertSeedError(wrong, 400, 'INVALID_STORE_CREDENTIALS');
    const malformed = await call(service, 'POST', '/api/stores/connect', {
      body: body(store, { consumerKey: 'ck_short' }),
    });
    assertSeedError(malformed, 400, 'Bad Request');
    const after = await Promise.all(
      (['users', 'orgs', 'store_channels', 'plugin_sessions'] as const).map((t) => count(service, t)),
    );
    assert.deepEqual(after, before);
    assert.equal(mailer.sent.length, 0);
  });

  test('a new address: account, channel (201), token; keys sealed, Basic remembered; reconnect is 200', async () => {
    store.reset();
    const req = body(store);
    const res = await call(service, 'POST', '/api/stores/connect', { body: req });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.success, true);
    assert.equal(res.body.message, 'Store connected successfully');
    assert.match(String(res.body.channelId), /^chn_/);
    assert.match(String(res.body.token), /^eyJ/);
    assert.deepEqual(
      store.requests.map((r) => [r.path, r.auth, r.status]),
      [['/wp-json/wc/v3/products', 'basic', 200]],
    );
    const row = await channelRow(String(res.body.channelId));
    assert.equal(row.status, 'active');
    assert.equal(row.plugin_version, '1.1.0');
    assert.ok(!row.credentials_sealed!.includes(store.consumerSecret), 'sealed, not in clear');
    assert.equal(row.credential_preview, `ck_****…${store.consumerKey.slice(-4)}`);
    const creds = service.sealer.open<StoreCredentials>(row.credentials_sealed!, channelAad(row.id));
    assert.deepEqual(creds, {
      platform: 'woocommerce',
      consumerKey: store.consumerKey,
      consumerSecret: store.consumerSecret,
      auth: 'basic',
    });

    // The same plugin reconnects with its token: the same channel, 200.
    const again = await call(service, 'POST', '/api/stores/connect', {
      token: String(res.body.token),
      body: { ...req, email: undefined },
    });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.channelId, res.body.channelId);

    const status = await call(service, 'GET', '/api/auth/account-status', { token: String(res.body.token) });
    assert.equal(status.body.connected, true);
    assert.equal(status.body.channelId, res.body.channelId);
  });

  test('the query-string fallback: Basic refused, the query string accepted and remembered', async () => {
    basicRefusing.reset();
    const res = await call(service, 'POST', '/api/stores/connect', { body: body(basicRefusing) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(
      basicRefusing.requests.map((r) => [r.auth, r.status]),
      [
        ['none', 401],
        ['query', 200],
      ],
    );
    const row = await channelRow(String(res.body.channelId));
    const creds = service.sealer.open<StoreCredentials>(row.credentials_sealed!, channelAad(row.id));
    assert.equal(creds.platform === 'woocommerce' && creds.auth, 'query');
  });

  test('an existing account without a token: keys checked, a confirmation mail, no token, nothing connected', async () => {
    const tenant = await createTenant(service);
    const owner = await createSession(service, { orgId: tenant.org.id, email: uniqueEmail('existing') });
    const channels = await count(service, 'store_channels');
    const wrong = await call(service, 'POST', '/api/stores/connect', {
      body: body(store, { email: owner.email, consumerKey: `ck_${'9'.repeat(40)}` }),
    });
    assertSeedError(wrong, 400, 'INVALID_STORE_CREDENTIALS');
    const sentBefore = mailer.sent.length;
    const res = await call(service, 'POST', '/api/stores/connect', {
      body: body(store, { email: owner.email }),
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.success, false);
    assert.equal(res.body.token, null);
    assert.equal(res.body.channelId, null);
    assert.equal(res.body.confirmationRequired, true);
    assert.match(String(res.body.pollHandle), /^tbp_/);
    assert.equal(await count(service, 'store_channels'), channels);
    assert.equal(mailer.sent.length, sentBefore + 1);
    assert.equal(mailer.sent.at(-1)!.to, owner.email);
  });

  test('linked to the shop’s domain (order-import access in step); disconnect erases and revokes', async () => {
    const email = uniqueEmail('linked');
    const res = await call(service, 'POST', '/api/stores/connect', { body: body(store, { email }) });
    assert.equal(res.status, 201);
    const token = String(res.body.token);
    const channelId = String(res.body.channelId);
    const orgId = (await channelRow(channelId)).org_id;
    // A domain of the same shop, added after the first connect: a reconnect links it.
    const { createDomain } = await import('../../src/storage/repos/domains.js');
    const { domain } = await createDomain(service.storage.db, service.sealer, {
      orgId,
      host: `t${Date.now()}.linked.test`,
      shopUrl: `${store.url}/`,
      now: clock.now(),
    });
    await call(service, 'POST', '/api/stores/connect', { token, body: body(store, { email: undefined }) });
    const row = await channelRow(channelId);
    assert.equal(row.domain_id, domain.id);
    const access = await service.storage.db
      .selectFrom('shop_store_access')
      .selectAll()
      .where('domain_id', '=', domain.id)
      .executeTakeFirstOrThrow();
    const creds = service.sealer.open<StoreCredentials>(
      access.credentials_sealed,
      storeAad(domain.id, 'woocommerce'),
    );
    assert.equal(creds.platform === 'woocommerce' && creds.consumerKey, store.consumerKey);

    // Figures of /api/sync/status: one store, rows of products and feeds of this org only.
    const now = clock.now();
    await service.storage.db
      .insertInto('products')
      .values(
        ['1', '2', '3'].map((id) => ({
          channel_id: channelId,
          external_id: id,
          org_id: orgId,
          title: `P${id}`,
          availability: 'in_stock',
          updated_at: now,
        })),
      )
      .execute();
    await service.storage.db
      .insertInto('feeds')
      .values({
        id: `fed_${now}`,
        org_id: orgId,
        channel_id: channelId,
        slug: `s${now}`,
        name: 'Google',
        format: 'google',
        filters: '{}',
        overrides: '{}',
        published: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await service.storage.db
      .updateTable('store_channels')
      .set({ last_sync_at: now - 60_000, sync_state: 'running', sync_done: 40, sync_total: 100 })
      .where('id', '=', channelId)
      .execute();
    const status = await call(service, 'GET', '/api/sync/status', { token });
    assert.equal(status.status, 200);
    assert.deepEqual(status.body, {
      suppliers: 1,
      feeds: 1,
      products_synced: 3,
      last_sync: new Date(now - 60_000).toISOString().replace('.000Z', 'Z'),
      last_activity: new Date(now).toISOString().replace('.000Z', 'Z'),
      syncing: true,
      sync_done: 40,
      sync_total: 100,
      product_limit: 1000,
      limit_reached: false,
    });

    // As the seed's plugin sends it: Content-Type application/json, no body.
    const out = await call(service, 'POST', '/api/stores/disconnect', {
      token,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(out.status, 200);
    assert.deepEqual(out.body, { success: true, message: 'Store disconnected' });
    const gone = await channelRow(channelId);
    assert.equal(gone.status, 'disconnected');
    assert.equal(gone.credentials_sealed, null);
    assert.equal(
      (
        await service.storage.db
          .selectFrom('shop_store_access')
          .selectAll()
          .where('domain_id', '=', domain.id)
          .execute()
      ).length,
      0,
    );
    assertSeedError(await call(service, 'GET', '/api/sync/status', { token }), 401);
    const audit = await service.storage.db
      .selectFrom('audit_log')
      .select('action')
      .where('org_id', '=', orgId)
      .execute();
    const actions = audit.map((a) => a.action);
    for (const action of ['store.connect', 'store.reconnect', 'store.disconnect'])
      assert.ok(actions.includes(action), action);
  });

  test('management API: masked preview, patch, delete; another org gets 404; roles', async () => {
    const res = await call(service, 'POST', '/api/stores/connect', { body: body(store) });
    const channelId = String(res.body.channelId);
    const orgId = (await channelRow(channelId)).org_id;
    const admin = await createSession(service, { orgId, role: 'admin' });
    const viewer = await createSession(service, { orgId, role: 'viewer' });
    const list = await service.app!.inject({
      method: 'GET',
      url: '/v1/store-channels',
      headers: viewer.headers,
    });
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(store.consumerSecret) && !list.body.includes(store.consumerKey));
    const data = JSON.parse(list.body).data as Array<{ id: string; credential: string }>;
    assert.equal(data[0]!.id, channelId);
    assert.equal(data[0]!.credential, `ck_****…${store.consumerKey.slice(-4)}`);

    const other = await createTenant(service);
    const stranger = await createSession(service, { orgId: other.org.id, role: 'owner' });
    for (const method of ['GET', 'DELETE'] as const) {
      const r = await service.app!.inject({
        method,
        url: `/v1/store-channels/${channelId}`,
        headers: stranger.headers,
      });
      assert.equal(r.statusCode, 404, `${method} ${r.body}`);
    }
    // A plugin token of another org cannot disconnect this channel either.
    const foreign = await call(service, 'POST', '/api/stores/connect', { body: body(basicRefusing) });
    const cross = await call(service, 'POST', '/api/stores/disconnect', {
      token: String(foreign.body.token),
      body: { channelId },
    });
    assert.equal(cross.status, 200, 'its own channel is disconnected, not this one');
    assert.equal((await channelRow(channelId)).status, 'active');
    // A token bound to no store, naming this org's channel: 404, as if it did not exist.
    const unbound = await call(service, 'POST', '/api/auth/register-from-plugin', {
      body: { email: uniqueEmail('unbound'), storeUrl: 'https://u.example', source: 'woo-plugin' },
    });
    assertSeedError(
      await call(service, 'POST', '/api/stores/disconnect', {
        token: String(unbound.body.token),
        body: { channelId },
      }),
      404,
      'Not Found',
    );
    assert.equal((await channelRow(channelId)).status, 'active');

    const denied = await service.app!.inject({
      method: 'DELETE',
      url: `/v1/store-channels/${channelId}`,
      headers: viewer.headers,
    });
    assert.equal(denied.statusCode, 403);
    const patch = await service.app!.inject({
      method: 'PATCH',
      url: `/v1/store-channels/${channelId}`,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ syncIntervalMinutes: 120 }),
    });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.equal(JSON.parse(patch.body).syncIntervalMinutes, 120);
    // The next scheduled sync follows the interval set; back to the default (null) it follows
    // CATALOGUE_SYNC_INTERVAL_MINUTES (360 by default), and 0 means on demand only.
    assert.equal(Number((await channelRow(channelId)).next_sync_at), clock.now() + 120 * 60_000);
    for (const [interval, next] of [
      [null, clock.now() + 360 * 60_000],
      [0, null],
    ] as const) {
      const reset = await service.app!.inject({
        method: 'PATCH',
        url: `/v1/store-channels/${channelId}`,
        headers: { ...admin.headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ syncIntervalMinutes: interval }),
      });
      assert.equal(reset.statusCode, 200, reset.body);
      const row = await channelRow(channelId);
      assert.equal(row.next_sync_at === null ? null : Number(row.next_sync_at), next);
    }
    const del = await service.app!.inject({
      method: 'DELETE',
      url: `/v1/store-channels/${channelId}`,
      headers: admin.headers,
    });
    assert.equal(del.statusCode, 200);
    assert.equal(JSON.parse(del.body).status, 'disconnected');
    assert.equal(JSON.parse(del.body).credential, null);
    assertSeedError(await call(service, 'GET', '/api/sync/status', { token: String(res.body.token) }), 401);
  });
});
