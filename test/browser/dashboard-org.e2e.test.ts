/**
 * The dashboard's organisation-level pages in Debian's chromium (issue 13): outbound webhooks against a
 * local receiver (secret shown once, a test message with the receiver's answer, the signature checked with
 * the standardwebhooks library, the delivery log, resend, rotation, disable, edit, delete); a connected
 * WooCommerce store (the fake) synced from the Stores page and its products browsed, linked to a domain
 * with its sync interval set (a deleted domain refused in plain words), then unlinked; a product feed created,
 * its public URL fetched and deleted; a person who sent an event exported (the JSON downloaded) and erased
 * from the Organisation's privacy tab; a viewer who sees none of the admin and owner actions; axe-core on
 * every page. Screenshots and network logs: test-artifacts/browser/dashboard-org-*.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { type FakeWooCommerceStore, startFakeWooCommerce } from '../../src/dev/fakes/woocommerce-store.js';
import { CATALOGUE_ENV } from '../catalogue/helpers.js';
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
import { startSmtpServer, type TestSmtpServer } from '../management/smtp.js';
import { insertChannel } from '../stores/helpers.js';
import { assertFitsWidth, axeCheck, freePort, signInByMail } from './dashboard-helpers.js';
import { browserSkipReason, launchChromium, recordNetwork, screenshot } from './harness.js';

const skip = browserSkipReason();

const OWNER = 'owner@dash-org.example.com';
const VIEWER = 'viewer@dash-org.example.com';
const PERSON = 'Petra.Privacy@dash-org-shopper.example';
const STORE_NAME = 'Widget Woo';
const FEED_SLUG = 'dash-org-widgets';
const LINKED_HOST = 'ssp.widget-woo.example.com';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that answers 200 with a short body and keeps what it received. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('thanks from the receiver');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/tagbridge`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Verifies a received message with `secret` (Standard Webhooks), returning its parsed body. */
function verified(secret: string, message: Received): { type: string; data: unknown } {
  return new Webhook(secret).verify(message.body, {
    'webhook-id': String(message.headers['webhook-id']),
    'webhook-timestamp': String(message.headers['webhook-timestamp']),
    'webhook-signature': String(message.headers['webhook-signature']),
  }) as { type: string; data: unknown };
}

