/**
 * Catalogue sync from a fake WooCommerce store (src/dev/fakes/woocommerce-store.ts): pagination across
 * pages, variations, the query-string fallback, wrong keys, a sync that stops half-way and resumes from its
 * cursor, incremental runs by modified_after, removal on full runs, the worker's scheduler and its lease.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  getChannelSync,
  listProducts,
  requestSync,
  syncChannelToEnd,
} from '../../src/catalogue/channel-sync.js';
import { syncProgress } from '../../src/catalogue/progress.js';
import { CatalogueSyncer } from '../../src/catalogue/syncer.js';
import { type FakeWooCommerceStore, startFakeWooCommerce } from '../../src/dev/fakes/woocommerce-store.js';
import { ApiError } from '../../src/errors.js';
import { ManualClock } from '../../src/lib/clock.js';
import { leaseDueChannels, writeSyncPage } from '../../src/storage/repos/products.js';
import { getStoreChannelById } from '../../src/storage/repos/store-channels.js';
import { createTenant, startTestService, type Tenant, type TestService } from '../harness.js';
import { insertChannel } from '../stores/helpers.js';
import { CATALOGUE_ENV, clockWaits, syncDeps } from './helpers.js';

const silent = { error() {}, warn() {}, info() {} };
/** 250 generated + the sample's simple product and variable product (two variations). */
const GENERATED = 250;
const PRODUCTS = GENERATED + 1 + 2;

