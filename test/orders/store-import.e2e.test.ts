/**
 * Importing orders from the store's own API (issue 10 §3: orders whose webhooks never arrived), against a
 * local WooCommerce REST server that checks the keys and pages its answers like WooCommerce: the keys are
 * checked before they are kept, the import feeds the same inbox as webhooks, and importing twice sends
 * nothing twice.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import {
  createSession,
  createTenant,
  eventually,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from '../harness.js';
import { GOOD, wooOrder } from './helpers.js';

const KEY = `ck_${'a1'.repeat(20)}`;
const SECRET = `cs_${'b2'.repeat(20)}`;

/** WooCommerce's `GET /wp-json/wc/v3/orders`: Basic auth, 2 orders per page here, X-WP-TotalPages. */
function startStore(orders: string[]): Promise<{ server: Server; url: string; queries: URLSearchParams[] }> {
  const queries: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://store');
    const expected = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
    if (url.pathname !== '/wp-json/wc/v3/orders') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"rest_no_route"}');
      return;
    }
    if (req.headers.authorization !== expected) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(
          '{"code":"woocommerce_rest_authentication_error","message":"Invalid signature - provided signature does not match.","data":{"status":401}}',
        );
      return;
    }
    queries.push(url.searchParams);
    const page = Number(url.searchParams.get('page') ?? '1');
    const slice = orders.slice((page - 1) * 2, page * 2);
    res
      .writeHead(200, {
        'content-type': 'application/json',
        'x-wp-total': String(orders.length),
        'x-wp-totalpages': String(Math.ceil(orders.length / 2)),
      })
      .end(`[${slice.join(',')}]`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, queries });
    }),
  );
}

describe('importing orders from the store', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let tenant: Tenant;
  let admin: TestSession;
  let store: Awaited<ReturnType<typeof startStore>>;

  before(async () => {
    const t = Date.now() - 3600_000;
    store = await startStore([
      wooOrder(6001, 'processing', t),
      wooOrder(6002, 'pending', t + 1000),
      wooOrder(6003, 'completed', t + 2000),
    ]);
    fakes = await startFakePlatforms({ validTokens: [GOOD.meta!.accessToken as string] });
    service = await startTestService({ env: { ...fakes.urls, ALLOW_PRIVATE_NETWORK_TARGETS: '1' } });
    tenant = await createTenant(service, { destinations: { meta: GOOD.meta! } });
    admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
    store.server.close();
  });

  const call = (method: 'PUT' | 'GET' | 'POST', suffix: string, payload?: Record<string, unknown>) =>
    service.app!.inject({
      method,
      url: `/v1/domains/${tenant.domain.id}/shop-store/woocommerce${suffix}`,
      headers: admin.headers,
      ...(payload !== undefined ? { payload } : {}),
    });

  test('keys the store refuses are not kept; good ones are, shown masked', async () => {
    const wrong = await call('PUT', '', {
      store: store.url,
      consumerKey: KEY,
      consumerSecret: `cs_${'0'.repeat(40)}`,
    });
    assert.equal(wrong.statusCode, 400, wrong.body);
    assert.equal(wrong.json().error.code, 'validation_failed');
    assert.match(wrong.json().error.message, /refused these credentials \(HTTP 401\)/);
    assert.equal((await call('GET', '')).statusCode, 404);
    const malformed = await call('PUT', '', {
      store: store.url,
      consumerKey: 'ck_short',
      consumerSecret: SECRET,
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.details.field, 'consumerKey');

    const ok = await call('PUT', '', { store: `${store.url}/`, consumerKey: KEY, consumerSecret: SECRET });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().storeUrl, store.url);
    assert.ok(!ok.body.includes(KEY) && !ok.body.includes(SECRET), 'credentials never shown');
    const row = await service.storage.db
      .selectFrom('shop_store_access')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.ok(!row.credentials_sealed.includes(KEY), 'sealed at rest');
  });

  test('the import reads every page into the inbox; paid orders become Purchases; twice sends nothing twice', async () => {
    const first = await call('POST', '/import', {});
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json(), { read: 3, queued: 3, truncated: false });
    assert.deepEqual(store.queries.map((q) => q.get('page')).slice(-2), ['1', '2']);
    assert.equal(store.queries.at(-1)?.get('dates_are_gmt'), 'true');
    await service.orders!.drain();
    const count = (id: string) =>
      (fakes.meta.accepted as unknown[]).filter((e) => JSON.stringify(e).includes(`"purchase_${id}"`)).length;
    await eventually(async () => count('6001') === 1 && count('6003') === 1);
    assert.equal(count('6002'), 0, 'a pending order is not a Purchase');

    // A bare POST (no body) is the same import with the defaults.
    const second = await call('POST', '/import');
    assert.deepEqual(second.json(), { read: 3, queued: 0, truncated: false });
    await service.orders!.drain();
    assert.deepEqual([count('6001'), count('6003')], [1, 1]);
    const access = await call('GET', '');
    assert.match(access.json().lastImportResult, /3 orders read, 0 new/);
  });
});
