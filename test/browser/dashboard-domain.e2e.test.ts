/**
 * The dashboard's domain sub-pages in Debian's chromium (issue 13): signed in through the mailed link, an
 * owner adds a domain and then creates a pixel key (shown once with its snippet, listed by preview, revoked
 * after a confirmation); on the shop connection sees the delivery URLs, reveals and rotates the WooCommerce
 * signing secret, saves which order statuses count as paid (still so after a reload), is told in plain words
 * that a store refused its keys, connects a local WooCommerce order API and imports its orders, then sends
 * the missing ones from the quality page; sees the attribution page empty (with the next step) and with a
 * journey's figures. A viewer sees none of the write actions. axe-core on every page; screenshots and
 * network logs in test-artifacts/browser/dashboard-domain-*.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { type PixelActivity, recordPixelActivity } from '../../src/attribution/record.js';
import { deps } from '../attribution/helpers.js';
import { startDnsServer, type TestDnsServer } from '../dns-server.js';
import { createSession, startTestService, type TestService } from '../harness.js';
import { startSmtpServer, type TestSmtpServer } from '../management/smtp.js';
import { sign, wooOrder } from '../orders/helpers.js';
import { assertFitsWidth, axeCheck, freePort, signInByMail } from './dashboard-helpers.js';
import { browserSkipReason, launchChromium, recordNetwork, screenshot } from './harness.js';

const skip = browserSkipReason();

const OWNER = 'owner@domain-pages.example.com';
const VIEWER = 'viewer@domain-pages.example.com';
const HOST = 'ssp.domain-pages.localhost';
const KEY = `ck_${'a1'.repeat(20)}`;
const SECRET = `cs_${'b2'.repeat(20)}`;

/** WooCommerce's `GET /wp-json/wc/v3/orders` with Basic auth: the orders given, one page. */
function startStore(orders: string[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://store');
    if (url.pathname !== '/wp-json/wc/v3/orders') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"rest_no_route"}');
      return;
    }
    if (req.headers.authorization !== `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(
          '{"code":"woocommerce_rest_authentication_error","message":"Invalid signature","data":{"status":401}}',
        );
      return;
    }
    res
      .writeHead(200, {
        'content-type': 'application/json',
        'x-wp-total': String(orders.length),
        'x-wp-totalpages': '1',
      })
      .end(`[${orders.join(',')}]`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    }),
  );
}

describe("the dashboard's domain pages, driven in Chromium", { skip: skip ?? false }, () => {
  let service: TestService;
  let smtp: TestSmtpServer;
  let dns: TestDnsServer;
  let store: Awaited<ReturnType<typeof startStore>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let network: ReturnType<typeof recordNetwork>;
  let base: string;
  let orgId: string;
  let domainId: string;
  const pageErrors: string[] = [];

  before(async () => {
    smtp = await startSmtpServer();
    dns = await startDnsServer();
    store = await startStore([wooOrder(7001, 'processing', Date.now() - 3600_000)]);
    const port = await freePort();
    base = `http://localhost:${port}`;
    service = await startTestService({
      listen: true,
      env: {
        PORT: String(port),
        PUBLIC_BASE_URL: base,
        PUBLIC_HOSTNAME: 'proxy.tagbridge.test',
        DNS_SERVERS: dns.address,
        SMTP_URL: smtp.url,
        // The store's order API is a local server.
        ALLOW_PRIVATE_NETWORK_TARGETS: '1',
        MANAGEMENT_RATE_LIMIT_PER_MINUTE: '100000',
      },
    });
    const { createOrg } = await import('../../src/storage/repos/orgs.js');
    const org = await createOrg(service.storage.db, { name: 'Domain Pages', plan: 'pro', now: Date.now() });
    orgId = org.id;
    await createSession(service, { orgId, role: 'owner', email: OWNER });
    browser = await launchChromium();
    // bypassCSP: the page's CSP allows only its own scripts; axe-core is added by the test.
    context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    network = recordNetwork(context);
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  after(async () => {
    network?.save('dashboard-domain-owner');
    await browser?.close();
    await service?.destroy();
    await smtp?.close();
    await dns?.close();
    store?.server.close();
  });

  const text = async (locator: Locator) => (await locator.textContent()) ?? '';
  const h1 = () => page.getByRole('heading', { level: 1 });
  const subPage = async (name: string) => {
    await page.goto(`${base}/app/domains/${domainId}`);
    await page.getByRole('link', { name, exact: true }).click();
    await h1()
      .filter({ hasText: `${name}: ${HOST}` })
      .waitFor();
  };

  test('the owner signs in and adds a domain, whose page links to its pixel, shop and attribution pages', async () => {
    await signInByMail(page, base, smtp, OWNER);
    await page.goto(`${base}/app/domains`);
    await page.getByLabel('Proxy domain').fill(HOST);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await h1().filter({ hasText: HOST }).waitFor();
    domainId = /\/app\/domains\/(dom_[0-9a-z]+)/.exec(page.url())?.[1] ?? '';
    assert.ok(domainId, page.url());
    await page.getByRole('button', { name: 'I have stored it' }).click();
    for (const name of ['Pixel keys', 'Shop connection', 'Attribution'])
      await page.getByRole('link', { name, exact: true }).waitFor();
  });

  test('attribution with no orders yet says what to do next', async () => {
    await subPage('Attribution');
    await page.getByText('No orders in this period.').waitFor();
    assert.match(await text(page.getByRole('main')), /create a key and paste its snippet/);
    await page.getByRole('main').getByRole('link', { name: 'pixel keys' }).waitFor();
    await screenshot(page, 'dashboard-domain-attribution-empty');
    await axeCheck(page, 'attribution (empty)');
  });

  test('a pixel key is shown once with its snippet, listed by its preview, and revoked after a confirmation', async () => {
    await subPage('Pixel keys');
    await page.getByText('No pixel keys yet.').waitFor();
    await axeCheck(page, 'pixel keys (empty)');
    await page.getByLabel('Name (optional)').fill('Shop pages');
    await page.getByRole('button', { name: 'Create pixel key' }).click();
    const key = await text(page.getByTestId('secret-value'));
    assert.match(key, /^pk_[0-9A-Za-z_-]+$/);
    const snippet = await text(page.getByTestId('pixel-snippet'));
    assert.ok(snippet.includes(`key:'${key}'`), snippet);
    assert.ok(snippet.includes(`src="https://${HOST}/p.js`), snippet);
    await page.getByRole('button', { name: 'Copy snippet' }).click();
    assert.equal(
      await page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      ),
      snippet,
    );
    const row = page.getByTestId('pixel-key-row').filter({ hasText: 'Shop pages' });
    await row.filter({ hasText: 'active' }).waitFor();
    assert.match(await text(row), /never/);
    assert.ok(!(await text(row)).includes(key), 'the list shows only the preview');
    await screenshot(page, 'dashboard-domain-pixel-created');
    await axeCheck(page, 'pixel keys (created)');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await page.getByTestId('secret-value').count(), 0, 'gone once acknowledged');

    await row.getByRole('button', { name: 'Revoke' }).click();
    const stored = () =>
      service.storage.db.selectFrom('pixel_keys').select('revoked_at').executeTakeFirstOrThrow();
    assert.equal((await stored()).revoked_at, null, 'nothing revoked before confirming');
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await row.filter({ hasText: 'revoked' }).waitFor();
    assert.ok((await stored()).revoked_at, 'revoked in the database');
    assert.equal(await row.getByRole('button', { name: 'Revoke' }).count(), 0);
    await screenshot(page, 'dashboard-domain-pixel-revoked');
  });

  test('the shop connection: delivery URLs, the signing secret revealed and rotated', async () => {
    await subPage('Shop connection');
    const woo = page.getByTestId('webhooks-woocommerce');
    assert.equal(await text(woo.getByTestId('delivery-url')), `${base}/v1/webhooks/woocommerce/${domainId}`);
    assert.equal(
      await text(page.getByTestId('webhooks-shopify').getByTestId('delivery-url')),
      `${base}/v1/webhooks/shopify/${domainId}`,
    );
    await page.getByText('No order webhooks received yet.').waitFor();
    await page.getByTestId('store-woocommerce').getByText('Not connected.').waitFor();
    await axeCheck(page, 'shop connection');

    await woo.getByRole('button', { name: 'Show WooCommerce signing secret' }).click();
    const first = await text(woo.getByTestId('webhook-secret'));
    assert.match(first, /^tbwh_[0-9a-f]{64}$/);
    await woo.getByRole('button', { name: 'Rotate WooCommerce secret' }).click();
    await woo.getByRole('button', { name: 'Yes, rotate woocommerce secret' }).click();
    await woo.getByText('New secret made').waitFor();
    const second = await text(woo.getByTestId('webhook-secret'));
    assert.match(second, /^tbwh_[0-9a-f]{64}$/);
    assert.notEqual(second, first);
    assert.match(await text(woo), /previous secret keeps verifying until/);
    // What the page shows is what the API keeps.
    const kept = await page.evaluate(
      async (id) =>
        (
          (await (
            await fetch(`/v1/domains/${id}/shop-webhooks/woocommerce/secret`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{}',
            })
          ).json()) as { secret: string }
        ).secret,
      domainId,
    );
    assert.equal(kept, second);
    await screenshot(page, 'dashboard-domain-shop-secret');

    // A delivery signed with the secret shown is accepted and listed with what it did.
    const body = wooOrder(7002, 'pending', Date.now() - 60_000);
    const delivered = await service.app!.inject({
      method: 'POST',
      url: `/v1/webhooks/woocommerce/${domainId}`,
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-signature': sign(second, body),
        'x-wc-webhook-delivery-id': 'delivery-1',
      },
      payload: body,
    });
    assert.equal(delivered.statusCode, 200, delivered.body);
    await service.orders!.drain();
    await page.reload();
    const received = page
      .getByRole('table', { name: 'The 20 newest order webhooks' })
      .getByRole('row')
      .filter({ hasText: 'order.created' });
    await received.waitFor();
    assert.match(await text(received), /WooCommerce/);
    assert.match(await text(received), /processed/);
    await axeCheck(page, 'shop connection (a webhook received)');
  });

  test('which orders count as paid: saved, and still so after a reload', async () => {
    const woo = page.getByTestId('paid-woocommerce');
    assert.match(await text(woo), /defaults/);
    assert.equal(await woo.getByLabel('processing').isChecked(), true);
    assert.equal(await woo.getByLabel('completed').isChecked(), true);
    await woo.getByLabel('completed').uncheck();
    await woo.getByLabel('on-hold').check();
    await page.getByRole('button', { name: 'Save paid statuses' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await page.reload();
    await woo.filter({ hasText: 'changed' }).waitFor();
    assert.equal(await woo.getByLabel('completed').isChecked(), false);
    assert.equal(await woo.getByLabel('on-hold').isChecked(), true);
    assert.equal(await woo.getByLabel('processing').isChecked(), true);
    // Shopify, left alone, still follows the defaults.
    const shopify = page.getByTestId('paid-shopify');
    assert.match(await text(shopify), /defaults/);
    assert.equal(await shopify.getByLabel('paid', { exact: true }).isChecked(), true);
    const settings = await page.evaluate(
      async (id) =>
        (await (await fetch(`/v1/domains/${id}/order-settings`)).json()) as {
          paidStatuses: Record<string, string[]>;
        },
      domainId,
    );
    assert.deepEqual(settings.paidStatuses.woocommerce, ['processing', 'on-hold']);
  });

  test("the store's order API: refused keys explained in plain words, good ones connect, the import runs", async () => {
    const card = page.getByTestId('store-woocommerce');
    await card.getByRole('button', { name: 'Connect the WooCommerce store' }).click();
    await card.getByLabel('Shop URL').fill(store.url);
    await card.getByLabel('Consumer key').fill(KEY);
    await card.getByLabel('Consumer secret').fill(`cs_${'0'.repeat(40)}`);
    await axeCheck(page, 'store form');
    await card.getByRole('button', { name: 'Check and save' }).click();
    const error = card.getByRole('alert');
    await error.filter({ hasText: 'The store refused these credentials (HTTP 401)' }).waitFor();
    assert.match(await text(error), /Check the highlighted values and try again/);
    assert.match(await text(error), /consumerKey: the store answered 401/);
    await screenshot(page, 'dashboard-domain-store-refused');

    await card.getByLabel('Consumer secret').fill(SECRET);
    await card.getByRole('button', { name: 'Check and save' }).click();
    await card
      .getByTestId('store-status')
      .filter({ hasText: `Connected to ${store.url}` })
      .waitFor();
    assert.ok(!(await text(card)).includes(KEY), 'the key is masked');
    await card.getByRole('button', { name: 'Import the last 7 days of orders' }).click();
    await card.getByTestId('import-result').waitFor();
    assert.equal(
      await text(card.getByTestId('import-result')),
      'Read 1 order from the store; 1 new or changed, queued to become Purchases where paid.',
    );
    await screenshot(page, 'dashboard-domain-store-imported');
    await axeCheck(page, 'shop connection (connected)');
    // At a phone's width: the long URLs and tables wrap or scroll inside the page.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await assertFitsWidth(page, 390, 'the shop connection');
      await screenshot(page, 'dashboard-domain-shop-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test('the quality page offers to send the missing orders, after a confirmation', async () => {
    await service.orders!.drain();
    await page.goto(`${base}/app/domains/${domainId}/quality`);
    await page.getByText(/1 paid orders/).waitFor();
    await page.getByRole('button', { name: 'Send the missing orders' }).click();
    await page.getByRole('button', { name: 'Yes, send the missing orders' }).click();
    // No destination yet: nothing is missing anywhere, and the page says so.
    await page.getByTestId('backfill-result').waitFor();
    assert.match(
      await text(page.getByTestId('backfill-result')),
      /^0 paid orders were missing somewhere; 0 sent now/,
    );
    await axeCheck(page, 'quality with backfill');
  });

  test("attribution with a journey's figures: the channel table and the chart", async () => {
    // What POST /v1/collect records for the pixel: a Meta ad click, then the purchase, by one visitor.
    const now = Date.now();
    const activity = (at: number, extra: Partial<PixelActivity>) =>
      recordPixelActivity(deps(service), {
        orgId,
        domainId,
        visitorId: 'vid-browser-1',
        now: at,
        page: { url: 'https://shop.example.com/', referrer: null },
        clickIds: {},
        utm: {},
        identity: null,
        purchases: [],
        ...extra,
      });
    await activity(now - 2 * 3600_000, { clickIds: { fbclid: 'FBCLID-dash-1' } });
    await activity(now - 3600_000, {
      purchases: [
        {
          orderId: 'D-1',
          eventId: 'purchase_D-1',
          value: 42.5,
          currency: 'EUR',
          eventTime: Math.floor((now - 3600_000) / 1000),
        },
      ],
    });
    await subPage('Attribution');
    const channels = page.getByTestId('attribution-channels');
    await channels.waitFor();
    const meta = channels.getByRole('row').filter({ hasText: 'Meta ads' });
    assert.deepEqual(await meta.getByRole('cell').allTextContents(), ['1', '42.50 EUR', '1', '42.50 EUR']);
    const order = page.getByTestId('attribution-order').filter({ hasText: 'D-1' });
    assert.match(await text(order), /Meta ads/);
    assert.ok(!(await text(page.getByRole('main'))).includes('FBCLID-dash-1'), 'no click id values shown');
    // The chart: a uPlot canvas, and its numbers as a table for screen readers.
    await page.locator('figure.chart canvas').first().waitFor();
    assert.match(await text(page.locator('figure.chart table.sr-only')), /1/);
    await screenshot(page, 'dashboard-domain-attribution');
    await axeCheck(page, 'attribution');
  });

  test('a viewer sees the pages but none of the create, revoke, rotate or save actions', async () => {
    await createSession(service, { orgId, role: 'viewer', email: VIEWER });
    // An active key the viewer could revoke if the page offered it.
    const created = await page.evaluate(
      async (id) =>
        (
          await fetch(`/v1/domains/${id}/pixel-keys`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"name":"Live key"}',
          })
        ).status,
      domainId,
    );
    assert.equal(created, 201);
    const viewerContext = await browser.newContext({ bypassCSP: true });
    const viewerNetwork = recordNetwork(viewerContext);
    const viewer = await viewerContext.newPage();
    viewer.setDefaultTimeout(15_000);
    viewer.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await signInByMail(viewer, base, smtp, VIEWER);
      await viewer.goto(`${base}/app/domains/${domainId}/pixel`);
      await viewer
        .getByTestId('pixel-key-row')
        .filter({ hasText: 'Live key' })
        .filter({ hasText: 'active' })
        .waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Create pixel key' }).count(), 0);
      assert.equal(await viewer.getByRole('button', { name: 'Revoke' }).count(), 0);
      await viewer.getByText('Only admins and owners can create or revoke pixel keys.').waitFor();
      await axeCheck(viewer, 'viewer pixel keys');

      await viewer.goto(`${base}/app/domains/${domainId}/shop`);
      await viewer.getByTestId('store-woocommerce').getByTestId('store-status').waitFor();
      await viewer.getByTestId('paid-woocommerce').waitFor();
      for (const name of [
        'Show WooCommerce signing secret',
        'Show Shopify signing secret',
        'Rotate WooCommerce secret',
        'Store Shopify’s key',
        'Save paid statuses',
        'Back to the defaults',
        'Connect the WooCommerce store',
        'Change the store access',
        'Import the last 7 days of orders',
      ])
        assert.equal(await viewer.getByRole('button', { name }).count(), 0, `viewer sees no "${name}"`);
      assert.equal(await viewer.getByTestId('paid-woocommerce').getByLabel('processing').isDisabled(), true);
      assert.equal(await viewer.getByTestId('delivery-url').count(), 2, 'the URLs are not secret');
      await screenshot(viewer, 'dashboard-domain-viewer-shop');
      await axeCheck(viewer, 'viewer shop connection');

      await viewer.goto(`${base}/app/domains/${domainId}/quality`);
      await viewer.getByText(/1 paid orders/).waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Send the missing orders' }).count(), 0);

      await viewer.goto(`${base}/app/domains/${domainId}/attribution`);
      await viewer.getByTestId('attribution-channels').waitFor();
      await axeCheck(viewer, 'viewer attribution');
      // What the UI hides, the API refuses.
      const status = await viewer.evaluate(
        async (id) =>
          (await fetch(`/v1/domains/${id}/shop-webhooks/woocommerce/rotate`, { method: 'POST' })).status,
        domainId,
      );
      assert.equal(status, 403);
    } finally {
      viewerNetwork.save('dashboard-domain-viewer');
      await viewerContext.close();
    }
    assert.deepEqual(pageErrors, [], 'no script errors in the pages');
  });
});