describe('WooCommerce catalogue sync', () => {
  let service: TestService;
  let store: FakeWooCommerceStore;
  let tenant: Tenant;
  let clock: ManualClock;

  before(async () => {
    service = await startTestService({ role: 'api', env: { ...CATALOGUE_ENV, CATALOGUE_MAX_RETRIES: '1' } });
    store = await startFakeWooCommerce({ generated: GENERATED, currency: 'EUR' });
  });
  after(async () => {
    await store.close();
    await service.destroy();
  });
  beforeEach(async () => {
    store.reset();
    store.setOptions({ rejectAuthorizationHeader: false });
    tenant = await createTenant(service);
    clock = new ManualClock(Date.UTC(2026, 0, 10, 12));
  });

  const channel = (credentials: Record<string, string> = {}): Promise<string> =>
    insertChannel(service, {
      orgId: tenant.org.id,
      platform: 'woocommerce',
      storeUrl: store.url,
      credentials: {
        platform: 'woocommerce',
        consumerKey: store.consumerKey,
        consumerSecret: store.consumerSecret,
        ...credentials,
      },
      now: clock.now(),
    });

  test('a full sync reads every page and the variations, with Basic auth, and reports its progress', async () => {
    const id = await channel();
    const outcome = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    assert.equal(outcome.status, 'completed', outcome.error);
    assert.equal(outcome.full, true, 'the first run is full');
    assert.equal(outcome.products, PRODUCTS);
    assert.equal(outcome.created, PRODUCTS);
    // settings ×2, products pages 1–3, variations of 799
    const paths = store.requests.map((r) => `${r.path}${r.query.page ? `#${r.query.page}` : ''}`);
    assert.deepEqual(paths, [
      '/wp-json/wc/v3/settings/general',
      '/wp-json/wc/v3/settings/products',
      '/wp-json/wc/v3/products#1',
      '/wp-json/wc/v3/products/799/variations#1',
      '/wp-json/wc/v3/products#2',
      '/wp-json/wc/v3/products#3',
    ]);
    for (const r of store.requests) assert.equal(r.auth, 'basic');
    const listing = store.requests.find((r) => r.path === '/wp-json/wc/v3/products')!;
    assert.equal(listing.query.per_page, '100');
    assert.equal(listing.query.status, 'publish');
    assert.equal(listing.query.modified_after, undefined);

    const row = (await getStoreChannelById(service.storage.db, id))!;
    const progress = syncProgress(row);
    assert.deepEqual(
      { state: progress.state, done: progress.done, total: progress.total, lastResult: progress.lastResult },
      { state: 'idle', done: PRODUCTS, total: PRODUCTS, lastResult: 'success' },
    );
    assert.equal(row.next_sync_at, clock.now() + 360 * 60_000);
    assert.equal(row.sync_cursor, null);

    const page = await listProducts(service, { orgId: tenant.org.id, channelId: id, limit: 500 });
    assert.equal(page.total, PRODUCTS);
    const green = page.products.find((p) => p.id === '733')!;
    assert.equal(green.groupId, '799');
    assert.equal(green.title, 'Ship Your Idea - Green');
    assert.equal(green.currency, 'EUR');
    assert.equal(green.price, '9.00');
    assert.equal(
      page.products.find((p) => p.id === '799'),
      undefined,
      'a variable product is not an item',
    );
    assert.equal(page.products.find((p) => p.id === '794')?.price, '21.99');
  });

  test('falls back to the query string when the server strips Authorization, and keeps it for the run', async () => {
    store.setOptions({ rejectAuthorizationHeader: true });
    const id = await channel();
    const outcome = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    assert.equal(outcome.status, 'completed', outcome.error);
    assert.equal(outcome.products, PRODUCTS);
    // One Basic attempt (the server dropped its header: the store saw no keys), then every request with
    // the keys in the query string.
    assert.equal(store.requests.filter((r) => r.auth !== 'query').length, 1);
    assert.equal(store.requests[0]?.status, 401);
    assert.equal(store.requests.filter((r) => r.auth === 'query' && r.status === 200).length, 6);

    store.reset();
    tenant = await createTenant(service);
    const queryFirst = await channel({ auth: 'query' });
    await syncChannelToEnd(syncDeps(service, clock), { channelId: queryFirst, full: false });
    assert.equal(store.requests.filter((r) => r.auth === 'basic').length, 0);
  });

  test('wrong keys: the channel needs attention, with the store’s words, and nothing is stored', async () => {
    const id = await channel({ consumerSecret: `cs_${'0'.repeat(40)}` });
    const outcome = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    assert.equal(outcome.status, 'needs_attention');
    assert.match(outcome.error ?? '', /Consumer secret is invalid/);
    const row = (await getStoreChannelById(service.storage.db, id))!;
    assert.equal(row.status, 'needs_attention');
    assert.equal(row.last_sync_result, 'needs_attention');
    assert.match(row.last_sync_error ?? '', /Consumer secret is invalid\. \(HTTP 401\)/);
    assert.equal(outcome.products, 0);
    // Out of the schedule until its keys are replaced.
    const due = await leaseDueChannels(service.storage.db, service.storage.dialect, {
      owner: 'x',
      now: clock.now() + 86_400_000,
      leaseMs: 1000,
      limit: 100,
      defaultIntervalMinutes: 360,
    });
    assert.equal(
      due.some((c) => c.id === id),
      false,
    );
    // Asked for by hand, it is tried once more: with the keys fixed in the store, it is active again.
    await requestSync(
      { storage: service.storage, clock, config: service.config },
      { orgId: tenant.org.id, channelId: id, full: false },
    );
    store.reset();
    const fixed = await startFakeWooCommerce({ consumerSecret: `cs_${'0'.repeat(40)}` });
    try {
      await service.storage.db
        .updateTable('store_channels')
        .set({ store_url: fixed.url })
        .where('id', '=', id)
        .execute();
      const syncer = new CatalogueSyncer(syncDeps(service, clock), silent);
      const again = (await syncer.drain()).find((o) => o.channelId === id);
      assert.equal(again?.status, 'completed', again?.error);
      assert.equal((await getStoreChannelById(service.storage.db, id))?.status, 'active');
    } finally {
      await fixed.close();
    }
  });

  test('a sync that stops half-way resumes from its cursor: pages already stored are not read again', async () => {
    const id = await channel();
    // Products page 1 and the variations of 799 are served; products page 2 fails (retries exhausted).
    store.failAfterPages(2, { kind: 'status', status: 503 });
    const first = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    assert.equal(first.status, 'failed');
    assert.match(first.error ?? '', /HTTP 503/);
    const stopped = (await getStoreChannelById(service.storage.db, id))!;
    assert.equal(stopped.sync_state, 'failed');
    assert.notEqual(stopped.sync_cursor, null);
    assert.equal(first.products, 99 + 2, 'page 1 (less the variable product) and its variations are stored');
    assert.equal(syncProgress(stopped).done, 101);

    store.reset();
    const second = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    assert.equal(second.status, 'completed', second.error);
    assert.equal(second.resumed, true);
    assert.equal(second.products, PRODUCTS);
    assert.deepEqual(
      store.requests.map((r) => `${r.path}#${r.query.page}`),
      ['/wp-json/wc/v3/products#2', '/wp-json/wc/v3/products#3'],
    );
    // The run's figures cover both processes' pages; a full run removed nothing it had seen.
    assert.equal(second.created, PRODUCTS);
    assert.equal(second.removed, 0);
  });

  test('incremental runs read what changed since the watermark; only a full run removes', async () => {
    const id = await channel();
    await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    clock.advance(3600_000);
    const changed = {
      ...store.products.find((p) => p.id === 100_007)!,
      regular_price: '99.00',
      price: '99.00',
    };
    store.upsertProduct(changed, clock.now() - 60_000);
    const removed = store.products.find((p) => p.id === 100_008)!;
    store.removeProduct(100_008);
    store.reset();

    const incremental = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    assert.equal(incremental.status, 'completed', incremental.error);
    assert.equal(incremental.full, false);
    assert.equal(incremental.updated, 1);
    assert.equal(incremental.removed, 0);
    assert.equal(incremental.products, PRODUCTS, 'an incremental run does not remove');
    const listing = store.requests.find((r) => r.path === '/wp-json/wc/v3/products')!;
    // The watermark (start of the last run) less five minutes of overlap, in GMT.
    assert.equal(listing.query.modified_after, '2026-01-10T11:55:00');
    assert.equal(listing.query.dates_are_gmt, 'true');
    const products = await listProducts(service, { orgId: tenant.org.id, channelId: id, limit: 500 });
    assert.equal(products.products.find((p) => p.id === '100007')?.price, '99.00');

    const full = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: true });
    assert.equal(full.full, true);
    assert.equal(full.removed, 1);
    assert.equal(full.products, PRODUCTS - 1);
    assert.equal(full.unchanged, PRODUCTS - 1);
    store.upsertProduct(removed);
  });

  test('the worker syncs due channels, one lease per channel; an expired lease is taken over', async () => {
    const id = await channel();
    const waits = clockWaits(clock);
    const syncer = new CatalogueSyncer(syncDeps(service, clock, waits), silent);
    const outcomes = await syncer.drain();
    const mine = outcomes.find((o) => o.channelId === id);
    assert.equal(mine?.status, 'completed', mine?.error);
    assert.equal(mine?.products, PRODUCTS);
    // Not due again before its interval.
    assert.equal((await syncer.drain()).filter((o) => o.channelId === id).length, 0);

    // Two workers asking at once: one lease.
    clock.advance(361 * 60_000);
    const [a, b] = await Promise.all(
      ['w1', 'w2'].map((owner) =>
        leaseDueChannels(service.storage.db, service.storage.dialect, {
          owner,
          now: clock.now(),
          leaseMs: 60_000,
          limit: 100,
          defaultIntervalMinutes: 360,
        }),
      ),
    );
    const holders = [...(a ?? []), ...(b ?? [])].filter((c) => c.id === id);
    assert.equal(holders.length, 1);
    const holder = holders[0]!.sync_lease_owner!;
    // While the lease runs nobody else gets it; once expired another worker takes over, and the first
    // one's writes are refused.
    const other = holder === 'w1' ? 'w2' : 'w1';
    const lease = (now: number): ReturnType<typeof leaseDueChannels> =>
      leaseDueChannels(service.storage.db, service.storage.dialect, {
        owner: other,
        now,
        leaseMs: 60_000,
        limit: 100,
        defaultIntervalMinutes: 360,
      });
    assert.equal((await lease(clock.now() + 30_000)).filter((c) => c.id === id).length, 0);
    assert.equal((await lease(clock.now() + 61_000)).filter((c) => c.id === id).length, 1);
    const refused = await writeSyncPage(service.storage.db, {
      channelId: id,
      owner: holder,
      runId: 'any',
      products: [],
      cursor: () => '{}',
      done: 0,
      total: null,
      now: clock.now(),
      leaseUntil: clock.now() + 60_000,
    });
    assert.equal(refused, null);
  });

  test('another org cannot read or sync the channel', async () => {
    const id = await channel();
    const stranger = await createTenant(service);
    await assert.rejects(
      getChannelSync(service, { orgId: stranger.org.id, channelId: id }),
      (error: unknown) => error instanceof ApiError && error.code === 'not_found',
    );
    await assert.rejects(
      listProducts(service, { orgId: stranger.org.id, channelId: id, limit: 10 }),
      (error: unknown) => error instanceof ApiError && error.code === 'not_found',
    );
  });
});
