/**
 * Shopify OAuth against the fake Shopify: init (JWT) → consent (the fake approves at once) → callback →
 * token exchange → a sealed Shopify channel; and every forged callback refused: bad HMAC, replayed state,
 * a state from another browser, a bad shop host, another shop than the state's, a stale timestamp.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { type FakeShopify, shopifyQueryHmac, startFakeShopify } from '../../src/dev/fakes/shopify-store.js';
import type { StoreCredentials } from '../../src/orders/store-orders.js';
import { channelAad } from '../../src/orders/store-orders.js';
import { createSession, createTenant, ManualClock, startTestService, type TestService } from '../harness.js';
import { CapturingMailer } from '../management/helpers.js';
import { assertSeedError, call, uniqueEmail } from './helpers.js';

describe('Shopify OAuth', () => {
  let service: TestService;
  let shopify: FakeShopify;
  let token: string;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  before(async () => {
    shopify = await startFakeShopify({
      now: () => clock.now(),
      shops: { 'demo.myshopify.com': {}, 'other.myshopify.com': {} },
    });
    service = await startTestService({
      role: 'api',
      clock,
      mailer: new CapturingMailer(),
      env: {
        SHOPIFY_API_KEY: shopify.apiKey,
        SHOPIFY_API_SECRET: shopify.apiSecret,
        SHOPIFY_SHOP_URL: shopify.shopUrlTemplate,
        PUBLIC_BASE_URL: 'https://panel.tagbridge.test',
      },
    });
    const reg = await call(service, 'POST', '/api/auth/register-from-plugin', {
      body: { email: uniqueEmail('shopify'), storeUrl: 'https://demo.example', source: 'shopify' },
    });
    token = String(reg.body.token);
  });
  after(async () => {
    await service.destroy();
    await shopify.close();
  });

  /** init → the browser's state cookie and the fake's redirect back (the callback's path and query). */
  async function begin(shopDomain = 'demo', bearer = token): Promise<{ cookie: string; callback: URL }> {
    const init = await service.app!.inject({
      method: 'POST',
      url: '/api/shopify/oauth/init',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ shopDomain }),
    });
    assert.equal(init.statusCode, 200, init.body);
    const { authUrl } = JSON.parse(init.body) as { authUrl: string };
    const setCookie = String(init.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);
    assert.match(setCookie, /Path=\/api\/shopify\/oauth\/callback/);
    const cookie = /tb_shopify_state=([^;]+)/.exec(setCookie)![1]!;
    const consent = await request(authUrl, { method: 'GET' });
    await consent.body.text();
    assert.equal(consent.statusCode, 302);
    return { cookie, callback: new URL(String(consent.headers.location)) };
  }

  const land = (url: URL, cookie?: string) =>
    service.app!.inject({
      method: 'GET',
      url: `${url.pathname}${url.search}`,
      headers: cookie ? { cookie: `tb_shopify_state=${cookie}` } : {},
    });

  /** The callback with its query changed and signed again with the app secret (a forger who knew it). */
  function resigned(url: URL, change: Record<string, string>): URL {
    const params = Object.fromEntries(url.searchParams);
    delete params.hmac;
    Object.assign(params, change);
    const out = new URL(url);
    out.search = '';
    for (const [k, v] of Object.entries(params)) out.searchParams.set(k, v);
    out.searchParams.set('hmac', shopifyQueryHmac(params, shopify.apiSecret));
    return out;
  }

  const errorOf = (location: string): string =>
    new URL(location, 'https://x').searchParams.get('message') ?? '';

  test('status and init: configured; the authorize URL as Shopify documents it', async () => {
    const status = await call(service, 'GET', '/api/shopify/oauth/status', { token });
    assert.deepEqual(status.body, { configured: true });
    assertSeedError(await call(service, 'GET', '/api/shopify/oauth/status'), 401);
    const init = await call(service, 'POST', '/api/shopify/oauth/init', {
      token,
      body: { shopDomain: 'demo' },
    });
    const url = new URL(String(init.body.authUrl));
    assert.equal(`${url.origin}${url.pathname}`, `${shopify.url}/demo.myshopify.com/admin/oauth/authorize`);
    assert.equal(url.searchParams.get('client_id'), shopify.apiKey);
    assert.equal(url.searchParams.get('scope'), 'read_products,read_orders');
    assert.equal(
      url.searchParams.get('redirect_uri'),
      'https://panel.tagbridge.test/api/shopify/oauth/callback',
    );
    assert.equal(url.searchParams.get('grant_options[]'), '');
    assert.match(url.searchParams.get('state') ?? '', /^[0-9a-f]{64}$/);
    for (const bad of ['evil.com', 'demo.myshopify.com.evil.com', 'https://demo.myshopify.com', 'de mo']) {
      assertSeedError(
        await call(service, 'POST', '/api/shopify/oauth/init', { token, body: { shopDomain: bad } }),
        400,
      );
    }
    assertSeedError(
      await call(service, 'POST', '/api/shopify/oauth/init', { body: { shopDomain: 'demo' } }),
      401,
    );
  });

  test('the full flow stores a sealed offline token; a replay of the same callback fails', async () => {
    const { cookie, callback } = await begin();
    const res = await land(callback, cookie);
    assert.equal(res.statusCode, 302);
    const location = String(res.headers.location);
    assert.match(location, /^\/sales-channels\/chn_[0-9a-z]+\?oauth=success$/);
    const channelId = location.split('/')[2]!.split('?')[0]!;
    const row = await service.storage.db
      .selectFrom('store_channels')
      .selectAll()
      .where('id', '=', channelId)
      .executeTakeFirstOrThrow();
    assert.equal(row.platform, 'shopify');
    assert.equal(row.store_url, 'demo.myshopify.com');
    const creds = service.sealer.open<StoreCredentials>(row.credentials_sealed!, channelAad(channelId));
    assert.equal(creds.platform, 'shopify');
    assert.match(creds.platform === 'shopify' ? creds.accessToken : '', /^shpat_/);
    assert.equal(shopify.requests.filter((r) => r.path === '/admin/oauth/access_token').at(-1)?.status, 200);

    const replay = await land(callback, cookie);
    assert.equal(replay.statusCode, 302);
    assert.match(String(replay.headers.location), /^\/sales-channels\?oauth=error&message=/);
    assert.match(errorOf(String(replay.headers.location)), /already used/);
  });

  test('forged callbacks are refused and exchange nothing', async () => {
    const exchanges = () => shopify.requests.filter((r) => r.path === '/admin/oauth/access_token').length;
    const channels = async () =>
      Number(
        (
          await service.storage.db
            .selectFrom('store_channels')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = { exchanges: exchanges(), channels: await channels() };

    // Bad HMAC.
    let { cookie, callback } = await begin();
    const tampered = new URL(callback);
    tampered.searchParams.set('hmac', 'f'.repeat(64));
    let res = await land(tampered, cookie);
    assert.match(errorOf(String(res.headers.location)), /bad signature/);
    const unsigned = new URL(callback);
    unsigned.searchParams.set('code', 'another');
    res = await land(unsigned, cookie);
    assert.match(errorOf(String(res.headers.location)), /bad signature/);

    // A foreign state: started by another user (another browser); this browser holds another cookie.
    const other = await call(service, 'POST', '/api/auth/register-from-plugin', {
      body: { email: uniqueEmail('attacker'), storeUrl: 'https://a.example', source: 'shopify' },
    });
    const foreign = await begin('demo', String(other.body.token));
    res = await land(foreign.callback, cookie);
    assert.match(errorOf(String(res.headers.location)), /another browser/);
    res = await land(foreign.callback);
    assert.match(errorOf(String(res.headers.location)), /another browser/);

    // A bad shop host, and another shop than the state's (both correctly signed).
    ({ cookie, callback } = await begin());
    res = await land(resigned(callback, { shop: 'evil.com' }), cookie);
    assert.match(errorOf(String(res.headers.location)), /not a myshopify\.com store/);
    res = await land(resigned(callback, { shop: 'other.myshopify.com' }), cookie);
    assert.match(errorOf(String(res.headers.location)), /does not match/);

    // Stale: Shopify's timestamp more than 90 s old.
    ({ cookie, callback } = await begin());
    clock.advance(91_000);
    res = await land(callback, cookie);
    assert.match(errorOf(String(res.headers.location)), /stale/);

    // An unknown state, and a state past its 10 minutes.
    ({ cookie, callback } = await begin());
    res = await land(resigned(callback, { state: 'a'.repeat(64) }), cookie);
    assert.match(errorOf(String(res.headers.location)), /Unknown connection attempt/);
    clock.advance(11 * 60_000);
    res = await land(resigned(callback, { timestamp: String(Math.floor(clock.now() / 1000)) }), cookie);
    assert.match(errorOf(String(res.headers.location)), /expired/);

    assert.equal(exchanges(), before.exchanges, 'no code was exchanged');
    assert.equal(await channels(), before.channels, 'no channel was made');
  });

  test('a dashboard session may start it too (same-origin, admin); a viewer may not', async () => {
    const tenant = await createTenant(service);
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const viewer = await createSession(service, { orgId: tenant.org.id, role: 'viewer' });
    const init = (headers: Record<string, string>) =>
      service.app!.inject({
        method: 'POST',
        url: '/api/shopify/oauth/init',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ shopDomain: 'demo.myshopify.com' }),
      });
    assert.equal((await init(admin.headers)).statusCode, 200);
    const denied = await init(viewer.headers);
    assert.equal(denied.statusCode, 403);
    assert.equal(JSON.parse(denied.body).statusCode, 403);
    const crossSite = await init({ ...admin.headers, origin: 'https://evil.example' });
    assert.equal(crossSite.statusCode, 403);
  });
});
