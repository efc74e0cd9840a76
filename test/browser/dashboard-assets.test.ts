/**
 * The dashboard's build and how it is served (issue 13): the first load's JavaScript within 200 KB
 * gzipped, hashed immutable assets (gzip and brotli, 304 on a matching tag), a no-cache HTML shell that
 * names them and loads nothing from elsewhere, the written build read back as built, the browser code
 * type-checked with its own tsconfig, and the lists the browser copies equal to the server's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import * as browserLists from '../../src/dashboard/app/constants.js';
import {
  DASHBOARD_JS_BUDGET_GZIP_BYTES,
  dashboardBuild,
  readDashboardBuild,
  writeDashboardBuild,
} from '../../src/dashboard/build.js';
import { EVENT_NAMES } from '../../src/destinations/contract.js';
import { FEED_FORMATS } from '../../src/feeds/definition.js';
import { DELIVERY_STATUSES } from '../../src/management/events/views.js';
import { KNOWN_STATUSES } from '../../src/orders/paid-statuses.js';
import { SHOP_PLATFORMS } from '../../src/orders/shop-order.js';
import { DEFAULT_SCOPES, SCOPES } from '../../src/public-api/keys.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/events.js';
import {
  createSession,
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DAY = 86_400_000;

describe('the dashboard build and its serving', () => {
  let service: TestService;
  let cookie: Record<string, string>;
  let tenant: Tenant;

  before(async () => {
    service = await startTestService({ env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service);
    cookie = (await createSession(service, { orgId: tenant.org.id, role: 'viewer' })).headers;
  });
  after(async () => {
    await service?.destroy();
  });

  test('the first load (every script the shell loads) is within 200 KB of JavaScript gzipped', async () => {
    const built = await dashboardBuild();
    const js = [...built.assets.values()].filter((a) => a.name.endsWith('.js'));
    assert.equal(js.length, 1, 'one script: no lazy chunks the budget would miss');
    const total = js.reduce((n, a) => n + a.gzip.length, 0);
    console.log(
      `# dashboard JavaScript: ${js[0]!.bytes.length} bytes, ${total} gzipped, ${js[0]!.br.length} brotli`,
    );
    assert.ok(
      total <= DASHBOARD_JS_BUDGET_GZIP_BYTES,
      `${total} bytes gzipped > ${DASHBOARD_JS_BUDGET_GZIP_BYTES}`,
    );
    assert.equal(gunzipSync(js[0]!.gzip).compare(js[0]!.bytes), 0);
    assert.equal(brotliDecompressSync(js[0]!.br).compare(js[0]!.bytes), 0);
    // Hashed names: the content decides the name.
    assert.match(built.manifest.js, /^main-[A-Z0-9]{8}\.js$/);
    assert.match(built.manifest.css, /^main-[A-Z0-9]{8}\.css$/);
    // No external network: nothing in the bundle points at another origin to load from.
    for (const asset of built.assets.values()) {
      const text = asset.bytes.toString('utf8');
      assert.doesNotMatch(text, /@import\s+url\(\s*["']?https?:/, asset.name);
      assert.doesNotMatch(text, /fonts\.googleapis|cdn\.jsdelivr|unpkg\.com/, asset.name);
    }
  });

  test('the shell is no-cache, signed-in only, and names the hashed assets of this origin only', async () => {
    const anonymous = await service.app!.inject({ method: 'GET', url: '/app/events' });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, '/sign-in');
    const { manifest } = await dashboardBuild();
    for (const url of ['/app', '/app/domains/dom_x', '/app/org/members']) {
      const res = await service.app!.inject({ method: 'GET', url, headers: cookie });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(String(res.headers['cache-control']), /no-cache/);
      assert.match(String(res.headers['content-security-policy']), /script-src 'self';/);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.ok(res.body.includes(`src="/app/assets/${manifest.js}"`), res.body);
      assert.ok(res.body.includes(`href="/app/assets/${manifest.css}"`), res.body);
      assert.doesNotMatch(res.body, /(src|href)="(https?:)?\/\//, 'nothing from another origin');
    }
  });

  test('hashed assets are immutable for a year, precompressed (br, gzip), with 304 on a matching tag', async () => {
    const { manifest, assets } = await dashboardBuild();
    const url = `/app/assets/${manifest.js}`;
    const br = await service.app!.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.match(String(br.headers['content-type']), /^text\/javascript/);
    assert.equal(br.rawPayload.compare(assets.get(manifest.js)!.br), 0);
    const gz = await service.app!.inject({
      method: 'GET',
      url,
      headers: { 'accept-encoding': 'gzip, br;q=0' },
    });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.notEqual(gz.headers.etag, br.headers.etag, 'one tag per representation');
    const plain = await service.app!.inject({ method: 'GET', url });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.rawPayload.compare(assets.get(manifest.js)!.bytes), 0);
    const again = await service.app!.inject({
      method: 'GET',
      url,
      headers: { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) },
    });
    assert.equal(again.statusCode, 304);
    const css = await service.app!.inject({ method: 'GET', url: `/app/assets/${manifest.css}` });
    assert.match(String(css.headers['content-type']), /^text\/css/);
    const missing = await service.app!.inject({ method: 'GET', url: '/app/assets/main-AAAAAAAA.js' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'not_found');
  });

  test('the overview route counts events per domain over 24 hours and 30 days, and per day', async () => {
    const empty = await service.app!.inject({ method: 'GET', url: '/v1/org/overview', headers: cookie });
    assert.equal(empty.statusCode, 200, empty.body);
    type Body = {
      days: number;
      domains: Array<{
        id: string;
        events24h: number;
        events30d: number;
        daily: Array<{ day: string; events: number }>;
      }>;
    };
    assert.deepEqual(
      (empty.json() as Body).domains.map((d) => [d.id, d.events24h, d.events30d, d.daily.length]),
      [[tenant.domain.id, 0, 0, 30]],
    );
    for (const eventId of ['ov-1', 'ov-2', 'ov-3']) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: [purchaseEvent({ eventId })] },
      });
      assert.equal(res.statusCode, 200, res.body);
    }
    const { db } = service.storage;
    await eventually(
      async () => (await db.selectFrom('events').select('id').execute()).length === 3 || undefined,
    );
    // One event two days old, one 40 days old (outside both windows).
    const now = Date.now();
    await db
      .updateTable('events')
      .set({ received_at: now - 2 * DAY })
      .where('event_id', '=', 'ov-2')
      .execute();
    await db
      .updateTable('events')
      .set({ received_at: now - 40 * DAY })
      .where('event_id', '=', 'ov-3')
      .execute();
    const res = await service.app!.inject({ method: 'GET', url: '/v1/org/overview', headers: cookie });
    const body = res.json() as Body;
    assert.equal(body.days, 30);
    const domain = body.domains[0]!;
    assert.equal(domain.events24h, 1);
    assert.equal(domain.events30d, 2);
    assert.equal(
      domain.daily.reduce((n, d) => n + d.events, 0),
      2,
    );
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    assert.equal(domain.daily.at(-1)!.day, day(now));
    assert.equal(domain.daily.find((d) => d.day === day(now - 2 * DAY))!.events, 1);
    const anonymous = await service.app!.inject({ method: 'GET', url: '/v1/org/overview' });
    assert.equal(anonymous.statusCode, 401);
  });

  test('a written build reads back as built (what npm run build leaves in dist/dashboard-app/)', async () => {
    const built = await dashboardBuild();
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-build-'));
    try {
      writeDashboardBuild(built, dir);
      const read = readDashboardBuild(dir);
      assert.ok(read);
      assert.deepEqual(read.manifest, built.manifest);
      for (const [name, asset] of built.assets) {
        assert.equal(read.assets.get(name)!.bytes.compare(asset.bytes), 0);
        assert.equal(read.assets.get(name)!.etag, asset.etag);
      }
      rmSync(join(dir, `${built.manifest.js}.br`));
      assert.equal(readDashboardBuild(dir), null, 'an incomplete build is not used');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the browser code type-checks with its own tsconfig (DOM, JSX)', () => {
    const tsc = spawnSync(
      process.execPath,
      [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}src/dashboard/app/tsconfig.json`],
      { encoding: 'utf8' },
    );
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  test('the lists the browser copies are the server’s', () => {
    assert.deepEqual([...browserLists.EVENT_NAMES], [...EVENT_NAMES]);
    assert.deepEqual([...browserLists.OUTCOMES], [...DELIVERY_STATUSES]);
    assert.deepEqual([...browserLists.SCOPES], [...SCOPES]);
    assert.deepEqual([...browserLists.DEFAULT_SCOPES], [...DEFAULT_SCOPES]);
    assert.deepEqual({ ...browserLists.WEBHOOK_EVENT_TYPES }, { ...WEBHOOK_EVENT_TYPES });
    assert.deepEqual(Object.keys(browserLists.FEED_FORMATS), [...FEED_FORMATS]);
    assert.deepEqual([...browserLists.SHOP_PLATFORMS], [...SHOP_PLATFORMS]);
    assert.deepEqual(
      JSON.parse(JSON.stringify(browserLists.KNOWN_ORDER_STATUSES)),
      JSON.parse(JSON.stringify(KNOWN_STATUSES)),
    );
  });
});
