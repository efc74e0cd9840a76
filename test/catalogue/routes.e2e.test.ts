/**
 * The management API of the catalogue sync on a service running the worker role: "sync now" wakes the
 * worker, which syncs the fake store; progress and the products are read back; another org gets 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FakeWooCommerceStore, startFakeWooCommerce } from '../../src/dev/fakes/woocommerce-store.js';
import { createSession, createTenant, startTestService, type TestService } from '../harness.js';
import { insertChannel } from '../stores/helpers.js';
import { CATALOGUE_ENV } from './helpers.js';

describe('store channel sync routes', () => {
  let service: TestService;
  let store: FakeWooCommerceStore;

  before(async () => {
    service = await startTestService({ role: 'all', env: CATALOGUE_ENV });
    store = await startFakeWooCommerce({ generated: 120 });
  });
  after(async () => {
    await store.close();
    await service.destroy();
  });

  test('POST sync queues a run the worker does; GET sync shows it; GET products pages through', async () => {
    const tenant = await createTenant(service);
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const id = await insertChannel(service, {
      orgId: tenant.org.id,
      platform: 'woocommerce',
      storeUrl: store.url,
      // On demand only: nothing runs before it is asked for.
      intervalMinutes: 0,
      credentials: {
        platform: 'woocommerce',
        consumerKey: store.consumerKey,
        consumerSecret: store.consumerSecret,
      },
    });
    const before = await service.app!.inject({
      method: 'GET',
      url: `/v1/store-channels/${id}/sync`,
      headers: admin.headers,
    });
    assert.equal(before.statusCode, 200, before.body);
    assert.equal(before.json().state, 'idle');
    assert.equal(before.json().products, 0);

    const asked = await service.app!.inject({
      method: 'POST',
      url: `/v1/store-channels/${id}/sync`,
      headers: admin.headers,
      payload: { full: true },
    });
    assert.equal(asked.statusCode, 202, asked.body);
    assert.equal(asked.json().queued, true);

    let progress: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) {
      const res = await service.app!.inject({
        method: 'GET',
        url: `/v1/store-channels/${id}/sync`,
        headers: admin.headers,
      });
      progress = res.json();
      if (progress.lastResult !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(progress.lastResult, 'success', JSON.stringify(progress));
    assert.equal(progress.state, 'idle');
    assert.equal(progress.products, 123);
    assert.equal(progress.done, 123);
    assert.equal(progress.total, 123);
    assert.equal(progress.nextSyncAt, null, 'on demand only');

    const first = await service.app!.inject({
      method: 'GET',
      url: `/v1/store-channels/${id}/products?limit=100`,
      headers: admin.headers,
    });
    assert.equal(first.statusCode, 200, first.body);
    const page1 = first.json() as { products: Array<{ id: string }>; next: string | null; total: number };
    assert.equal(page1.products.length, 100);
    assert.equal(page1.total, 123);
    const second = await service.app!.inject({
      method: 'GET',
      url: `/v1/store-channels/${id}/products?limit=100&after=${page1.next}`,
      headers: admin.headers,
    });
    const page2 = second.json() as { products: Array<{ id: string }>; next: string | null };
    assert.equal(page2.products.length, 23);
    assert.equal(page2.next, null);
    const ids = new Set([...page1.products, ...page2.products].map((p) => p.id));
    assert.equal(ids.size, 123);

    const stranger = await createSession(service, {
      orgId: (await createTenant(service)).org.id,
      role: 'owner',
    });
    for (const [method, url] of [
      ['GET', `/v1/store-channels/${id}/sync`],
      ['POST', `/v1/store-channels/${id}/sync`],
      ['GET', `/v1/store-channels/${id}/products`],
    ] as const) {
      const res = await service.app!.inject({ method, url, headers: stranger.headers });
      assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
    }
  });
});
