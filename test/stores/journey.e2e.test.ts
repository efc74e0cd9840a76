/**
 * The whole issue-11 journey, as one shop owner meets it, on the fake stores: a plugin registers an
 * account and connects its WooCommerce store; the worker syncs the catalogue (the store failing half-way,
 * the next run resuming without reading the stored pages again); /api/sync/status shows the real counts; a
 * feed made and published through the management API serves the products; a product changed in the store
 * and synced again shows in the feed at once (the sync invalidated the feed's cache). Then the same for
 * Shopify: OAuth init → the fake's consent → callback → channel → GraphQL sync → a Meta CSV feed. Expected
 * values are the fixtures' own (test/fixtures/samples, the fakes' generated products).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { request } from 'undici';
import { CatalogueSyncer } from '../../src/catalogue/syncer.js';
import { type FakeShopify, startFakeShopify } from '../../src/dev/fakes/shopify-store.js';
import { type FakeWooCommerceStore, startFakeWooCommerce } from '../../src/dev/fakes/woocommerce-store.js';
import { CATALOGUE_ENV, syncDeps } from '../catalogue/helpers.js';
import { createSession, ManualClock, startTestService, type TestService } from '../harness.js';
import { CapturingMailer } from '../management/helpers.js';
import { call, uniqueEmail } from './helpers.js';

const silent = { error() {}, warn() {}, info() {} };
const BASE = 'https://panel.tagbridge.test';
const SHOP = 'journey.myshopify.com';
/** 250 generated products (ids 100000…100249) + the sample's simple product 794 and variable 799 (two variations). */
const GENERATED = 250;

let ipCounter = 0;
const nextIp = (): string => `203.0.113.${++ipCounter}`;

