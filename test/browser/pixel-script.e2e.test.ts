/**
 * The pixel in a real browser against a recording stand-in for POST /v1/collect (playwright routes the
 * requests to the test, which answers as the endpoint does): what the script sends, when it holds back
 * (deny-by-default consent), SPA page views, the stub queue, retries, sendBeacon on the way out, and that
 * nothing the page or the script does wrong reaches the other. /p.js itself is served by the real
 * service. The end-to-end journey against the real endpoint is pixel.e2e.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { pixelBundle } from '../../src/pixel/bundle.js';
import { pixelSnippet } from '../../src/pixel/snippet.js';
import { updateDomainSettings } from '../../src/storage/repos/domains.js';
import { createTenant, eventually, startTestService, type TestService } from '../harness.js';
import {
  browserSkipReason,
  launchChromium,
  recordNetwork,
  type Shop,
  screenshot,
  shopPage,
  startShop,
} from './harness.js';

const skip = browserSkipReason();

/** The page's `tagbridge` as the tests call it (the test's TypeScript has no DOM types). */
type Tagbridge = ((...args: unknown[]) => void) & { errors: number };
const call = (page: Page, ...args: unknown[]): Promise<void> =>
  page.evaluate((a) => (globalThis as unknown as { tagbridge: Tagbridge }).tagbridge(...a), args);
const errorsOf = (page: Page): Promise<number> =>
  page.evaluate(() => (globalThis as unknown as { tagbridge: Tagbridge }).tagbridge.errors);
const KEY = 'pk_standInKey0123456789abcdefghijklmn';

interface CollectBody {
  key: string;
  consent?: { ads?: boolean; analytics?: boolean };
  page: { url: string; referrer: string; title: string };
  cookies: Record<string, string>;
  events: Array<Record<string, unknown> & { eventName: string; eventId?: string; url: string }>;
}
interface Received {
  body: CollectBody;
  contentType: string;
  cookie: string;
  origin: string;
  resourceType: string;
  answered: number;
}

