/**
 * Catalogue sync from the fake Shopify (src/dev/fakes/shopify-store.ts) through the GraphQL Admin API:
 * cursor pagination, the cost extension's bucket (waits before a query the bucket cannot pay for, retries
 * after THROTTLED), incremental runs by `updated_at:>`, a refused token. The fake's bucket refills on the
 * test's manual clock, which the sync's waits move: nothing sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { listProducts, syncChannelToEnd } from '../../src/catalogue/channel-sync.js';
import { type FakeShopify, startFakeShopify } from '../../src/dev/fakes/shopify-store.js';
import { ManualClock } from '../../src/lib/clock.js';
import { getStoreChannelById } from '../../src/storage/repos/store-channels.js';
import { createTenant, startTestService, type Tenant, type TestService } from '../harness.js';
import { insertChannel } from '../stores/helpers.js';
import { CATALOGUE_ENV, clockWaits, syncDeps } from './helpers.js';

const SHOP = 'demo.myshopify.com';
/** The sample (4 variants) and 25 generated products (2 variants each). */
const GENERATED = 25;
const VARIANTS = 4 + GENERATED * 2;

describe('Shopify catalogue sync', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 10, 12));
  let shopify: FakeShopify;
  let service: TestService;
  let tenant: Tenant;
  let token: string;

  before(async () => {
    // A small bucket: a page of 10 products costs 302 points, the bucket holds 400 and restores 50/s.
    shopify = await startFakeShopify({
      shops: { [SHOP]: { generated: GENERATED, currencyCode: 'CAD' } },
      maximumAvailable: 400,
      restoreRate: 50,
      costPerProduct: 30,
      now: () => clock.now(),
    });
    service = await startTestService({
      role: 'api',
      env: { ...CATALOGUE_ENV, SHOPIFY_SHOP_URL: shopify.shopUrlTemplate },
    });
  });
  after(async () => {
    await shopify.close();
    await service.destroy();
  });
  beforeEach(async () => {
    shopify.reset();
    shopify.setAvailable(SHOP, 400);
    tenant = await createTenant(service);
    token = shopify.grantToken(SHOP);
  });

  const channel = (accessToken = token): Promise<string> =>
    insertChannel(service, {
      orgId: tenant.org.id,
      platform: 'shopify',
      storeUrl: SHOP,
      credentials: { platform: 'shopify', accessToken, scope: 'read_products' },
      now: clock.now(),
    });

  test('reads every product page by cursor, waiting for the bucket instead of being throttled', async () => {
    const id = await channel();
    const waits = clockWaits(clock);
    const outcome = await syncChannelToEnd(syncDeps(service, clock, waits), { channelId: id, full: false });
    assert.equal(outcome.status, 'completed', outcome.error);
    assert.equal(outcome.products, VARIANTS);
    const pages = shopify.productPages(SHOP);
    assert.equal(pages.length, 3);
    assert.deepEqual(
      pages.map((p) => p.variables?.after ?? null).map((after) => (after === null ? null : typeof after)),
      [null, 'string', 'string'],
    );
    assert.equal(pages[0]?.variables?.query, 'status:active');
    assert.equal(
      shopify.requests.filter((r) => r.throttled).length,
      0,
      'the sync waited for the refill before asking',
    );
    // After the first page (count 3 + page 302 of 400) the bucket held about 96: the next page waited
    // about (302 − 96) / 50 s.
    assert.ok(
      waits.slept.some((ms) => ms >= 4000 && ms <= 4200),
      `waits: ${waits.slept.join(', ')}`,
    );
    for (const r of shopify.requests) assert.ok(r.path.startsWith('/admin/api/'), r.path);

    const products = await listProducts(service, { orgId: tenant.org.id, channelId: id, limit: 500 });
    const pink = products.products.find((p) => p.id === '808950810')!;
    assert.equal(pink.groupId, '632910392');
    assert.equal(pink.currency, 'CAD');
    assert.equal(pink.link, 'https://demo.myshopify.com/products/ipod-nano?variant=808950810');
    assert.equal(pink.brand, 'Apple');
    // Generated variant 1 has compareAtPrice above price: on sale.
    const large = products.products.find((p) => p.id === '90000000011')!;
    assert.equal(large.price, '25.00');
    assert.equal(large.salePrice, '20.00');
    assert.equal(large.availability, 'out_of_stock');
    const row = (await getStoreChannelById(service.storage.db, id))!;
    assert.equal(row.sync_done, GENERATED + 1);
    assert.equal(row.sync_total, GENERATED + 1);
  });

  test('a THROTTLED answer is waited out and retried', async () => {
    const id = await channel();
    shopify.setAvailable(SHOP, 0);
    const waits = clockWaits(clock);
    const outcome = await syncChannelToEnd(syncDeps(service, clock, waits), { channelId: id, full: false });
    assert.equal(outcome.status, 'completed', outcome.error);
    assert.equal(outcome.products, VARIANTS);
    const throttled = shopify.requests.filter((r) => r.throttled);
    assert.ok(throttled.length >= 1);
    // The first query (the count, 2 points) met an empty bucket: 2 / 50 s.
    assert.equal(waits.slept.includes(40), true, `waits: ${waits.slept.join(', ')}`);
  });

  test('an incremental run asks for products updated since the watermark', async () => {
    const id = await channel();
    await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    clock.advance(3600_000);
    const products = shopify.products(SHOP);
    const first = products[1]!;
    products[1] = {
      ...first,
      updated_at: new Date(clock.now() - 1000).toISOString(),
      variants: (first.variants as Array<Record<string, unknown>>).map((v) => ({ ...v, price: '31.00' })),
    };
    shopify.reset();
    const outcome = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    assert.equal(outcome.status, 'completed', outcome.error);
    assert.equal(outcome.full, false);
    assert.equal(outcome.updated, 2);
    const page = shopify.productPages(SHOP)[0]!;
    assert.match(String(page.variables?.query), /^status:active AND updated_at:>'2026-01-10T11:5\d:\d\dZ'$/);
    products[1] = first;
  });

  test('a refused token: the channel needs attention with Shopify’s words', async () => {
    const id = await channel('shpat_revoked');
    const outcome = await syncChannelToEnd(syncDeps(service, clock), { channelId: id, full: false });
    assert.equal(outcome.status, 'needs_attention');
    const row = (await getStoreChannelById(service.storage.db, id))!;
    assert.equal(row.status, 'needs_attention');
    assert.match(row.last_sync_error ?? '', /Invalid API key or access token/);
  });
});
