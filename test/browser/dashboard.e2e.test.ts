/**
 * The dashboard in Debian's chromium (issue 13, "Tests must show"): sign in through the link mailed to the
 * test SMTP server, add a domain and see its setup steps (CNAME, live DNS verification against a test DNS
 * server, tokens), configure Meta against the fake platform, send an event through the proxy and see its
 * outcome, break the token and see Meta's own message on the overview and on the event, fix it and replay,
 * create and revoke an API key, invite a viewer who does not see the admin actions (and whom the API
 * refuses), axe-core on every page, and the overview at a phone's width. Screenshots and network logs:
 * test-artifacts/browser/dashboard-*.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { startDnsServer, type TestDnsServer } from '../dns-server.js';
import {
  createSession,
  deliveryOfEvent,
  eventually,
  purchaseEvent,
  startTestService,
  type TestService,
} from '../harness.js';
import { startSmtpServer, type TestSmtpServer } from '../management/smtp.js';
import {
  assertFitsWidth,
  axeCheck,
  freePort,
  mailedLink,
  signInByMail as signIn,
} from './dashboard-helpers.js';
import { browserSkipReason, launchChromium, recordNetwork, screenshot } from './harness.js';

const skip = browserSkipReason();

const OWNER = 'owner@dash.example.com';
const VIEWER = 'viewer@dash.example.com';
const HOST = 'ssp.dash.localhost';
const PUBLIC_HOSTNAME = 'proxy.tagbridge.test';
const GOOD_TOKEN = 'EAAB-good-token-123';
const BAD_TOKEN = 'EAAB-expired-token-456';
const META_MESSAGE = 'Invalid OAuth access token - Cannot parse access token';

describe('the dashboard, driven in Chromium', { skip: skip ?? false }, () => {
  let service: TestService;
  let fakes: FakePlatforms;
  let smtp: TestSmtpServer;
  let dns: TestDnsServer;
  let browser: Browser;
  let owner: { context: BrowserContext; page: Page; save: () => Promise<void> };
  let base: string;
  let port: number;
  let domainId: string;
  let proxyToken: string;
  const pageErrors: string[] = [];

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: [GOOD_TOKEN] });
    smtp = await startSmtpServer();
    dns = await startDnsServer();
    port = await freePort();
    base = `http://localhost:${port}`;
    service = await startTestService({
      listen: true,
      env: {
        ...fakes.urls,
        PORT: String(port),
        PUBLIC_BASE_URL: base,
        PUBLIC_HOSTNAME,
        DNS_SERVERS: dns.address,
        SMTP_URL: smtp.url,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
        // The pages make several API calls each; the test clicks faster than a person.
        MANAGEMENT_RATE_LIMIT_PER_MINUTE: '100000',
      },
    });
    // The owner's org exists (an operator made it with `org create --owner`); the owner signs in by mail.
    const { createOrg } = await import('../../src/storage/repos/orgs.js');
    const org = await createOrg(service.storage.db, { name: 'Dash Shop', plan: 'pro', now: Date.now() });
    await createSession(service, { orgId: org.id, role: 'owner', email: OWNER });
    browser = await launchChromium();
    // bypassCSP: the page's CSP allows only its own scripts; axe-core is added by the test.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const network = recordNetwork(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    owner = {
      context,
      page,
      save: async () => {
        network.save('dashboard-owner');
      },
    };
  });
  after(async () => {
    await owner?.save();
    await browser?.close();
    await service?.destroy();
    await fakes?.close();
    await smtp?.close();
    await dns?.close();
  });

  /** Signs in through /sign-in and the link the SMTP server received; lands on /app. */
  const signInByMail = (page: Page, email: string, link?: string): Promise<void> =>
    signIn(page, base, smtp, email, link);

  /** Sends one event through the proxy host over HTTP (Host names the domain). */
  function sendThroughProxy(eventId: string): Promise<number> {
    const body = JSON.stringify({ events: [purchaseEvent({ eventId })] });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/events',
          method: 'POST',
          headers: { host: `${HOST}:${port}`, 'x-ssp-token': proxyToken, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The text of an element (what a reader gets; hidden parts aside). */
  const text = async (locator: Locator) => (await locator.textContent()) ?? '';
  const h1 = (page: Page) => page.getByRole('heading', { level: 1 });

  test('signing in through the mailed link lands on the dashboard, whose empty overview says what to do', async () => {
    const { page } = owner;
    await signInByMail(page, OWNER);
    await page.getByText('No domains yet.').waitFor();
    assert.match(await text(page.getByRole('main')), /adding your first domain/);
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').count(), 7);
    await screenshot(page, 'dashboard-1-empty-overview');
    await axeCheck(page, 'empty overview');
  });

  test('adding a domain shows its setup steps: the CNAME, live DNS verification, the tokens', async () => {
    const { page } = owner;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Domains' }).click();
    await page.getByText('No domains yet.').waitFor();
    await axeCheck(page, 'domains (empty)');
    // Not there yet: the live check says what it found.
    await page.getByLabel('Proxy domain').fill(HOST);
    await page.getByLabel('Shop URL (optional)').fill('https://dash.example.com');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await h1(page).filter({ hasText: HOST }).waitFor();
    domainId = /\/app\/domains\/(dom_[0-9a-z]+)/.exec(page.url())?.[1] ?? '';
    assert.ok(domainId, page.url());
    assert.equal(await text(page.getByTestId('cname-name')), HOST);
    assert.equal(await text(page.getByTestId('cname-value')), PUBLIC_HOSTNAME);
    await page
      .getByTestId('dns-status')
      .filter({ hasText: /Not verified/ })
      .waitFor();
    // The sync token, shown once.
    const syncToken = await text(page.getByTestId('secret-value'));
    assert.match(syncToken, /^[0-9a-f]{64}$/);
    await screenshot(page, 'dashboard-2-domain-setup');
    await axeCheck(page, 'domain setup');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await page.getByTestId('secret-value').count(), 0, 'gone once acknowledged');
    // The record is created; "Check DNS now" sees it and the domain becomes active.
    dns.records.set(HOST, { cname: PUBLIC_HOSTNAME });
    await page.getByRole('button', { name: 'Check DNS now' }).click();
    await page
      .getByTestId('dns-status')
      .filter({ hasText: /verified/ })
      .filter({ hasNotText: /Not/ })
      .waitFor();
    await page.getByRole('button', { name: 'Show proxy token' }).click();
    proxyToken = await text(page.getByTestId('proxy-token'));
    assert.match(proxyToken, /^[0-9a-f]{64}$/);
  });

  test('a Meta destination from the schema-derived form, tested against the fake platform', async () => {
    const { page } = owner;
    await page.getByText('No destinations yet.').waitFor();
    await page.getByLabel('Add a destination').selectOption('meta');
    // The form comes from GET /v1/destination-types: Meta's fields, the token a password field.
    await page.getByLabel('Pixel id', { exact: true }).fill('1234567890');
    assert.equal(await page.getByLabel('Access token', { exact: true }).getAttribute('type'), 'password');
    await page.getByLabel('Access token', { exact: true }).fill(GOOD_TOKEN);
    await axeCheck(page, 'destination form');
    await page.getByRole('button', { name: /^Save Meta/ }).click();
    const card = page.getByTestId('destination-meta');
    await card.waitFor();
    // Masked, never in clear.
    const shown = await text(card);
    assert.ok(!shown.includes(GOOD_TOKEN), 'the token is masked');
    assert.match(shown, /\*\*\*\*/);
    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByTestId('test-result').filter({ hasText: 'accepted' }).waitFor();
    assert.ok(fakes.meta.received.length >= 1, 'the fake got the test event');
    await screenshot(page, 'dashboard-3-destination');
  });

  test('an event sent through the proxy appears with its outcome', async () => {
    const { page } = owner;
    assert.equal(await sendThroughProxy('order-dash-1'), 200);
    await eventually(async () => fakes.meta.accepted.length >= 1 || undefined, 10_000);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
    const event = page.getByTestId('event').filter({ hasText: 'order-dash-1' });
    await event.filter({ hasText: 'delivered' }).waitFor({ timeout: 15_000 });
    await event.locator('summary').click();
    await screenshot(page, 'dashboard-4-event-delivered');
    await axeCheck(page, 'events');
  });

  test("a broken token: Meta's own message on the overview and on the event; fixed and replayed", async () => {
    const { page } = owner;
    await page.goto(`${base}/app/domains/${domainId}`);
    const card = page.getByTestId('destination-meta');
    await card.getByRole('button', { name: 'Change settings' }).click();
    await page.getByLabel('Access token', { exact: true }).fill(BAD_TOKEN);
    await page.getByRole('button', { name: /^Save Meta/ }).click();
    await card.getByRole('button', { name: 'Change settings' }).waitFor();
    assert.equal(await sendThroughProxy('order-dash-2'), 200);
    await eventually(async () => {
      const row = await service.storage.db
        .selectFrom('destinations')
        .select('status')
        .where('domain_id', '=', domainId)
        .executeTakeFirst();
      return row?.status === 'needs_attention';
    }, 10_000);
    // Held: the destination's queue waits for working credentials.
    assert.equal(await sendThroughProxy('order-dash-3'), 200);

    // The overview: the destination needs attention, with Meta's message.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    const attention = page.getByTestId('attention');
    await attention.filter({ hasText: META_MESSAGE }).waitFor();
    assert.match(await text(attention), /needs attention/);
    await screenshot(page, 'dashboard-5-overview-attention');
    await axeCheck(page, 'overview');
    // At a phone's width: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.getByRole('button', { name: 'Menu' }).waitFor();
      await assertFitsWidth(page, 390, 'the overview');
      await screenshot(page, 'dashboard-overview-phone');
      await axeCheck(page, 'overview (phone)');
    } finally {
      // The next tests share the page: a failure here must not leave them at a phone's width.
      await page.setViewportSize({ width: 1280, height: 900 });
    }

    // The event that met the bad token: waiting behind the held destination, with Meta's message.
    await page.goto(`${base}/app/events?eventId=order-dash-2`);
    const event = page.getByTestId('event').filter({ hasText: 'order-dash-2' });
    await event.locator('summary').click();
    await event.getByTestId('delivery-error').filter({ hasText: META_MESSAGE }).waitFor();
    assert.match(await text(event), /pending/);
    await screenshot(page, 'dashboard-6-event-held');

    // Fix the token: both the event that met the refusal and the one that arrived while the destination
    // was held go out, with nothing to replay.
    await page.goto(`${base}/app/domains/${domainId}`);
    await card.getByRole('button', { name: 'Change settings' }).click();
    await page.getByLabel('Access token', { exact: true }).fill(GOOD_TOKEN);
    await page.getByRole('button', { name: /^Save Meta/ }).click();
    await card.filter({ hasText: 'active' }).waitFor();
    for (const id of ['order-dash-2', 'order-dash-3']) {
      await eventually(
        async () => fakes.meta.accepted.some((e) => JSON.stringify(e).includes(id)) || undefined,
        10_000,
      );
    }
    await page.goto(`${base}/app/events?eventId=order-dash-2`);
    await page.getByTestId('event').filter({ hasText: 'delivered' }).waitFor({ timeout: 15_000 });

    // Replay asks first and says its answer plainly. A delivered event's personal data is erased, so a
    // failed delivery of it (set in the database: a refused token no longer fails any) cannot be rebuilt.
    const target = await deliveryOfEvent(service, 'order-dash-3');
    await service.storage.db
      .updateTable('deliveries')
      .set({ status: 'failed', last_error: 'Invalid parameter (code 100)' })
      .where('id', '=', target.id)
      .execute();
    const accepted = fakes.meta.accepted.length;
    await page.goto(`${base}/app/events?outcome=failed`);
    const failed = page.getByTestId('event').filter({ hasText: 'order-dash-3' });
    await failed.locator('summary').click();
    await failed.getByRole('button', { name: /^Replay 1 failed delivery/ }).click();
    const replays = () =>
      service.storage.db.selectFrom('audit_log').select('id').where('action', 'like', '%replay%').execute();
    assert.equal((await replays()).length, 0, 'nothing replayed before confirming');
    await failed.getByRole('button', { name: 'Yes, replay' }).click();
    const status = page.getByTestId('replay-status').filter({ hasText: 'order-dash-3:' });
    await status.waitFor();
    assert.equal(
      await text(status),
      'order-dash-3: 0 sent again; 1 cannot be (personal data already erased or destination removed).',
    );
    assert.equal(fakes.meta.accepted.length, accepted);
    await screenshot(page, 'dashboard-7-replayed');
  });

  test('an API key is shown once on creation, listed, and revoked', async () => {
    const { page } = owner;
    await page.goto(`${base}/app/org/api-keys`);
    await page.getByText('No API keys yet.').waitFor();
    await axeCheck(page, 'API keys');
    await page.getByLabel('Name').fill('ERP export');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await text(page.getByTestId('secret-value'));
    assert.match(key, /^sp_[0-9A-Za-z]{32}$/);
    const row = page.getByTestId('api-key-row').filter({ hasText: 'ERP export' });
    await row.filter({ hasText: 'active' }).waitFor();
    assert.ok(!(await text(row)).includes(key), 'the list shows only the prefix');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await row.filter({ hasText: 'revoked' }).waitFor();
    const stored = await service.storage.db
      .selectFrom('api_keys')
      .select('revoked_at')
      .executeTakeFirstOrThrow();
    assert.ok(stored.revoked_at, 'revoked in the database');
    await screenshot(page, 'dashboard-8-api-keys');
  });

  test('the other pages pass axe: match quality and orders, the organisation tabs', async () => {
    const { page } = owner;
    await page.goto(`${base}/app/domains/${domainId}`);
    await page.getByRole('link', { name: 'Match quality and orders' }).click();
    await page.getByText(/\d+ events; \d+ arrived from both browser and server/).waitFor();
    await page.getByText('No paid orders in this period.').waitFor();
    await axeCheck(page, 'match quality and orders');
    await screenshot(page, 'dashboard-quality');
    for (const tab of ['members', 'usage', 'custom-events', 'audit', 'settings']) {
      await page.goto(`${base}/app/org/${tab}`);
      await page.locator('.tabs a[aria-current="page"]').waitFor();
      await page.waitForLoadState('networkidle');
      await axeCheck(page, `org ${tab}`);
      await screenshot(page, `dashboard-org-${tab}`);
    }
  });

  test('an invited viewer signs in and sees no admin actions; the API refuses them too', async () => {
    const { page } = owner;
    await page.goto(`${base}/app/org/members`);
    await page.getByLabel('Email address').fill(VIEWER);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${VIEWER}`).waitFor();
    const link = await mailedLink(smtp, VIEWER);

    const context = await browser.newContext({ bypassCSP: true });
    const network = recordNetwork(context);
    const viewer = await context.newPage();
    viewer.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await signInByMail(viewer, VIEWER, link);
      await viewer.getByText(`${VIEWER} · viewer`).waitFor();
      await axeCheck(viewer, 'viewer overview');
      await viewer.goto(`${base}/app/domains`);
      await viewer.getByRole('link', { name: HOST }).waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Add domain' }).count(), 0);
      await viewer.getByRole('link', { name: HOST }).click();
      await viewer.getByTestId('destination-meta').waitFor();
      for (const name of [
        'Change settings',
        'Send test event',
        'Pause',
        'Delete domain',
        'Show proxy token',
        'Check DNS now',
      ])
        assert.equal(await viewer.getByRole('button', { name }).count(), 0, `viewer sees no "${name}"`);
      assert.equal(await viewer.getByLabel('Add a destination').count(), 0);
      await screenshot(viewer, 'dashboard-9-viewer-domain');
      await viewer.goto(`${base}/app/org/members`);
      await viewer.getByRole('table').waitFor();
      assert.equal(await viewer.getByRole('button', { name: 'Send invitation' }).count(), 0);
      assert.equal(await viewer.getByRole('link', { name: 'API keys' }).count(), 0);
      assert.equal(await viewer.getByRole('link', { name: 'Audit log' }).count(), 0);
      await axeCheck(viewer, 'viewer members');
      // What the UI hides, the API refuses.
      const status = await viewer.evaluate(async (id) => {
        const res = await fetch(`/v1/domains/${id}`, { method: 'DELETE' });
        return res.status;
      }, domainId);
      assert.equal(status, 403);
    } finally {
      await screenshot(viewer, 'dashboard-viewer-last').catch(() => undefined);
      network.save('dashboard-viewer');
      await context.close();
    }
    assert.deepEqual(pageErrors, [], 'no script errors in the pages');
  });
});
