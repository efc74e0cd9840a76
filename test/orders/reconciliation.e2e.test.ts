/**
 * Reconciliation and backfill (issue 10 §3), on both dialects: a known mix of delivered, failed, skipped and
 * never-sent paid orders gives known figures on every surface (management API, public API, CLI); a
 * backfill sends the never-sent ones once, and a second run sends nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { CLI_ACTOR } from '../../src/management/audit.js';
import { ensureShopWebhookSecret } from '../../src/orders/webhook-secrets.js';
import { createApiKey } from '../../src/public-api/keys.js';
import { updateDomainSettings } from '../../src/storage/repos/domains.js';
import {
  createSession,
  createTenant,
  eventually,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
  testEnv,
} from '../harness.js';
import { runCli } from '../processes.js';
import { GOOD, sign, wooOrder } from './helpers.js';

interface DestinationFigures {
  destination: string;
  orders: number;
  delivered: number;
  pending: number;
  failed: number;
  skipped: number;
  notSent: number;
  coverage: number;
  revenue: { total: number; delivered: number; coverage: number };
  reasons: Array<{ outcome: string; message: string; orders: number }>;
}

describe('reconciliation and backfill', () => {
  const key = randomBytes(32).toString('base64');
  let fakes: FakePlatforms;
  let service: TestService;
  let tenant: Tenant;
  let other: Tenant;
  let admin: TestSession;
  let secret: string;

  before(async () => {
    fakes = await startFakePlatforms({
      validTokens: Object.values(GOOD).map((c) => c.accessToken as string),
    });
    service = await startTestService({
      env: { ...fakes.urls, ENCRYPTION_KEY: key, ALLOW_PRIVATE_NETWORK_TARGETS: '1' },
    });
    tenant = await createTenant(service, { destinations: { meta: GOOD.meta!, tiktok: GOOD.tiktok! } });
    other = await createTenant(service, { destinations: { meta: GOOD.meta! } });
    admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const deps = { ...service, clock: systemClock };
    secret = (
      await ensureShopWebhookSecret(deps, CLI_ACTOR, {
        orgId: tenant.org.id,
        domainId: tenant.domain.id,
        platform: 'woocommerce',
      })
    ).secret;
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  const order = async (id: number, status: string, total: string, extra: Record<string, unknown> = {}) => {
    const body = wooOrder(id, status, Date.now() - 60_000, { total, ...extra });
    const res = await service.app!.inject({
      method: 'POST',
      url: `/v1/webhooks/woocommerce/${tenant.domain.id}`,
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-signature': sign(secret, body),
      },
      payload: body,
    });
    assert.equal(res.statusCode, 200, res.body);
    await service.orders!.drain();
  };

  const noneLeft = () =>
    eventually(async () => {
      const pending = await service.storage.db
        .selectFrom('deliveries')
        .select('id')
        .where('domain_id', '=', tenant.domain.id)
        .where('status', '=', 'pending')
        .execute();
      return pending.length === 0;
    });

  const setConsentDefault = async (value: 'forward' | 'deny') => {
    await updateDomainSettings(
      service.storage.db,
      tenant.org.id,
      tenant.domain.id,
      { consentDefault: value },
      Date.now(),
    );
    service.domains.invalidate();
  };

  const report = async () => {
    const res = await service.app!.inject({
      method: 'GET',
      url: `/v1/domains/${tenant.domain.id}/reconciliation?from=${new Date(Date.now() - 86_400_000).toISOString()}`,
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as {
      orders: number;
      destinations: DestinationFigures[];
      unmatched: Array<{ orderId: string }>;
    };
  };
  const figures = (r: { destinations: DestinationFigures[] }, type: string) =>
    r.destinations.find((d) => d.destination === type)!;

  test('a known mix of delivered, failed, skipped and never-sent orders', async () => {
    // 1: complete → delivered everywhere. 2: no user agent → Meta refuses it (its message), TikTok takes it.
    await order(101, 'processing', '10.00');
    await order(102, 'processing', '20.00', { customer_user_agent: '' });
    // 3: while the domain held back events without consent → skipped (consent) everywhere.
    await setConsentDefault('deny');
    await order(103, 'completed', '30.00');
    await setConsentDefault('forward');
    // 4: never paid → not an order to reconcile.
    await order(104, 'pending', '40.00');
    await noneLeft();
    // A destination added afterwards has none of them.
    await service.app!.inject({
      method: 'PUT',
      url: `/v1/domains/${tenant.domain.id}/destinations/pinterest`,
      headers: admin.headers,
      payload: { config: GOOD.pinterest },
    });

    const r = await report();
    assert.equal(r.orders, 3);
    const meta = figures(r, 'meta');
    assert.deepEqual(
      { d: meta.delivered, f: meta.failed, s: meta.skipped, n: meta.notSent, c: meta.coverage },
      { d: 1, f: 1, s: 1, n: 0, c: 33.3 },
    );
    assert.deepEqual(meta.revenue, { currency: 'USD', total: 60, delivered: 10, coverage: 16.7 } as never);
    assert.ok(meta.reasons.some((x) => x.outcome === 'failed' && x.message.includes('client_user_agent')));
    assert.ok(meta.reasons.some((x) => x.outcome === 'skipped' && /consent/.test(x.message)));
    const tiktok = figures(r, 'tiktok');
    assert.deepEqual({ d: tiktok.delivered, s: tiktok.skipped, c: tiktok.coverage }, { d: 2, s: 1, c: 66.7 });
    assert.equal(tiktok.revenue.coverage, 50);
    const pinterest = figures(r, 'pinterest');
    assert.deepEqual({ n: pinterest.notSent, c: pinterest.coverage }, { n: 3, c: 0 });
    assert.deepEqual(r.unmatched.map((u) => u.orderId).sort(), ['101', '102', '103']);
  });

  test('outbound webhooks: each unmatched order announced once, and the coverage drop', async () => {
    const owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
    const created = await service.app!.inject({
      method: 'POST',
      url: '/v1/org/webhooks',
      headers: owner.headers,
      payload: {
        // Nothing listens there: the messages stay queued, which is what this test reads.
        url: 'http://127.0.0.1:9/hooks',
        eventTypes: ['order.unmatched', 'reconciliation.coverage_dropped'],
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const messages = async (type: string) =>
      (
        await service.storage.db
          .selectFrom('webhook_messages')
          .select('payload')
          .where('org_id', '=', tenant.org.id)
          .where('event_type', '=', type)
          .execute()
      ).map((m) => JSON.parse(m.payload) as { data: Record<string, unknown> });

    // Within the first hour an order is not unmatched yet.
    await service.orders!.maintenance(Date.now());
    assert.equal((await messages('order.unmatched')).length, 0);
    // Two hours on: orders 101–103 each miss a destination (pinterest never had them).
    const later = Date.now() + 2 * 3600_000;
    await service.orders!.maintenance(later);
    const unmatched = await messages('order.unmatched');
    assert.deepEqual(unmatched.map((m) => m.data.orderId).sort(), ['101', '102', '103']);
    const o102 = unmatched.find((m) => m.data.orderId === '102')!.data;
    assert.equal(o102.reason, 'not_delivered');
    const missing = o102.missing as Array<{ destination: string; outcome: string; message: string | null }>;
    assert.ok(
      missing.some(
        (m) => m.destination === 'meta' && m.outcome === 'failed' && m.message?.includes('client_user_agent'),
      ),
    );
    assert.ok(missing.some((m) => m.destination === 'pinterest' && m.outcome === 'not_sent'));
    assert.ok(!JSON.stringify(unmatched).includes('john.doe'), 'no personal data in the payload');
    const dropped = await messages('reconciliation.coverage_dropped');
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]!.data.coverage, 0);
    assert.equal(dropped[0]!.data.orders, 3);
    // Once: the next run announces nothing new.
    await service.orders!.maintenance(later + 60_000);
    assert.equal((await messages('order.unmatched')).length, 3);
    assert.equal((await messages('reconciliation.coverage_dropped')).length, 1);
  });

  test('backfill sends the never-sent orders once; a second run sends nothing', async () => {
    const run = async (dryRun = false) => {
      const res = await service.app!.inject({
        method: 'POST',
        url: `/v1/domains/${tenant.domain.id}/reconciliation/backfill`,
        headers: admin.headers,
        payload: { from: new Date(Date.now() - 86_400_000).toISOString(), dryRun },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { missing: number; sent: number; deliveries: number };
    };
    const dry = await run(true);
    assert.deepEqual({ sent: dry.sent, deliveries: dry.deliveries }, { sent: 3, deliveries: 3 });
    const first = await run();
    assert.deepEqual(
      { missing: first.missing, sent: first.sent, deliveries: first.deliveries },
      { missing: 3, sent: 3, deliveries: 3 },
    );
    await noneLeft();
    const second = await run();
    assert.deepEqual(
      { missing: second.missing, sent: second.sent, deliveries: second.deliveries },
      { missing: 0, sent: 0, deliveries: 0 },
    );
    const pinterest = figures(await report(), 'pinterest');
    assert.deepEqual({ d: pinterest.delivered, c: pinterest.coverage }, { d: 3, c: 100 });
    // Each order reached Pinterest once, under the id the browser used.
    for (const id of ['101', '102', '103']) {
      const got = (fakes.pinterest.accepted as unknown[]).filter((e) =>
        JSON.stringify(e).includes(`"purchase_${id}"`),
      );
      assert.equal(got.length, 1, `purchase_${id} at pinterest`);
    }
    // Meta's and TikTok's figures did not move: nothing was sent to them again.
    const meta = figures(await report(), 'meta');
    assert.deepEqual({ d: meta.delivered, f: meta.failed }, { d: 1, f: 1 });
  });

  test('public API: reconciliation:read, the key’s own domains only', async () => {
    const created = await createApiKey(service.storage.db, {
      orgId: tenant.org.id,
      domainId: null,
      name: 'recon',
      scopes: ['reconciliation:read'],
      createdBy: null,
      expiresAt: null,
      now: Date.now(),
    });
    const statsOnly = await createApiKey(service.storage.db, {
      orgId: tenant.org.id,
      domainId: null,
      name: 'stats',
      scopes: ['stats:read'],
      createdBy: null,
      expiresAt: null,
      now: Date.now(),
    });
    const get = (token: string, domainId: string) =>
      service.app!.inject({
        method: 'GET',
        url: `/api/v1/reconciliation?domainId=${domainId}`,
        headers: { authorization: `Bearer ${token}` },
      });
    const ok = await get(created.key, tenant.domain.id);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().orders, 3);
    assert.equal((await get(statsOnly.key, tenant.domain.id)).statusCode, 403);
    const foreign = await get(created.key, other.domain.id);
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().error.code, 'not_found');
  });

  test('management API: a bare POST (no body) to the secret route answers the secret', async () => {
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const res = await service.app!.inject({
      method: 'POST',
      url: `/v1/domains/${tenant.domain.id}/shop-webhooks/woocommerce/secret`,
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().secret, secret);
  });

  test('management API: another org gets 404 on every order route', async () => {
    const stranger = await createSession(service, { orgId: other.org.id, role: 'owner' });
    const id = tenant.domain.id;
    for (const [method, url, payload] of [
      ['GET', `/v1/domains/${id}/reconciliation`, undefined],
      ['POST', `/v1/domains/${id}/reconciliation/backfill`, {}],
      ['GET', `/v1/domains/${id}/shop-webhooks`, undefined],
      ['POST', `/v1/domains/${id}/shop-webhooks/woocommerce/secret`, {}],
      ['POST', `/v1/domains/${id}/shop-webhooks/woocommerce/rotate`, undefined],
      ['GET', `/v1/domains/${id}/order-settings`, undefined],
      ['PUT', `/v1/domains/${id}/order-settings`, { paidStatuses: { woocommerce: ['completed'] } }],
    ] as const) {
      const res = await service.app!.inject({
        method,
        url,
        headers: stranger.headers,
        ...(payload ? { payload } : {}),
      });
      assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'not_found');
    }
  });

  test('CLI: reconcile --json per destination; shop-webhook secret --json', async () => {
    const env = testEnv(service.dataDir, {
      ENCRYPTION_KEY: key,
      ...(service.schema ? { DATABASE_SCHEMA: service.schema } : {}),
    });
    const rec = await runCli(['reconcile', '--domain', tenant.domain.id, '--since', '7d', '--json'], env);
    assert.equal(rec.code, 0, rec.stderr);
    const rows = JSON.parse(rec.stdout) as DestinationFigures[];
    const meta = rows.find((r) => r.destination === 'meta')!;
    assert.deepEqual(
      { orders: meta.orders, delivered: meta.delivered, coverage: meta.coverage },
      { orders: 3, delivered: 1, coverage: 33.3 },
    );
    const sec = await runCli(
      ['shop-webhook', 'secret', '--domain', tenant.domain.id, '--platform', 'woocommerce', '--json'],
      env,
    );
    assert.equal(sec.code, 0, sec.stderr);
    const printed = JSON.parse(sec.stdout) as { secret: string; url: string };
    assert.equal(printed.secret, secret);
    assert.match(printed.url, new RegExp(`/v1/webhooks/woocommerce/${tenant.domain.id}$`));
    const back = await runCli(['backfill', '--domain', tenant.domain.id, '--since', '7d', '--json'], env);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(JSON.parse(back.stdout).sent, 0);
  });
});