describe('the store journey: register, connect, sync, status, feed', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 9));
  let service: TestService;
  let woo: FakeWooCommerceStore;
  let shopify: FakeShopify;

  before(async () => {
    woo = await startFakeWooCommerce({ generated: GENERATED, currency: 'EUR' });
    shopify = await startFakeShopify({ now: () => clock.now(), shops: { [SHOP]: {} } });
    service = await startTestService({
      role: 'api',
      clock,
      mailer: new CapturingMailer(),
      env: {
        ...CATALOGUE_ENV,
        CATALOGUE_MAX_RETRIES: '1',
        PUBLIC_BASE_URL: BASE,
        SHOPIFY_API_KEY: shopify.apiKey,
        SHOPIFY_API_SECRET: shopify.apiSecret,
        SHOPIFY_SHOP_URL: shopify.shopUrlTemplate,
      },
    });
  });
  after(async () => {
    await service.destroy();
    await woo.close();
    await shopify.close();
  });

  const worker = (): CatalogueSyncer => new CatalogueSyncer(syncDeps(service, clock), silent);
  const orgOf = async (channelId: string): Promise<string> =>
    (
      await service.storage.db
        .selectFrom('store_channels')
        .select('org_id')
        .where('id', '=', channelId)
        .executeTakeFirstOrThrow()
    ).org_id;
  const feed = (slug: string, headers: Record<string, string> = {}) =>
    service.app!.inject({
      method: 'GET',
      url: `/api/public/feeds/${slug}`,
      headers,
      remoteAddress: nextIp(),
    });

  test('WooCommerce: plugin sign-up, connect, a sync resumed half-way, status, a Google feed kept current', async () => {
    // 1. The plugin registers a new account and connects its store with the JWT.
    const reg = await call(service, 'POST', '/api/auth/register-from-plugin', {
      body: { email: uniqueEmail('journey'), storeUrl: woo.url, source: 'woocommerce' },
    });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const jwt = String(reg.body.token);
    const connected = await call(service, 'POST', '/api/stores/connect', {
      token: jwt,
      body: {
        storeUrl: woo.url,
        consumerKey: woo.consumerKey,
        consumerSecret: woo.consumerSecret,
        platform: 'woocommerce',
        pluginVersion: '1.1.0',
      },
    });
    assert.equal(connected.status, 201, JSON.stringify(connected.body));
    const channelId = String(connected.body.channelId);
    const token = typeof connected.body.token === 'string' ? connected.body.token : jwt;
    const orgId = await orgOf(channelId);

    const status0 = await call(service, 'GET', '/api/sync/status', { token });
    assert.equal(status0.status, 200);
    assert.equal(status0.body.suppliers, 1);
    assert.equal(status0.body.products_synced, 0);
    assert.equal(status0.body.last_sync, null);

    // 2. Due at once: the worker's first round syncs it. The store fails after products page 1 and the
    // variations of 799 (retries exhausted): the run fails, keeping what it stored and its cursor.
    woo.reset();
    woo.failAfterPages(2, { kind: 'status', status: 503 });
    const first = (await worker().drain()).filter((o) => o.channelId === channelId);
    assert.deepEqual(
      first.map((o) => [o.status, o.full, o.products]),
      [['failed', true, 101]],
    );
    const failed = await call(service, 'GET', '/api/sync/status', { token });
    assert.equal(failed.body.products_synced, 101, '99 simple products of page 1 + the 2 variations of 799');
    assert.equal(failed.body.syncing, false);
    const view = await call(service, 'GET', `/v1/store-channels/${channelId}/sync`, {
      headers: (await createSession(service, { orgId, role: 'admin' })).headers,
    });
    assert.equal(view.status, 200, JSON.stringify(view.body));
    assert.equal(view.body.state, 'failed');
    assert.equal(view.body.done, 101);

    // 3. Not retried before 15 minutes; then the worker resumes at products page 2.
    woo.reset();
    assert.equal((await worker().drain()).filter((o) => o.channelId === channelId).length, 0);
    clock.advance(15 * 60_000);
    const second = (await worker().drain()).filter((o) => o.channelId === channelId);
    assert.deepEqual(
      second.map((o) => [o.status, o.resumed, o.products, o.created]),
      [['completed', true, 253, 253]],
    );
    assert.deepEqual(
      woo.pagesServed().map((r) => `${r.path}#${r.query.page}`),
      ['/wp-json/wc/v3/products#2', '/wp-json/wc/v3/products#3'],
      'pages stored before the failure are not read again',
    );
    const synced = await call(service, 'GET', '/api/sync/status', { token });
    assert.equal(synced.body.suppliers, 1);
    assert.equal(synced.body.products_synced, 253);
    // 09:00 + the 15 minutes waited, + the request pacing's waits (they move the manual clock).
    assert.match(String(synced.body.last_sync), /^2026-12-06T09:15:0\dZ$/);
    assert.equal(synced.body.syncing, false);
    assert.equal(synced.body.feeds, 0);

    // 4. A Google feed through the management API, published, served publicly.
    const admin = await createSession(service, { orgId, role: 'admin' });
    const created = await service.app!.inject({
      method: 'POST',
      url: '/v1/feeds',
      headers: admin.headers,
      payload: { channelId, slug: 'journey-google', format: 'google', name: 'Journey shop' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const feedId = String(created.json().id);
    assert.equal((await feed('journey-google')).statusCode, 404, 'not published yet');
    const published = await service.app!.inject({
      method: 'PATCH',
      url: `/v1/feeds/${feedId}`,
      headers: admin.headers,
      payload: { published: true },
    });
    assert.equal(published.statusCode, 200, published.body);
    assert.equal((await call(service, 'GET', '/api/sync/status', { token })).body.feeds, 1);

    const parser = new XMLParser({
      ignoreAttributes: false,
      parseTagValue: false,
      isArray: (n) => n === 'item',
    });
    const items = (body: string): Map<string, Record<string, string>> =>
      new Map(
        (parser.parse(body).rss.channel.item as Array<Record<string, string>>).map((i) => [i['g:id']!, i]),
      );
    const served = await feed('journey-google');
    assert.equal(served.statusCode, 200, served.body);
    assert.equal(served.headers['x-cache'], 'MISS');
    const before = items(served.body);
    assert.equal(before.size, 253, 'every product has a price and a link');
    assert.equal(before.get('794')?.['g:title'], 'Premium Quality');
    assert.equal(before.get('794')?.['g:price'], '21.99 EUR');
    assert.equal(before.get('794')?.['g:link'], 'https://example.com/product/premium-quality-19/');
    assert.equal(before.get('733')?.['g:price'], '9.00 EUR');
    assert.equal(before.get('733')?.['g:item_group_id'], '799');
    assert.equal(before.get('100007')?.['g:title'], 'Generated product 7');
    assert.equal(before.get('100007')?.['g:price'], '17.99 EUR');
    assert.equal((await feed('journey-google')).headers['x-cache'], 'HIT');

    // 5. The store changes a product; the next sync (asked for now) updates it and the feed shows it at
    // once, inside the cache's 300 s.
    clock.advance(60_000);
    const premium = woo.products.find((p) => p.id === 794)!;
    woo.upsertProduct({ ...premium, price: '24.50', regular_price: '24.50' }, clock.now() - 1_000);
    const asked = await service.app!.inject({
      method: 'POST',
      url: `/v1/store-channels/${channelId}/sync`,
      headers: admin.headers,
      payload: {},
    });
    assert.equal(asked.statusCode, 202, asked.body);
    const third = (await worker().drain()).filter((o) => o.channelId === channelId);
    assert.deepEqual(
      third.map((o) => [o.status, o.full, o.updated]),
      [['completed', false, 1]],
    );
    const after = await feed('journey-google');
    assert.equal(after.headers['x-cache'], 'MISS', 'the sync invalidated the cached feed');
    assert.equal(items(after.body).get('794')?.['g:price'], '24.50 EUR');
    woo.upsertProduct(premium);

    // 6. Disconnected: no further scheduled syncs.
    const out = await call(service, 'POST', '/api/stores/disconnect', {
      token,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(out.status, 200, JSON.stringify(out.body));
    clock.advance(7 * 3600_000);
    assert.equal((await worker().drain()).filter((o) => o.channelId === channelId).length, 0);
    assert.equal((await call(service, 'GET', '/api/sync/status', { token })).status, 401);
  });

  test('Shopify: OAuth through the fake, a GraphQL sync by the worker, a Meta CSV feed', async () => {
    const reg = await call(service, 'POST', '/api/auth/register-from-plugin', {
      body: { email: uniqueEmail('journey-shopify'), storeUrl: `https://${SHOP}`, source: 'shopify' },
    });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const token = String(reg.body.token);
    const init = await service.app!.inject({
      method: 'POST',
      url: '/api/shopify/oauth/init',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ shopDomain: 'journey' }),
    });
    assert.equal(init.statusCode, 200, init.body);
    const cookie = /tb_shopify_state=([^;]+)/.exec(String(init.headers['set-cookie']))![1]!;
    const consent = await request(String(init.json().authUrl), { method: 'GET' });
    await consent.body.text();
    assert.equal(consent.statusCode, 302);
    const callback = new URL(String(consent.headers.location));
    const landed = await service.app!.inject({
      method: 'GET',
      url: `${callback.pathname}${callback.search}`,
      headers: { cookie: `tb_shopify_state=${cookie}` },
    });
    assert.equal(landed.statusCode, 302);
    const location = String(landed.headers.location);
    assert.match(location, /^\/sales-channels\/chn_[0-9a-z]+\?oauth=success$/);
    const channelId = location.split('/')[2]!.split('?')[0]!;
    const orgId = await orgOf(channelId);

    // Due at once: the worker's first round reads the sample product's four variants by GraphQL.
    const outcomes = (await worker().drain()).filter((o) => o.channelId === channelId);
    assert.deepEqual(
      outcomes.map((o) => [o.status, o.full, o.products]),
      [['completed', true, 4]],
    );
    assert.equal(shopify.productPages(SHOP).length, 1);
    const status = await call(service, 'GET', '/api/sync/status', { token });
    assert.equal(status.body.suppliers, 1);
    assert.equal(status.body.products_synced, 4);

    const admin = await createSession(service, { orgId, role: 'admin' });
    const created = await service.app!.inject({
      method: 'POST',
      url: '/v1/feeds',
      headers: admin.headers,
      payload: { channelId, slug: 'journey-meta', format: 'meta', published: true },
    });
    assert.equal(created.statusCode, 201, created.body);
    const served = await feed('journey-meta');
    assert.equal(served.statusCode, 200, served.body);
    assert.equal(served.headers['content-type'], 'text/csv; charset=utf-8');
    const rows: Array<Record<string, string>> = parseCsv(served.body, { columns: true });
    assert.deepEqual(rows.map((r) => r.id).sort(), ['39072856', '457924702', '49148385', '808950810']);
    const pink = rows.find((r) => r.id === '808950810')!;
    assert.equal(pink.title, 'IPod Nano - 8GB - Pink');
    assert.equal(pink.price, '199.00 USD');
    assert.equal(pink.availability, 'in stock');
    assert.equal(pink.item_group_id, '632910392');
    assert.equal(pink.brand, 'Apple');
  });
});
