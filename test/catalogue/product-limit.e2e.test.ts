/**
 * The plan's product limit (PLAN_<PLAN>_PRODUCTS) in the catalogue sync: a free-plan org (limit 120 here)
 * syncing 253 products stores exactly 120 and says why; products it holds keep being updated; the org's
 * channels share the limit, also when they sync at once; /api/sync/status and the management view show it;
 * POST /api/sync/run answers 403 PIM_PRODUCT_LIMIT in seed 004's shape; a bigger plan lifts it on the next
 * run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { syncChannelToEnd } from '../../src/catalogue/channel-sync.js';
import { type FakeWooCommerceStore, startFakeWooCommerce } from '../../src/dev/fakes/woocommerce-store.js';
import { ManualClock } from '../../src/lib/clock.js';
import { updateOrgPlan } from '../../src/storage/repos/orgs.js';
import { countOrgProducts } from '../../src/storage/repos/products.js';
import { getStoreChannelById } from '../../src/storage/repos/store-channels.js';
import { createSession, createTenant, startTestService, type TestService } from '../harness.js';
import { assertSeedError, call, insertChannel, uniqueEmail } from '../stores/helpers.js';
import { CATALOGUE_ENV, syncDeps } from './helpers.js';

const LIMIT = 120;
/** 250 generated + the sample's simple product and variable product (two variations). */
const STORE_PRODUCTS = 250 + 3;
const SMALL_STORE_PRODUCTS = 30 + 3;