describe('the dashboard’s organisation pages, driven in Chromium', { skip: skip ?? false }, () => {
  let service: TestService;
  let fakes: FakePlatforms;
  let smtp: TestSmtpServer;
  let store: FakeWooCommerceStore;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let tenant: Tenant;
  let channelId: string;
  let browser: Browser;
  let owner: { context: BrowserContext; page: Page; save: () => void };
  let base: string;
  const pageErrors: string[] = [];

  before(async () => {
    // Meta refuses the tenant's token: its destination is held, so the person's event keeps its sealed
    // personal data for the privacy export (a delivered event's is erased).
    fakes = await startFakePlatforms({ validTokens: ['EAAB-not-the-tenants'] });
    smtp = await startSmtpServer();
    store = await startFakeWooCommerce();
    receiver = await startReceiver();
    const port = await freePort();
    base = `http://localhost:${port}`;
    service = await startTestService({
      listen: true,
      env: {
        ...fakes.urls,
        // Loopback receivers and stores (ALLOW_PRIVATE_NETWORK_TARGETS), a quick catalogue client.
        ...CATALOGUE_ENV,
        PORT: String(port),
        PUBLIC_BASE_URL: base,
        SMTP_URL: smtp.url,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
        MANAGEMENT_RATE_LIMIT_PER_MINUTE: '100000',
      },
    });
    tenant = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: 'EAAB-refused-token' } },
    });
    await createSession(service, { orgId: tenant.org.id, role: 'owner', email: OWNER });
    await createSession(service, { orgId: tenant.org.id, role: 'viewer', email: VIEWER });
    // A store connected from the shop's side (the plugin's connect flow has its own tests).
    channelId = await insertChannel(service, {
      orgId: tenant.org.id,
      platform: 'woocommerce',
      storeUrl: store.url,
      name: STORE_NAME,
      // On demand only, and nothing queued: the page's "Sync now" is the first run.
      intervalMinutes: 0,
      scheduled: false,
      credentials: {
        platform: 'woocommerce',
        consumerKey: store.consumerKey,
        consumerSecret: store.consumerSecret,
      },
    });
    browser = await launchChromium();
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const network = recordNetwork(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    owner = { context, page, save: () => network.save('dashboard-org-owner') };
  });
  after(async () => {
    owner?.save();
    await browser?.close();
    await service?.destroy();
    await fakes?.close();
    await smtp?.close();
    await store?.close();
    await receiver?.close();
  });

  const text = async (locator: Locator) => (await locator.textContent()) ?? '';

  /** At a phone's width the page is no wider than the screen (tables scroll inside their frame). */
  async function fitsPhone(page: Page, name: string): Promise<void> {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.getByRole('button', { name: 'Menu' }).waitFor();
      await screenshot(page, `dashboard-org-phone-${name}`);
      await assertFitsWidth(page, 390, name);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  }
  const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

  test('the owner signs in and finds Stores, Feeds and Webhooks in the navigation', async () => {
    const { page } = owner;
    await signInByMail(page, base, smtp, OWNER);
    // The nav appears once /v1/auth/me answered.
    await nav(page).getByRole('link', { name: 'Organisation' }).waitFor();
    for (const name of ['Stores', 'Feeds', 'Webhooks'])
      assert.equal(await nav(page).getByRole('link', { name }).count(), 1, name);
  });

  test('webhooks: create (secret once), test with the receiver’s answer, log, resend, rotate, delete', async () => {
    const { page } = owner;
    await nav(page).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhook endpoints yet.').waitFor();
    await axeCheck(page, 'webhooks (empty)');

    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('ERP listener');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await text(page.getByTestId('secret-value'));
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
    const row = page.getByTestId('webhook-row').filter({ hasText: receiver.url });
    await row.filter({ hasText: 'active' }).waitFor();
    assert.match(await text(row), /event\.failed, destination\.needs_attention/);
    await screenshot(page, 'dashboard-org-1-webhook-created');
    await axeCheck(page, 'webhook secret shown once');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await page.getByTestId('secret-value').count(), 0, 'gone once acknowledged');
    assert.ok(!(await text(page.getByRole('main'))).includes(secret), 'never shown again');

    // The test message: the receiver's answer in the page, a correctly signed request at the receiver.
    await row.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('heading', { level: 1, name: `Webhook: ${receiver.url}` }).waitFor();
    await page.getByText('No messages yet.').waitFor();
    await axeCheck(page, 'webhook endpoint');
    await page.getByRole('button', { name: 'Send test message' }).click();
    await page
      .getByTestId('webhook-test-result')
      .filter({ hasText: /The receiver answered: HTTP 200 in \d+ ms/ })
      .waitFor();
    assert.match(await text(page.getByTestId('webhook-test-result')), /thanks from the receiver/);
    assert.equal(receiver.received.length, 1);
    const ping = receiver.received[0]!;
    const body = verified(secret, ping);
    assert.equal(body.type, 'webhook.ping');
    assert.throws(() => verified(`whsec_${Buffer.from('another secret!!').toString('base64')}`, ping));

    // The delivery log: the message with its attempt (status code and timing).
    const message = page.getByTestId('webhook-message').filter({ hasText: 'webhook.ping' });
    await message.filter({ hasText: 'delivered' }).waitFor();
    await message.locator('summary').first().click();
    const attempt = message.getByTestId('webhook-attempt');
    await attempt.filter({ hasText: /HTTP 200 in \d+ ms/ }).waitFor();
    assert.match(await text(attempt), /thanks from the receiver/);
    assert.match(await text(message), new RegExp(String(ping.headers['webhook-id'])));
    await screenshot(page, 'dashboard-org-2-webhook-log');
    await fitsPhone(page, 'webhook');
    await axeCheck(page, 'webhook delivery log');

    // Resend: asks first, then the same message (same webhook-id) arrives again.
    await message.getByRole('button', { name: 'Resend' }).click();
    assert.equal(receiver.received.length, 1, 'nothing sent before confirming');
    await message.getByRole('button', { name: 'Yes, resend' }).click();
    await eventually(async () => receiver.received.length === 2, 10_000);
    assert.equal(receiver.received[1]!.headers['webhook-id'], ping.headers['webhook-id']);
    await message.filter({ hasText: '2 attempts' }).waitFor();

    // Rotation: confirmed, the new secret shown once; messages now verify with it (and the old one, in grace).
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Yes, rotate secret' }).click();
    const rotated = await text(page.getByTestId('secret-value'));
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, secret);
    await page.getByText(/The previous secret still signs beside the new one until/).waitFor();
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('button', { name: 'Send test message' }).click();
    await page
      .getByTestId('webhook-test-result')
      .filter({ hasText: /HTTP 200/ })
      .waitFor();
    const third = receiver.received[2]!;
    assert.equal(verified(rotated, third).type, 'webhook.ping');
    assert.equal(verified(secret, third).type, 'webhook.ping', 'the old secret signs too, during the grace');

    // Disable, enable, and a change of settings.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByTestId('webhook-status').filter({ hasText: 'disabled' }).waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByTestId('webhook-status').filter({ hasText: 'active' }).waitFor();
    await page.getByLabel('Description (optional)').fill('ERP listener, production');
    await page.getByLabel(/usage\.quota_warning/).check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('webhook-status').filter({ hasText: 'usage.quota_warning' }).waitFor();
    const stored = await service.storage.db
      .selectFrom('webhook_endpoints')
      .select(['description', 'enabled'])
      .executeTakeFirstOrThrow();
    assert.equal(stored.description, 'ERP listener, production');
    assert.equal(Number(stored.enabled), 1);
    await screenshot(page, 'dashboard-org-3-webhook-rotated');

    // Delete, confirmed.
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByRole('button', { name: 'Yes, delete endpoint' }).click();
    await page.waitForURL(`${base}/app/webhooks`);
    await page.getByText('No webhook endpoints yet.').waitFor();
    const left = await service.storage.db.selectFrom('webhook_endpoints').select('id').execute();
    assert.equal(left.length, 0);
  });

  test('stores: the connected store syncs from the page and its products are browsed', async () => {
    const { page } = owner;
    await nav(page).getByRole('link', { name: 'Stores' }).click();
    const row = page.getByTestId('store-row').filter({ hasText: STORE_NAME });
    await row.waitFor();
    assert.equal(await text(row.getByTestId('store-products')), '0');
    await axeCheck(page, 'stores');
    await row.getByRole('button', { name: 'Sync now' }).click();
    await row.getByTestId('store-sync').filter({ hasText: 'success' }).waitFor({ timeout: 20_000 });
    const sync = await service.app!.inject({
      method: 'GET',
      url: `/v1/store-channels/${channelId}/sync`,
      headers: (await createSession(service, { orgId: tenant.org.id, role: 'viewer' })).headers,
    });
    const products = (sync.json() as { products: number }).products;
    assert.ok(products > 0, sync.body);
    await row
      .getByTestId('store-products')
      .filter({ hasText: String(products) })
      .waitFor();
    assert.ok(
      store.requests.some((r) => r.path.endsWith('/products') && r.status === 200),
      'the sync read the fake store',
    );
    await screenshot(page, 'dashboard-org-4-stores');
    await fitsPhone(page, 'stores');

    await row.getByRole('link', { name: STORE_NAME }).click();
    await page.getByRole('heading', { level: 1, name: `Products of ${STORE_NAME}` }).waitFor();
    await page
      .getByTestId('products-range')
      .filter({ hasText: `of ${products}` })
      .waitFor();
    assert.equal(await page.getByTestId('product-row').count(), Math.min(products, 50));
    const titles = store.products.map((p) => String(p.name));
    const shown = await text(page.getByRole('table'));
    assert.ok(
      titles.some((t) => shown.includes(t)),
      `a store product is listed: ${titles.join(', ')}`,
    );
    await axeCheck(page, 'store products');
    await screenshot(page, 'dashboard-org-5-products');
  });

  test('stores: an admin links the store to a domain and sets its sync interval; unlinks it', async () => {
    const { page } = owner;
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const addDomain = async (host: string): Promise<string> => {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/domains',
        headers: admin.headers,
        payload: { host },
      });
      assert.equal(res.statusCode, 201, res.body);
      return (res.json() as { domain: { id: string } }).domain.id;
    };
    const domainId = await addDomain(LINKED_HOST);
    // A domain deleted while the page shows it: saving it is refused, and the page says why.
    const goneId = await addDomain(`gone-${LINKED_HOST}`);
    const channelNow = async () => {
      const res = await service.app!.inject({
        method: 'GET',
        url: `/v1/store-channels/${channelId}`,
        headers: admin.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { domainId: string | null; syncIntervalMinutes: number | null };
    };
    const storeAccess = () =>
      service.storage.db
        .selectFrom('shop_store_access')
        .select(['domain_id', 'store_url'])
        .where('store_url', '=', store.url)
        .execute();
    assert.deepEqual(await storeAccess(), [], 'not linked to start with');

    await page.goto(`${base}/app/stores/${channelId}`);
    const form = page.getByRole('form', { name: 'Store settings' });
    const domain = form.getByLabel('Linked domain');
    const interval = form.getByLabel('Sync interval in minutes (optional)');
    await domain.locator(`option[value="${goneId}"]`).waitFor({ state: 'attached' });
    assert.equal(await domain.inputValue(), '', 'shows Not linked');
    assert.equal(await interval.inputValue(), '0', 'the store’s on-demand interval');
    await axeCheck(page, 'store settings');

    const gone = await service.app!.inject({
      method: 'DELETE',
      url: `/v1/domains/${goneId}`,
      headers: admin.headers,
    });
    assert.equal(gone.statusCode, 200, gone.body);
    await domain.selectOption(goneId);
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('alert').filter({ hasText: 'is not a domain of this org' }).waitFor();
    assert.equal((await channelNow()).domainId, null, 'nothing saved');

    // Link and a 90-minute interval: saved, shown again after a reload, the domain's store access written.
    await domain.selectOption(domainId);
    await interval.fill('90');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await form.getByRole('alert').count(), 0, 'the earlier error is gone');
    const linked = await channelNow();
    assert.equal(linked.domainId, domainId);
    assert.equal(linked.syncIntervalMinutes, 90);
    assert.deepEqual(await storeAccess(), [{ domain_id: domainId, store_url: store.url }]);
    await screenshot(page, 'dashboard-org-5b-store-settings');
    await page.reload();
    await domain.locator(`option[value="${domainId}"]`).waitFor({ state: 'attached' });
    assert.equal(await domain.inputValue(), domainId);
    assert.equal(await interval.inputValue(), '90');
    assert.ok((await text(domain.locator('option:checked'))).includes(LINKED_HOST), 'the domain by its host');
    await fitsPhone(page, 'store-settings');
    await axeCheck(page, 'store settings saved');

    // Unlink, and the interval back to the default (empty): the store access row goes with the link.
    await domain.selectOption({ label: 'Not linked' });
    await interval.fill('');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const after = await channelNow();
    assert.equal(after.domainId, null);
    assert.equal(after.syncIntervalMinutes, null);
    assert.deepEqual(await storeAccess(), [], 'the domain no longer imports this store’s orders');
    await page.reload();
    await interval.waitFor();
    assert.equal(await domain.inputValue(), '');
    assert.equal(await interval.inputValue(), '');
  });

  test('feeds: created from the page, its public URL serves the products; edited, deleted', async () => {
    const { page } = owner;
    await nav(page).getByRole('link', { name: 'Feeds' }).click();
    await page.getByText('No product feeds yet.').waitFor();
    await axeCheck(page, 'feeds (empty)');
    await page.getByLabel('Store').selectOption({ label: STORE_NAME });
    await page.getByLabel('Name (optional)').fill('Widgets for the app');
    await page.getByLabel('Slug').fill(FEED_SLUG);
    await page.getByLabel('Format').selectOption('json');
    await page.getByRole('button', { name: 'Create feed' }).click();
    const card = page.getByTestId('feed').filter({ hasText: 'Widgets for the app' });
    await card.waitFor();
    const url = await text(card.getByTestId('feed-url'));
    assert.equal(url, `${base}/api/public/feeds/${FEED_SLUG}`);
    await card.getByRole('button', { name: 'Copy URL' }).waitFor();
    await screenshot(page, 'dashboard-org-6-feed');
    await fitsPhone(page, 'feeds');
    await axeCheck(page, 'feeds');

    // The public URL, fetched as a merchant centre would: the synced products.
    const res = await fetch(url);
    assert.equal(res.status, 200);
    const feed = (await res.json()) as { count: number; products: Array<{ id: string; title: string }> };
    assert.ok(feed.count > 0, JSON.stringify(feed));
    const synced = await service.storage.db
      .selectFrom('products')
      .select('external_id')
      .where('channel_id', '=', channelId)
      .execute();
    const ids = new Set(synced.map((r) => r.external_id));
    for (const p of feed.products) assert.ok(ids.has(p.id), `feed product ${p.id} is a synced one`);

    // Edit: a new name and in-stock only; delete: the URL answers 404.
    await card.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Name (optional)').first().fill('Widgets in stock');
    await card.getByLabel('Only products in stock').check();
    await card.getByRole('button', { name: 'Save feed' }).click();
    const edited = page.getByTestId('feed').filter({ hasText: 'Widgets in stock' });
    await edited.waitFor();
    const body = await service.storage.db
      .selectFrom('feeds')
      .select(['name', 'filters'])
      .executeTakeFirstOrThrow();
    assert.equal(body.name, 'Widgets in stock');
    assert.deepEqual(JSON.parse(body.filters), { inStockOnly: true });
    await edited.getByRole('button', { name: 'Delete feed' }).click();
    await edited.getByRole('button', { name: 'Yes, delete feed' }).click();
    await page.getByText('No product feeds yet.').waitFor();
    assert.equal((await fetch(url)).status, 404);
  });

  test('privacy: a person who sent an event is exported (JSON download) and erased', async () => {
    const { page } = owner;
    const sent = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: {
        events: [purchaseEvent({ eventId: 'privacy-1', userData: { email: PERSON, country: 'DE' } })],
      },
    });
    assert.equal(sent.statusCode, 200, sent.body);

    await page.goto(`${base}/app/org/privacy`);
    await page.getByRole('link', { name: 'Privacy requests' }).waitFor();
    await axeCheck(page, 'privacy (empty)');
    await page.getByLabel('Their e-mail address').fill(PERSON);
    await page.getByRole('button', { name: 'Export their data' }).click();
    const counts = page.getByTestId('export-counts');
    await counts.waitFor();
    assert.match(await text(counts.getByRole('row').filter({ hasText: /^events/ })), /events1/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /^Download personal-data-.*\.json$/ }).click(),
    ]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      events: Array<{ personalData: unknown }>;
    };
    assert.equal(exported.events.length, 1);
    assert.match(
      JSON.stringify(exported.events[0]!.personalData).toLowerCase(),
      new RegExp(PERSON.toLowerCase()),
    );
    await screenshot(page, 'dashboard-org-7-privacy-export');
    await fitsPhone(page, 'privacy');
    await axeCheck(page, 'privacy export');

    // Erasure: only after typing the address again.
    await page.getByRole('button', { name: 'Erase their data…' }).click();
    const erase = page.getByRole('button', { name: 'Erase permanently' });
    assert.equal(await erase.isDisabled(), true, 'disabled until the address is typed');
    await page.getByLabel(`Type ${PERSON} to confirm`).fill('someone.else@example.com');
    assert.equal(await erase.isDisabled(), true);
    await axeCheck(page, 'privacy erasure confirmation');
    await page.getByLabel(`Type ${PERSON} to confirm`).fill(PERSON);
    await erase.click();
    const result = page.getByTestId('erasure-counts');
    await result.waitFor();
    assert.match(await text(result.getByRole('row').filter({ hasText: /^events/ })), /events1/);
    const left = await service.storage.db
      .selectFrom('events')
      .select(['pii_sealed', 'pii_slot'])
      .where('event_id', '=', 'privacy-1')
      .executeTakeFirstOrThrow();
    assert.equal(left.pii_sealed, null, 'the sealed personal data is gone');
    assert.equal(left.pii_slot, null, 'its entry in the sealed group too');
    await screenshot(page, 'dashboard-org-8-privacy-erased');
    await axeCheck(page, 'privacy erased');
  });

  test('a viewer sees the stores and feeds but none of the admin or owner actions', async () => {
    // A feed for the viewer to look at.
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const made = await service.app!.inject({
      method: 'POST',
      url: '/v1/feeds',
      headers: admin.headers,
      payload: { channelId, slug: `${FEED_SLUG}-2`, format: 'google', published: true },
    });
    assert.equal(made.statusCode, 201, made.body);

    const context = await browser.newContext({ bypassCSP: true });
    const network = recordNetwork(context);
    const viewer = await context.newPage();
    viewer.setDefaultTimeout(15_000);
    viewer.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await signInByMail(viewer, base, smtp, VIEWER);
      await viewer.getByText(`${VIEWER} · viewer`).waitFor();
      await nav(viewer).getByRole('link', { name: 'Stores' }).waitFor();
      assert.equal(await nav(viewer).getByRole('link', { name: 'Webhooks' }).count(), 0);
      await nav(viewer).getByRole('link', { name: 'Stores' }).click();
      await viewer.getByTestId('store-row').filter({ hasText: STORE_NAME }).waitFor();
      for (const name of ['Sync now', 'Disconnect'])
        assert.equal(await viewer.getByRole('button', { name }).count(), 0, `viewer sees no "${name}"`);
      await axeCheck(viewer, 'viewer stores');
      await viewer.getByRole('link', { name: STORE_NAME }).click();
      await viewer.getByRole('heading', { level: 1, name: `Products of ${STORE_NAME}` }).waitFor();
      await viewer.getByTestId('products-range').waitFor();
      assert.equal(await viewer.getByRole('form', { name: 'Store settings' }).count(), 0, 'no settings form');
      assert.equal(await viewer.getByLabel('Linked domain').count(), 0);
      await axeCheck(viewer, 'viewer store products');
      await nav(viewer).getByRole('link', { name: 'Stores' }).click();
      await viewer.getByTestId('store-row').filter({ hasText: STORE_NAME }).waitFor();
      await nav(viewer).getByRole('link', { name: 'Feeds' }).click();
      await viewer
        .getByTestId('feed')
        .filter({ hasText: `${FEED_SLUG}-2` })
        .waitFor();
      for (const name of ['Edit', 'Delete feed', 'Create feed'])
        assert.equal(await viewer.getByRole('button', { name }).count(), 0, `viewer sees no "${name}"`);
      await axeCheck(viewer, 'viewer feeds');
      await screenshot(viewer, 'dashboard-org-9-viewer-feeds');
      await viewer.goto(`${base}/app/webhooks`);
      await viewer.getByText('Only admins and owners manage the organisation’s webhooks.').waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Add endpoint' }).count(), 0);
      await viewer.goto(`${base}/app/org/members`);
      await viewer.locator('.tabs a[aria-current="page"]').waitFor();
      assert.equal(await viewer.getByRole('link', { name: 'Privacy requests' }).count(), 0);
      // What the UI hides, the API refuses.
      const statuses = await viewer.evaluate(async (id) => {
        const sync = await fetch(`/v1/store-channels/${id}/sync`, { method: 'POST' });
        const hooks = await fetch('/v1/org/webhooks');
        const erase = await fetch('/v1/org/erasures', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'x@example.com' }),
        });
        const settings = await fetch(`/v1/store-channels/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ domainId: null }),
        });
        return [sync.status, hooks.status, erase.status, settings.status];
      }, channelId);
      assert.deepEqual(statuses, [403, 403, 403, 403]);
    } finally {
      await screenshot(viewer, 'dashboard-org-viewer-last').catch(() => undefined);
      network.save('dashboard-org-viewer');
      await context.close();
    }
    assert.deepEqual(pageErrors, [], 'no script errors in the pages');
  });
});
