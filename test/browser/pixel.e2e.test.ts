/**
 * The first-party pixel end to end (issue 12, "Tests must show"), in Debian's chromium: a shop page on
 * http://shop.localhost:<port> loads /p.js from the Tagbridge domain t.shop.localhost, whose POST
 * /v1/collect stores the events, sets the first-party cookies and hands the events to the real worker,
 * which delivers them to the fake Meta, GA4 and Google Ads. The shop's server-side purchase goes through
 * POST /v1/events with the domain's proxy token. Screenshots and the network log: test-artifacts/browser/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { DEV_OAUTH_CLIENT } from '../../src/destinations/google_ads/fake.js';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { clearPageUrl } from '../../src/ingest/page-privacy.js';
import { pixelBundle } from '../../src/pixel/bundle.js';
import { pixelSnippet } from '../../src/pixel/snippet.js';
import { updateDomainSettings } from '../../src/storage/repos/domains.js';
import {
  createSession,
  createTenant,
  eventually,
  proxyHeaders,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from '../harness.js';
import {
  browserSkipReason,
  launchChromium,
  type NetworkEntry,
  recordNetwork,
  type Shop,
  screenshot,
  shopPage,
  startShop,
} from './harness.js';

const skip = browserSkipReason();

const DESTINATIONS = {
  meta: { pixelId: '1234567890', accessToken: 'meta-pixel-e2e-token' },
  ga4: { measurementId: 'G-PIXEL00001', apiSecret: 'ga4-pixel-e2e-secret' },
  google_ads: {
    customerId: '123-456-7890',
    conversionActionId: '987654321',
    clientId: DEV_OAUTH_CLIENT.clientId,
    clientSecret: DEV_OAUTH_CLIENT.clientSecret,
    refreshToken: DEV_OAUTH_CLIENT.refreshToken,
  },
};
const DAYS_390 = 390 * 86400;
const FBCLID = 'IwAR2e2eFbclidValue_0123456789';
const GCLID = 'Cj0KCQiA_e2eGclid-0123456789abcdef';

type Tagbridge = ((...args: unknown[]) => void) & { errors: number };
const errorsOf = (page: Page): Promise<number> =>
  page.evaluate(() => (globalThis as unknown as { tagbridge: Tagbridge }).tagbridge.errors);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface MetaEvent {
  event_name: string;
  event_id: string;
  user_data: { fbc?: string; fbp?: string };
}
interface Ga4Event {
  client_id: string;
  name: string;
  params: Record<string, unknown>;
}

describe('the pixel end to end: Chromium → /p.js → /v1/collect → fake platforms', {
  skip: skip ?? false,
}, () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let browser: Browser;
  let shop: Shop;
  let tenant: Tenant;
  let owner: TestSession;
  let port: string;
  let hash: string;
  let key: string;
  let keyId: string;

  before(async () => {
    fakes = await startFakePlatforms({
      meta: { validTokens: [DESTINATIONS.meta.accessToken] },
      ga4: { validTokens: [DESTINATIONS.ga4.apiSecret] },
    });
    service = await startTestService({
      listen: true,
      env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0' },
    });
    port = new URL(service.address!).port;
    shop = await startShop();
    tenant = await createTenant(service, {
      host: 't.shop.localhost',
      shopUrl: shop.origin,
      destinations: DESTINATIONS,
    });
    owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
    hash = (await pixelBundle()).hash;
    const created = await createKey(tenant);
    key = created.key;
    keyId = created.id;
    // The snippet the management API hands out is pixelSnippet's, for the domain's host.
    assert.ok(
      [pixelSnippet('t.shop.localhost', key, hash), pixelSnippet('t.shop.localhost', key)].includes(
        created.snippet,
      ),
      created.snippet,
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await shop?.close();
    await service?.destroy();
    await fakes?.close();
  });

  async function createKey(t: Tenant): Promise<{ id: string; key: string; snippet: string }> {
    const session = t === tenant ? owner : await createSession(service, { orgId: t.org.id, role: 'owner' });
    const res = await service.app!.inject({
      method: 'POST',
      url: `/v1/domains/${t.domain.id}/pixel-keys`,
      headers: session.headers,
      payload: { name: 'e2e' },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  }

  /** The shop's snippet for the test: the proxy host on the service's port, over http (localhost). */
  const snippet = (k = key, proxyHost = 't.shop.localhost') =>
    pixelSnippet(`${proxyHost}:${port}`, k, hash).replace('https://', 'http://');

  async function open(name: string) {
    const context: BrowserContext = await browser.newContext();
    const network = recordNetwork(context);
    const page: Page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const cookies = async (): Promise<Record<string, Cookie>> =>
      Object.fromEntries((await context.cookies()).map((c) => [c.name, c]));
    const collects = (): NetworkEntry[] =>
      network.entries.filter((e) => e.kind === 'response' && e.url.includes('/v1/collect'));
    const finish = async () => {
      await screenshot(page, name).catch(() => undefined);
      network.save(name);
      await context.close();
    };
    return { context, network, page, pageErrors, cookies, collects, finish };
  }

  const stored = (where: { eventName?: string; eventId?: string; domainId?: string; url?: string }) => {
    let query = service.storage.db
      .selectFrom('events')
      .selectAll()
      .where('domain_id', '=', where.domainId ?? tenant.domain.id)
      .where('source', '=', 'PIXEL');
    if (where.eventName) query = query.where('event_name', '=', where.eventName);
    if (where.eventId) query = query.where('event_id', '=', where.eventId);
    // Stored as the event log keeps a page URL: click ids and other query values are sealed, not kept.
    if (where.url) query = query.where('event_source_url', '=', clearPageUrl(where.url));
    return query.execute();
  };
  const deliveries = (eventPk: string) =>
    service.storage.db
      .selectFrom('deliveries')
      .select(['destination_type', 'status', 'last_error'])
      .where('event_pk', '=', eventPk)
      .execute();
  const settled = (eventPk: string) =>
    eventually(async () => {
      const rows = await deliveries(eventPk);
      if (rows.length === 0 || rows.some((r) => r.status === 'pending')) return undefined;
      return Object.fromEntries(rows.map((r) => [r.destination_type, `${r.status}:${r.last_error ?? ''}`]));
    }, 20_000);
  const metaEvents = () => fakes.meta.accepted as unknown as MetaEvent[];
  const ga4Events = () => fakes.ga4.accepted as unknown as Ga4Event[];
  const adsConversions = () => fakes.google_ads.accepted as Array<Record<string, unknown>>;

  test('a landing with fbclid, gclid and UTM: the cookies in their formats and lifetimes; page view, cart and purchase reach Meta and Google once, deduplicated with the server-side purchase', async () => {
    shop.render = (path) =>
      path.startsWith('/thank-you')
        ? shopPage({
            snippet: snippet(),
            title: 'Thank you',
            after:
              "tagbridge('identify',{email:'Jane.Doe@Example.com',externalId:'cust-77'});tagbridge('track','Purchase',{orderId:'T-2001',value:49.5,currency:'EUR',contents:[{id:'SKU-1',quantity:2,price:24.75}]});",
          })
        : shopPage({ snippet: snippet() });
    const s = await open('journey');
    try {
      const landing = `${shop.origin}/?fbclid=${FBCLID}&gclid=${GCLID}&utm_source=meta&utm_medium=paid&utm_campaign=spring`;
      const startedS = Math.floor(Date.now() / 1000);
      await s.page.goto(landing);
      await eventually(async () => (await s.cookies())._fbc);
      await screenshot(s.page, 'journey-landing');

      const jar = await s.cookies();
      const fbc = jar._fbc!;
      const fbp = jar._fbp!;
      assert.match(fbc.value, new RegExp(`^fb\\.1\\.\\d{13}\\.${FBCLID}$`), 'fbclid kept as it came');
      assert.match(fbp.value, /^fb\.1\.\d{13}\.\d{10}$/);
      assert.match(jar._gcl_aw!.value, new RegExp(`^GCL\\.\\d{10}\\.${GCLID}$`));
      assert.match(jar._tb_vid!.value, /^[A-Za-z0-9_-]{22}$/);
      assert.match(jar._ga!.value, /^GA1\.1\.\d+\.\d{10}$/);
      const fbcMs = Number(fbc.value.split('.')[2]);
      assert.ok(Math.abs(fbcMs / 1000 - startedS) < 60, 'created now, in milliseconds');
      for (const name of ['_fbc', '_fbp', '_gcl_aw', '_tb_vid', '_ga']) {
        const c = jar[name]!;
        assert.equal(c.domain, '.shop.localhost', `${name}: on the registrable domain`);
        assert.equal(c.path, '/');
        assert.equal(c.secure, true, `${name} Secure`);
        assert.equal(c.httpOnly, false, `${name} readable by the shop's scripts`);
        assert.equal(c.sameSite, 'Lax');
        assert.ok(Math.abs(c.expires - (startedS + DAYS_390)) < 120, `${name}: 390 days, ${c.expires}`);
      }
      // Set by the server's answer, not by script: the Set-Cookie lines are in the network log.
      await eventually(async () => s.collects().some((e) => (e.setCookie ?? []).length > 0));
      const setCookie = s.collects().flatMap((e) => e.setCookie ?? []);
      assert.ok(setCookie.some((line) => line.startsWith('_fbc=') && line.includes(`Max-Age=${DAYS_390}`)));

      const [view] = await eventually(async () => {
        const rows = await stored({ eventName: 'PageVisit', url: landing });
        return rows.length ? rows : undefined;
      });
      await s.page.click('#add');
      await s.page.click('#checkout');
      await s.page.waitForURL(`${shop.origin}/checkout`);
      await s.page.goto(`${shop.origin}/thank-you?order=T-2001`);
      const [purchase] = await eventually(async () => {
        const rows = await stored({ eventName: 'Purchase' });
        return rows.length ? rows : undefined;
      });
      assert.equal(purchase!.event_id, 'purchase_T-2001', 'the id the server side uses');
      const [cart] = await stored({ eventName: 'AddToCart' });
      assert.ok(cart, 'the cart event is stored');

      // The shop's server-side purchase for the same order: the same event id, so not delivered twice.
      const server = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: {
          events: [
            {
              eventName: 'Purchase',
              eventTime: Math.floor(Date.now() / 1000),
              userData: { email: 'jane.doe@example.com', ipAddress: '203.0.113.9', userAgent: 'shop-server' },
              customData: { orderId: 'T-2001', value: 49.5, currency: 'EUR' },
            },
          ],
        },
      });
      assert.equal(server.statusCode, 200, server.body);

      // Page view and cart to Meta and GA4 (Google Ads takes conversions only); the purchase to all three.
      for (const row of [view!, cart!]) {
        const outcome = await settled(row.id);
        assert.deepEqual([outcome.meta, outcome.ga4], ['delivered:', 'delivered:'], row.event_name);
      }
      const purchaseOutcome = await settled(purchase!.id);
      assert.deepEqual([purchaseOutcome.meta, purchaseOutcome.ga4], ['delivered:', 'delivered:']);
      assert.match(String(purchaseOutcome.google_ads), /^delivered:/);

      // Meta: each event once, with the browser's fbc and fbp.
      for (const row of [view!, cart!, purchase!]) {
        const seen = metaEvents().filter((e) => e.event_id === row.event_id);
        assert.equal(seen.length, 1, `${row.event_name} reaches Meta once`);
        assert.equal(seen[0]!.user_data.fbc, fbc.value);
        assert.equal(seen[0]!.user_data.fbp, fbp.value);
      }
      assert.deepEqual(
        [view!, cart!, purchase!].map(
          (row) => metaEvents().find((e) => e.event_id === row.event_id)!.event_name,
        ),
        ['PageView', 'AddToCart', 'Purchase'],
      );
      // GA4: the browser's client id from _ga; the purchase once.
      const clientId = jar._ga!.value.split('.').slice(2).join('.');
      const purchases = ga4Events().filter((e) => e.name === 'purchase');
      assert.equal(purchases.length, 1);
      assert.equal(purchases[0]!.params.transaction_id, 'T-2001');
      assert.ok(
        ga4Events().every((e) => e.client_id === clientId),
        'every GA4 event carries the _ga client id',
      );
      assert.equal(ga4Events().filter((e) => e.name === 'add_to_cart').length, 1);
      assert.ok(ga4Events().some((e) => e.name === 'page_view'));
      // Google Ads: the purchase once, with the landing's gclid (from _gcl_aw on the thank-you page).
      const conversions = adsConversions().filter((c) => c.transactionId === 'T-2001');
      assert.equal(conversions.length, 1);
      assert.deepEqual(conversions[0]!.adIdentifiers, { gclid: GCLID });

      // The server-side copy was a duplicate: one Purchase row for the order, from the pixel.
      const allPurchases = await service.storage.db
        .selectFrom('events')
        .select(['source', 'event_id'])
        .where('domain_id', '=', tenant.domain.id)
        .where('event_name', '=', 'Purchase')
        .execute();
      assert.deepEqual(allPurchases, [{ source: 'PIXEL', event_id: 'purchase_T-2001' }]);
      assert.deepEqual(s.pageErrors, []);
      assert.equal(await errorsOf(s.page), 0);
    } finally {
      await s.finish();
    }
  });

  test('SPA navigation is tracked, and the page’s own errors neither stop the pixel nor come from it', async () => {
    shop.render = () =>
      shopPage({ snippet: snippet(), before: "throw new Error('the page breaks before the pixel');" });
    const s = await open('spa-and-page-errors');
    try {
      await s.page.goto(`${shop.origin}/spa-start`);
      await s.page.click('#spa');
      const product = `${shop.origin}/products/blue-widget`;
      const [spaView] = await eventually(async () => {
        const rows = await stored({ eventName: 'PageVisit', url: product });
        return rows.length ? rows : undefined;
      });
      assert.ok(spaView);
      await s.page.click('#broken');
      const [wish] = await eventually(async () => {
        const rows = await stored({ eventName: 'AddToWishlist' });
        return rows.length ? rows : undefined;
      });
      assert.equal(wish!.event_source_url, product);
      assert.match(String((await settled(wish!.id)).meta), /^delivered:/);
      assert.deepEqual(s.pageErrors.sort(), [
        'the page breaks before the pixel',
        'undefinedFunctionOfThePage is not defined',
      ]);
      assert.equal(await errorsOf(s.page), 0);
    } finally {
      await s.finish();
    }
  });

  test('consent refused: no cookie set, no identifier stored, nothing forwarded', async () => {
    shop.render = () =>
      shopPage({ snippet: snippet(), after: "tagbridge('consent',{ads:false,analytics:false});" });
    const s = await open('consent-refused');
    try {
      const landing = `${shop.origin}/refused?fbclid=${FBCLID}refused&gclid=${GCLID}refused`;
      await s.page.goto(landing);
      const [view] = await eventually(async () => {
        const rows = await stored({ eventName: 'PageVisit', url: landing });
        return rows.length ? rows : undefined;
      });
      assert.deepEqual(await s.cookies(), {}, 'no cookie at all');
      const setCookie = s.collects().flatMap((e) => e.setCookie ?? []);
      assert.ok(
        setCookie.every((line) => /Max-Age=0/.test(line)),
        `only expirations, if anything: ${setCookie.join(' | ')}`,
      );
      assert.equal(
        view!.match_keys.split(',').filter((k) => /fbc|fbp|gclid|gaClientId/.test(k)).length,
        0,
        view!.match_keys,
      );
      const outcomes = await settled(view!.id);
      assert.deepEqual([outcomes.meta, outcomes.ga4], ['skipped:consent', 'skipped:consent']);
      assert.match(String(outcomes.google_ads), /^skipped:/, 'Google Ads takes no page views anyway');
      assert.equal(metaEvents().filter((e) => e.event_id === view!.event_id).length, 0);
    } finally {
      await s.finish();
    }
  });

  test('deny-by-default domain without a consent call: no request, no cookie, nothing stored', async () => {
    const denying = await createTenant(service, {
      host: 't.deny.localhost',
      shopUrl: `http://deny.localhost:${shop.port}`,
      destinations: { meta: DESTINATIONS.meta },
    });
    await updateDomainSettings(
      service.storage.db,
      denying.org.id,
      denying.domain.id,
      { consentDefault: 'deny' },
      Date.now(),
    );
    service.domains.invalidate();
    const denyKey = (await createKey(denying)).key;
    shop.render = () => shopPage({ snippet: snippet(denyKey, 't.deny.localhost') });
    const s = await open('consent-deny-default');
    try {
      await s.page.goto(`http://deny.localhost:${shop.port}/?fbclid=${FBCLID}deny`);
      await s.page.click('#add');
      await sleep(1500);
      assert.deepEqual(
        s.network.entries.filter((e) => e.url.includes('/v1/collect')),
        [],
        'no request to collect',
      );
      assert.deepEqual(await s.cookies(), {});
      assert.deepEqual(await stored({ domainId: denying.domain.id }), []);
    } finally {
      await s.finish();
    }
  });

  test('leaving the page right after an event: it still arrives (sendBeacon / keepalive)', async () => {
    shop.render = (path) =>
      path.startsWith('/elsewhere')
        ? '<!doctype html><title>elsewhere</title>'
        : shopPage({ snippet: snippet() });
    const s = await open('departure');
    try {
      await s.page.goto(`${shop.origin}/leaving`);
      await eventually(async () => (await stored({ url: `${shop.origin}/leaving` })).length > 0);
      await s.page.evaluate(
        `tagbridge('track', 'Lead', {}, { eventId: 'lead-on-departure' }); location.href = '/elsewhere';`,
      );
      await s.page.waitForURL(`${shop.origin}/elsewhere`);
      await eventually(async () => (await stored({ eventId: 'lead-on-departure' })).length === 1);
    } finally {
      await s.finish();
    }
  });

  test('refused: a page on a foreign origin (403), a revoked key (401); nothing stored, nothing thrown', async () => {
    // A foreign origin: the same snippet on a site that is not the shop.
    shop.render = () => shopPage({ snippet: snippet() });
    const before = (await stored({})).length;
    const foreign = await open('refused-foreign-origin');
    try {
      // The browser hides a response its CORS check refused (playwright reports net::ERR_FAILED); the
      // DevTools protocol still shows the status the endpoint answered, and why the browser blocked it.
      const urls = new Map<string, string>();
      const statusById = new Map<string, number>();
      const corsErrors: string[] = [];
      const cdp = await foreign.context.newCDPSession(foreign.page);
      await cdp.send('Network.enable');
      cdp.on('Network.requestWillBeSent', (event) => urls.set(event.requestId, event.request.url));
      cdp.on('Network.responseReceivedExtraInfo', (event) => {
        if (event.statusCode !== undefined) statusById.set(event.requestId, event.statusCode);
      });
      cdp.on('Network.loadingFailed', (event) => {
        if (event.corsErrorStatus) corsErrors.push(event.corsErrorStatus.corsError);
      });
      const collectStatuses = () =>
        [...statusById].filter(([id]) => urls.get(id)?.includes('/v1/collect')).map(([, status]) => status);
      await foreign.page.goto(`http://evil.localhost:${shop.port}/?fbclid=${FBCLID}evil`);
      await eventually(async () => collectStatuses().length > 0 && corsErrors.length > 0);
      assert.equal(collectStatuses()[0], 403);
      assert.equal(corsErrors[0], 'MissingAllowOriginHeader');
      assert.ok(foreign.network.entries.some((e) => e.kind === 'failed' && e.url.includes('/v1/collect')));
      assert.deepEqual(await foreign.cookies(), {});
      assert.deepEqual(foreign.pageErrors, []);
    } finally {
      await foreign.finish();
    }

    const res = await service.app!.inject({
      method: 'DELETE',
      url: `/v1/domains/${tenant.domain.id}/pixel-keys/${keyId}`,
      headers: owner.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    const revoked = await open('refused-revoked-key');
    try {
      await revoked.page.goto(`${shop.origin}/after-revocation?fbclid=${FBCLID}revoked`);
      await eventually(async () => revoked.collects().length > 0);
      assert.equal(revoked.collects()[0]!.status, 401);
      await revoked.page.click('#add');
      await eventually(async () => (await errorsOf(revoked.page)) >= 2);
      await sleep(1200);
      assert.equal(revoked.collects().length, 1, 'the pixel stops after a 401');
      assert.deepEqual(Object.keys(await revoked.cookies()), []);
      assert.deepEqual(revoked.pageErrors, []);
    } finally {
      await revoked.finish();
    }
    assert.equal((await stored({})).length, before, 'nothing stored from either page');
  });
});