describe('product limit of the plan', () => {
  let service: TestService;
  let store: FakeWooCommerceStore;
  let small: FakeWooCommerceStore;
  const clock = new ManualClock(Date.now());

  before(async () => {
    service = await startTestService({
      role: 'api',
      clock,
      env: { ...CATALOGUE_ENV, PLAN_FREE_PRODUCTS: String(LIMIT) },
    });
    store = await startFakeWooCommerce({ generated: 250 });
    small = await startFakeWooCommerce({ generated: 30 });
  });
  after(async () => {
    await store.close();
    await small.close();
    await service.destroy();
  });

  const sync = (channelId: string) =>
    syncChannelToEnd(syncDeps(service, clock), { channelId, full: false, pollMs: 10 });

  test('a free org stores up to its limit, says why, keeps updating, shares it across channels; a bigger plan lifts it', async () => {
    // The plugin connects the store: a new account, on the free plan.
    const connected = await call(service, 'POST', '/api/stores/connect', {
      body: {
        storeUrl: store.url,
        consumerKey: store.consumerKey,
        consumerSecret: store.consumerSecret,
        email: uniqueEmail('limit'),
        platform: 'woocommerce',
        pluginVersion: '1.1.0',
      },
    });
    assert.equal(connected.status, 201, JSON.stringify(connected.body));
    const token = String(connected.body.token);
    const channelId = String(connected.body.channelId);
    const orgId = (await getStoreChannelById(service.storage.db, channelId))!.org_id;
    await updateOrgPlan(service.storage.db, orgId, { plan: 'free' });

    const status0 = await call(service, 'GET', '/api/sync/status', { token });
    assert.equal(status0.body.product_limit, LIMIT);
    assert.equal(status0.body.limit_reached, false);
    const asked = await call(service, 'POST', '/api/sync/run', { token });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    assert.equal(asked.body.success, true);

    // The first run: exactly the limit is stored, the rest counted; the run completes, limited.
    const first = await sync(channelId);
    assert.equal(first.status, 'completed', first.error);
    assert.equal(first.products, LIMIT);
    assert.equal(first.created, LIMIT);
    assert.equal(first.notAdded, STORE_PRODUCTS - LIMIT);
    const message = `The plan's limit of ${LIMIT} products is reached: ${STORE_PRODUCTS - LIMIT} products were not added (PIM_PRODUCT_LIMIT). Upgrade the plan or narrow the catalogue.`;
    assert.deepEqual(first.warnings, [message]);
    let row = (await getStoreChannelById(service.storage.db, channelId))!;
    assert.equal(row.last_sync_result, 'limited');
    assert.equal(row.last_sync_error, message);
    assert.equal(row.sync_cursor, null, 'the run ended');
    assert.equal(row.sync_full, 1, 'the next run reads everything again');
    assert.equal(await countOrgProducts(service.storage.db, orgId), LIMIT);

    // The seed surface shows it, and refuses a sync now in seed 004's shape.
    const status = await call(service, 'GET', '/api/sync/status', { token });
    assert.equal(status.status, 200);
    assert.equal(status.body.products_synced, LIMIT);
    assert.equal(status.body.product_limit, LIMIT);
    assert.equal(status.body.limit_reached, true);
    const refused = await call(service, 'POST', '/api/sync/run', { token });
    assertSeedError(refused, 403, 'PIM_PRODUCT_LIMIT');
    assert.deepEqual(Object.keys(refused.body).sort(), ['error', 'message', 'statusCode']);
    assert.match(String(refused.body.message), /limit of 120 products/);

    // The management view too.
    const admin = await createSession(service, { orgId, role: 'admin' });
    const managed = await service.app!.inject({
      method: 'GET',
      url: `/v1/store-channels/${channelId}/sync`,
      headers: admin.headers,
    });
    assert.equal(managed.statusCode, 200, managed.body);
    const view = managed.json() as Record<string, unknown>;
    assert.equal(view.lastResult, 'limited');
    assert.equal(view.lastError, message);
    assert.equal(view.productLimit, LIMIT);
    assert.equal(view.orgProducts, LIMIT);
    assert.equal(view.limitReached, true);

    // A product already stored still gets its update at the limit.
    const stored = await service.storage.db
      .selectFrom('products')
      .select(['external_id'])
      .where('channel_id', '=', channelId)
      .where('group_id', 'is', null)
      .orderBy('external_id')
      .executeTakeFirstOrThrow();
    const original = store.products.find((p) => String(p.id) === stored.external_id)!;
    store.upsertProduct({ ...original, name: 'Renamed at the limit' }, clock.now() - 60_000);
    const second = await sync(channelId);
    assert.equal(second.status, 'completed', second.error);
    assert.equal(second.updated, 1);
    assert.equal(second.created, 0);
    assert.equal(second.products, LIMIT);
    const renamed = await service.storage.db
      .selectFrom('products')
      .select('title')
      .where('channel_id', '=', channelId)
      .where('external_id', '=', stored.external_id)
      .executeTakeFirstOrThrow();
    assert.equal(renamed.title, 'Renamed at the limit');

    // A second channel of the org shares the limit: nothing new fits.
    const other = await insertChannel(service, {
      orgId,
      platform: 'woocommerce',
      storeUrl: small.url,
      credentials: {
        platform: 'woocommerce',
        consumerKey: small.consumerKey,
        consumerSecret: small.consumerSecret,
      },
      now: clock.now(),
    });
    const shared = await sync(other);
    assert.equal(shared.status, 'completed', shared.error);
    assert.equal(shared.products, 0);
    assert.equal(shared.notAdded, SMALL_STORE_PRODUCTS);
    assert.equal((await getStoreChannelById(service.storage.db, other))!.last_sync_result, 'limited');
    assert.equal(await countOrgProducts(service.storage.db, orgId), LIMIT);

    // A bigger plan lifts it on the next run of each channel.
    await updateOrgPlan(service.storage.db, orgId, { plan: 'starter' });
    const lifted = await call(service, 'GET', '/api/sync/status', { token });
    assert.equal(lifted.body.product_limit, 10_000);
    assert.equal(lifted.body.limit_reached, false);
    assert.equal((await call(service, 'POST', '/api/sync/run', { token })).status, 202);
    const third = await sync(channelId);
    assert.equal(third.status, 'completed', third.error);
    assert.equal(third.full, true);
    assert.equal(third.products, STORE_PRODUCTS);
    assert.equal(third.created, STORE_PRODUCTS - LIMIT);
    assert.equal(third.notAdded, 0);
    const fourth = await sync(other);
    assert.equal(fourth.products, SMALL_STORE_PRODUCTS);
    row = (await getStoreChannelById(service.storage.db, channelId))!;
    assert.equal(row.last_sync_result, 'success');
    assert.equal(row.last_sync_error, null);
    assert.equal(row.sync_full, 0);
    assert.equal(await countOrgProducts(service.storage.db, orgId), STORE_PRODUCTS + SMALL_STORE_PRODUCTS);
  });

  test('two channels of one org syncing at once never hold more than the limit together', async () => {
    const tenant = await createTenant(service, { plan: 'free' });
    const channel = (s: FakeWooCommerceStore) =>
      insertChannel(service, {
        orgId: tenant.org.id,
        platform: 'woocommerce',
        storeUrl: s.url,
        credentials: {
          platform: 'woocommerce',
          consumerKey: s.consumerKey,
          consumerSecret: s.consumerSecret,
        },
        now: clock.now(),
      });
    const [a, b] = await Promise.all([channel(store), channel(small)]);
    const outcomes = await Promise.all([sync(a!), sync(b!)]);
    for (const o of outcomes) assert.equal(o.status, 'completed', o.error);
    assert.equal(await countOrgProducts(service.storage.db, tenant.org.id), LIMIT);
    assert.equal(
      outcomes.reduce((n, o) => n + o.created, 0),
      LIMIT,
    );
    assert.equal(
      outcomes.reduce((n, o) => n + o.notAdded, 0),
      STORE_PRODUCTS + SMALL_STORE_PRODUCTS - LIMIT,
    );
  });
});