describe('the pixel script in Chromium (stand-in collect endpoint)', { skip: skip ?? false }, () => {
  let service: TestService;
  let browser: Browser;
  let shop: Shop;
  let port: string;
  let hash: string;

  before(async () => {
    service = await startTestService({ listen: true });
    port = new URL(service.address!).port;
    shop = await startShop();
    await createTenant(service, { host: 't.shop.localhost', shopUrl: shop.origin });
    const denying = await createTenant(service, {
      host: 't.deny.localhost',
      shopUrl: `http://deny.localhost:${shop.port}`,
    });
    await updateDomainSettings(
      service.storage.db,
      denying.org.id,
      denying.domain.id,
      { consentDefault: 'deny' },
      Date.now(),
    );
    service.domains.invalidate();
    hash = (await pixelBundle()).hash;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await shop?.close();
    await service?.destroy();
  });

  /** The snippet as a shop pastes it, for the given proxy host on the test service's port (http on localhost). */
  const snippet = (proxyHost = 't.shop.localhost') =>
    pixelSnippet(`${proxyHost}:${port}`, KEY, hash).replace('https://', 'http://');

  /**
   * A fresh browser context whose /v1/collect requests land in `received`, answered with the next status of
   * `statuses` (200 when empty) and the endpoint's CORS headers.
   */
  async function open(name: string, statuses: number[] = []) {
    const context: BrowserContext = await browser.newContext();
    const network = recordNetwork(context);
    const received: Received[] = [];
    const pageErrors: string[] = [];
    await context.route(
      (url) => url.pathname === '/v1/collect',
      async (route: Route) => {
        const request = route.request();
        const headers = await request.allHeaders();
        const status = statuses.shift() ?? 200;
        received.push({
          body: JSON.parse(request.postData() ?? 'null') as CollectBody,
          contentType: headers['content-type'] ?? '',
          cookie: headers.cookie ?? '',
          origin: headers.origin ?? '',
          resourceType: request.resourceType(),
          answered: status,
        });
        await route.fulfill({
          status,
          contentType: 'application/json',
          headers: {
            'access-control-allow-origin': headers.origin ?? '*',
            'access-control-allow-credentials': 'true',
            vary: 'Origin',
          },
          body:
            status === 200 ? '{"success":true}' : '{"error":{"code":"x","message":"stand-in","details":{}}}',
        });
      },
    );
    const page: Page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const events = () => received.flatMap((r) => r.body.events);
    const finish = async () => {
      await screenshot(page, name).catch(() => undefined);
      network.save(name);
      await context.close();
    };
    return { context, page, received, events, pageErrors, network, finish };
  }

  test('landing: one request with key, page, the readable cookies and a PageVisit; the stub queue replayed', async () => {
    shop.render = () =>
      shopPage({ snippet: snippet(), after: "tagbridge('track','ViewContent',{contentName:'Blue widget'})" });
    const s = await open('landing');
    try {
      await s.context.addCookies([
        { name: '_fbp', value: 'fb.1.1700000000000.1234567890', domain: '.shop.localhost', path: '/' },
        { name: '_ga', value: 'GA1.1.111.222', domain: '.shop.localhost', path: '/' },
        { name: 'session', value: 'not-for-the-pixel', domain: '.shop.localhost', path: '/' },
      ]);
      const landing = `${shop.origin}/?fbclid=IwAR0abc&gclid=Cj0KCQ_test&utm_source=meta`;
      const before = Math.floor(Date.now() / 1000);
      await s.page.goto(landing);
      await eventually(async () => s.events().length >= 2);
      assert.equal(s.received.length, 1, 'one batch');
      const [first] = s.received;
      assert.equal(first!.contentType, 'text/plain;charset=UTF-8', 'a simple request: no preflight');
      assert.equal(first!.origin, shop.origin);
      assert.match(first!.cookie, /_fbp=fb\.1\.1700000000000\.1234567890/, 'credentials included');
      const body = first!.body;
      assert.deepEqual(
        Object.keys(body),
        ['key', 'page', 'cookies', 'events'],
        'no consent: the domain default applies',
      );
      assert.equal(body.key, KEY);
      assert.deepEqual(body.page, { url: landing, referrer: '', title: 'Test shop' });
      assert.deepEqual(body.cookies, { _fbp: 'fb.1.1700000000000.1234567890', _ga: 'GA1.1.111.222' });
      // The stub's call (made before /p.js arrived) first, then the automatic page view.
      assert.deepEqual(
        body.events.map((e) => [e.eventName, e.url, e.customData]),
        [
          ['ViewContent', landing, { contentName: 'Blue widget' }],
          ['PageVisit', landing, undefined],
        ],
      );
      for (const event of body.events) {
        assert.match(String(event.eventId), /^px_[A-Za-z0-9_-]{16}$/);
        assert.ok(Number(event.eventTime) >= before && Number(event.eventTime) <= before + 30);
      }
      assert.notEqual(body.events[0]!.eventId, body.events[1]!.eventId);
      assert.equal(await errorsOf(s.page), 0);
      assert.deepEqual(s.pageErrors, []);
    } finally {
      await s.finish();
    }
  });

  test('track and identify: cart, custom, a given id kept; a Purchase with an order id leaves the id to the server', async () => {
    shop.render = () => shopPage({ snippet: snippet() });
    const s = await open('track-identify');
    try {
      await s.page.goto(`${shop.origin}/`);
      await eventually(async () => s.events().length >= 1);
      await s.page.click('#add');
      await call(s.page, 'track', 'NewsletterSignup', { contentName: 'footer' }, { eventId: 'nl-1' });
      await call(s.page, 'identify', {
        email: 'jane@example.com',
        phone: '+16505551212',
        externalId: 42,
        firstName: 'not sent',
      });
      await call(s.page, 'track', 'Purchase', { orderId: 'T-1001', value: 24.5, currency: 'EUR' });
      await eventually(async () => s.events().length >= 4);
      const [, cart, custom, purchase] = s.events();
      assert.equal(cart!.eventName, 'AddToCart');
      assert.deepEqual(cart!.customData, {
        value: 24.5,
        currency: 'EUR',
        contents: [{ id: 'SKU-1', quantity: 1, price: 24.5 }],
      });
      assert.equal(cart!.userData, undefined, 'identify applies to later events only');
      assert.deepEqual(
        [custom!.eventName, custom!.customEventName, custom!.eventId],
        ['Custom', 'NewsletterSignup', 'nl-1'],
      );
      assert.equal(purchase!.eventName, 'Purchase');
      assert.equal('eventId' in purchase!, false, 'the server assigns purchase_T-1001');
      assert.deepEqual(purchase!.customData, { orderId: 'T-1001', value: 24.5, currency: 'EUR' });
      assert.deepEqual(purchase!.userData, {
        email: 'jane@example.com',
        phone: '+16505551212',
        externalId: '42',
      });
    } finally {
      await s.finish();
    }
  });

  test('SPA: pushState and back are page views (the previous page as referrer); same URL, replaceState and #hash are not', async () => {
    shop.render = () => shopPage({ snippet: snippet() });
    const s = await open('spa');
    try {
      const landing = `${shop.origin}/?utm_source=newsletter`;
      await s.page.goto(landing, { referer: 'https://news.example/issue-7' });
      await eventually(async () => s.events().length >= 1);
      await s.page.click('#spa');
      const product = `${shop.origin}/products/blue-widget`;
      await eventually(async () => s.events().length >= 2);
      await s.page.evaluate(`
        history.replaceState({}, '', location.href);
        location.hash = 'reviews';
        history.pushState({}, '', '/products/blue-widget#specs');
      `);
      await s.page.click('#add');
      await eventually(async () => s.events().length >= 3);
      await s.page.goBack();
      await s.page.goBack();
      await s.page.goBack();
      await eventually(async () => s.events().length >= 4);
      await new Promise((r) => setTimeout(r, 600));
      const views = s.received.flatMap((r) =>
        r.body.events.filter((e) => e.eventName === 'PageVisit').map((e) => [e.url, r.body.page]),
      );
      assert.deepEqual(views, [
        [landing, { url: landing, referrer: 'https://news.example/issue-7', title: 'Test shop' }],
        [product, { url: product, referrer: landing, title: 'Test shop' }],
        // Back to the landing: the referrer is the last page counted (the fragments were not pages).
        [landing, { url: landing, referrer: product, title: 'Blue widget' }],
      ]);
      // Every batch carries one page: the AddToCart went with the product page.
      const cart = s.received.find((r) => r.body.events.some((e) => e.eventName === 'AddToCart'))!;
      assert.equal(cart.body.page.url, product);
      assert.ok(cart.body.events.every((e) => e.url.startsWith(product)));
    } finally {
      await s.finish();
    }
  });

  test('deny-by-default domain: no request and no cookie before consent; then the held events, with the consent', async () => {
    shop.render = () => shopPage({ snippet: snippet('t.deny.localhost') });
    const s = await open('consent-deny-default');
    try {
      await s.context.addCookies([
        { name: '_fbp', value: 'fb.1.1700000000000.42', domain: '.deny.localhost', path: '/' },
      ]);
      await s.page.goto(`http://deny.localhost:${shop.port}/?fbclid=IwAR0held`);
      await s.page.click('#add');
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(s.received.length, 0, 'nothing sent before consent');
      assert.deepEqual(
        s.network.entries.filter((e) => e.kind === 'request' && e.url.includes('/v1/collect')),
        [],
      );
      assert.deepEqual(
        (await s.context.cookies()).map((c) => c.name),
        ['_fbp'],
        'no cookie but the one the test set',
      );
      await call(s.page, 'consent', { ads: false, analytics: true });
      await eventually(async () => s.events().length >= 2);
      const [held] = s.received;
      assert.deepEqual(held!.body.consent, { ads: false, analytics: true });
      assert.deepEqual(held!.body.cookies, {}, 'ads refused: the ad cookies are not read');
      assert.deepEqual(
        held!.body.events.map((e) => e.eventName),
        ['PageVisit', 'AddToCart'],
      );
    } finally {
      await s.finish();
    }
  });

  test('the page’s errors do not stop tracking, and bad calls never throw into the page (counted instead)', async () => {
    shop.render = () =>
      shopPage({
        snippet: snippet(),
        before:
          "window.addEventListener('error', function (e) { document.getElementById('log') && (document.getElementById('log').textContent += e.message + '\\n'); }); throw new Error('the page breaks before the pixel');",
        after:
          "tagbridge('no-such-command'); tagbridge('track'); tagbridge('init', {}); tagbridge('consent', null); tagbridge('track', 'AddToCart', {get value() { throw new Error('getter'); }});",
      });
    const s = await open('page-errors');
    try {
      await s.page.goto(`${shop.origin}/`);
      await eventually(async () => s.events().length >= 1);
      await s.page.click('#broken');
      const afterLoad = await s.page.evaluate(() => {
        const tb = (globalThis as unknown as { tagbridge: Tagbridge }).tagbridge;
        const thrown: string[] = [];
        for (const args of [
          [],
          [null],
          ['track', {}],
          ['identify', 'x'],
          ['track', 'Search', { searchString: 'ok' }, { eventId: 'after-bugs' }],
        ]) {
          try {
            tb(...args);
          } catch (error) {
            thrown.push(String(error));
          }
        }
        return { thrown, errors: tb.errors };
      });
      assert.deepEqual(afterLoad.thrown, []);
      assert.ok(afterLoad.errors >= 7, `errors counted: ${afterLoad.errors}`);
      await eventually(async () => s.events().some((e) => e.eventId === 'after-bugs'));
      assert.deepEqual(
        s.events().map((e) => e.eventName),
        ['PageVisit', 'AddToWishlist', 'Search'],
      );
      assert.deepEqual(s.pageErrors.sort(), [
        'the page breaks before the pixel',
        'undefinedFunctionOfThePage is not defined',
      ]);
    } finally {
      await s.finish();
    }
  });

  test('retries: a 503 is tried again with the same events; a 400 is final and counted', async () => {
    shop.render = () => shopPage({ snippet: snippet() });
    const s = await open('retries', [503, 200, 400]);
    try {
      await s.page.goto(`${shop.origin}/`);
      await eventually(async () => s.received.length >= 2);
      const [failed, retried] = s.received;
      assert.deepEqual([failed!.answered, retried!.answered], [503, 200]);
      assert.deepEqual(retried!.body.events, failed!.body.events, 'the same events, ids included');
      await s.page.click('#add');
      await eventually(async () => s.received.length >= 3);
      assert.equal(s.received[2]!.answered, 400);
      await eventually(async () => (await errorsOf(s.page)) === 1);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(s.received.length, 3, 'a refused batch is not sent again');
    } finally {
      await s.finish();
    }
  });

  test('a refused key or origin (401/403): the page stops sending instead of retrying', async () => {
    shop.render = () => shopPage({ snippet: snippet() });
    const s = await open('refused-key', [401]);
    try {
      await s.page.goto(`${shop.origin}/`);
      await eventually(async () => s.received.length >= 1);
      await s.page.click('#add');
      await eventually(async () => (await errorsOf(s.page)) >= 2);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(s.received.length, 1, 'nothing after the refusal');
      assert.deepEqual(s.pageErrors, []);
    } finally {
      await s.finish();
    }
  });

  test('leaving the page: what is still queued goes by sendBeacon (text/plain) on pagehide', async () => {
    shop.render = () => shopPage({ snippet: snippet() });
    const s = await open('pagehide-beacon');
    try {
      await s.page.goto(`${shop.origin}/`);
      await eventually(async () => s.events().length >= 1);
      // Playwright does not see the requests of a document being unloaded, so the test raises pagehide
      // itself (a real departure is pixel.e2e.test.ts's, where the beacon reaches the real endpoint).
      await s.page.evaluate(`
        tagbridge('track', 'Lead', {}, { eventId: 'lead-on-exit' });
        dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
      `);
      await eventually(async () => s.events().some((e) => e.eventId === 'lead-on-exit'));
      const beacon = s.received.find((r) => r.body.events.some((e) => e.eventId === 'lead-on-exit'))!;
      assert.equal(beacon.resourceType, 'ping', 'sent by navigator.sendBeacon');
      assert.equal(beacon.contentType, 'text/plain;charset=UTF-8');
      assert.deepEqual(
        beacon.body.events.map((e) => e.eventName),
        ['Lead'],
      );
    } finally {
      await s.finish();
    }
  });
});
