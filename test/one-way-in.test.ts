/**
 * One way in: every entry point hands its events to acceptEvents (src/ingest/accept.ts), so the same event
 * sent through each is stored, sealed, counted in usage and metrics the same way, and each refuses a
 * suspended subscription and an exhausted quota with the same error. Read from the source too: only
 * accept.ts submits to the writer, and every entry point calls acceptEvents.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { periodUsage } from '../src/storage/repos/usage.js';
import {
  createTenant,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';
import { apiEvent, bearer, createKey } from './public-api/helpers.js';
import { sealedValueOf } from './sealed-groups.js';
import { sourceFiles } from './source-files.js';

const root = new URL('..', import.meta.url).pathname;

const read = (path: string): string => readFileSync(join(root, path), 'utf8');

test('only src/ingest/accept.ts submits to the writer; every entry point calls acceptEvents', () => {
  const submitters = sourceFiles(join(root, 'src'))
    .map((path) => relative(root, path))
    .filter((path) => /writer\.submit\(|\bsubmit\(\s*\{\s*orgId/.test(read(path)));
  assert.deepEqual(submitters, ['src/ingest/accept.ts']);
  const admitters = sourceFiles(join(root, 'src'))
    .map((path) => relative(root, path))
    .filter((path) => /\b(admitIngest|assertWithinQuota)\(/.test(read(path)))
    .filter((path) => path !== 'src/ingest/admission.ts');
  assert.deepEqual(admitters, ['src/ingest/accept.ts'], 'quota admission happens in accept.ts only');
  for (const entry of [
    'src/http/routes/events.create.ts',
    'src/http/routes/pmw-events.create.ts',
    'src/http/routes/sync.purchase-events.ts',
    'src/public-api/ingest.ts',
  ]) {
    assert.match(read(entry), /\bacceptEvents\(/, `${entry} calls acceptEvents`);
  }
});

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };
const QUOTA = 6;

// Metrics are served on PORT only behind a token (README, Monitoring).
const METRICS_TOKEN = 'metrics-token-one-way-in-0123456789';

describe('the same event through every entry point', () => {
  let service: TestService;

  before(async () => {
    service = await startTestService({
      role: 'api',
      env: {
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
        PLAN_STARTER_MONTHLY_REQUESTS: String(QUOTA),
        METRICS_TOKEN: METRICS_TOKEN,
      },
    });
  });
  after(async () => {
    await service.destroy();
  });

  type Entry = {
    route: string;
    source: string;
    send: (t: Tenant, key: string, id: string) => Promise<Reply>;
  };
  interface Reply {
    status: number;
    // biome-ignore lint/suspicious/noExplicitAny: read field by field
    body: any;
  }
  const inject = async (options: {
    method: 'POST';
    url: string;
    headers: Record<string, string>;
    payload: unknown;
  }): Promise<Reply> => {
    const res = await service.app!.inject({
      ...options,
      payload: options.payload as Record<string, unknown>,
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  const entries: Entry[] = [
    {
      route: '/v1/events',
      source: 'PROXY',
      send: (t, _key, id) =>
        inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(t),
          payload: { events: [purchaseEvent({ eventId: id })] },
        }),
    },
    {
      route: '/v1/pmw-events',
      source: 'PMW',
      send: (t, _key, id) =>
        inject({
          method: 'POST',
          url: '/v1/pmw-events',
          headers: { ...proxyHeaders(t), 'user-agent': 'Mozilla/5.0 (one-way-in)' },
          payload: [{ event: 'purchase', facebook: { event_id: id, custom_data: { value: 49.99 } } }],
        }),
    },
    {
      route: '/api/v1/events',
      source: 'API',
      send: (_t, key, id) =>
        inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: bearer(key),
          payload: [apiEvent({ eventId: id })],
        }),
    },
    {
      route: '/v1/sync/purchase-events',
      source: 'SYNC',
      send: (t, _key, id) =>
        inject({
          method: 'POST',
          url: '/v1/sync/purchase-events',
          headers: { authorization: `Bearer ${t.syncToken}` },
          payload: { events: [purchaseEvent({ eventId: id })] },
        }),
    },
  ];

  const metric = async (route: string, result: string): Promise<number> => {
    const res = await service.app!.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const line = res.body
      .split('\n')
      .find((l) => l.startsWith(`tagbridge_ingest_events_total{route="${route}",result="${result}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const latencyCount = async (route: string): Promise<number> => {
    const res = await service.app!.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const line = res.body
      .split('\n')
      .find((l) => l.startsWith(`tagbridge_ingest_duration_seconds_count{route="${route}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  test('stored once, sealed, counted in usage and metrics; a resend is a duplicate', async () => {
    const tenant = await createTenant(service, { plan: 'pro', destinations: { meta: META } });
    const { key } = await createKey(service, tenant.org.id);
    const { db } = service.storage;
    for (const entry of entries) {
      const id = `owi-${entry.source.toLowerCase()}`;
      const usageBefore = await periodUsage(db, tenant.org.id, Date.now());
      const acceptedBefore = await metric(entry.route, 'accepted');
      const duplicateBefore = await metric(entry.route, 'duplicate');
      const latencyBefore = await latencyCount(entry.route);

      const first = await entry.send(tenant, key, id);
      assert.equal(first.status, 200, `${entry.route}: ${JSON.stringify(first.body)}`);
      const stored = await db.selectFrom('events').selectAll().where('event_id', '=', id).execute();
      assert.equal(stored.length, 1, `${entry.route} stores the event`);
      const event = stored[0]!;
      assert.equal(event.source, entry.source);
      assert.equal(event.event_name, 'Purchase');
      const sealed = await sealedValueOf(db, event);
      assert.ok(sealed, `${entry.route} seals personal data (in its group)`);
      for (const clear of ['Jane', 'kunde@example.com', 'one-way-in']) {
        assert.ok(!sealed.includes(clear), `${entry.route}: no cleartext ${clear}`);
      }
      const deliveries = await db
        .selectFrom('deliveries')
        .select('destination_type')
        .where('event_pk', '=', event.id)
        .execute();
      assert.deepEqual(
        deliveries.map((d) => d.destination_type),
        ['meta'],
        `${entry.route} queues one delivery`,
      );
      const usage = await periodUsage(db, tenant.org.id, Date.now());
      assert.deepEqual(
        { requests: usage.requests - usageBefore.requests, events: usage.events - usageBefore.events },
        { requests: 1, events: 1 },
        `${entry.route} counts one request and one event`,
      );
      assert.equal(
        await metric(entry.route, 'accepted'),
        acceptedBefore + 1,
        `${entry.route} accepted metric`,
      );
      assert.equal(await latencyCount(entry.route), latencyBefore + 1, `${entry.route} latency metric`);

      const again = await entry.send(tenant, key, id);
      assert.equal(again.status, 200);
      const count = await db.selectFrom('events').select('id').where('event_id', '=', id).execute();
      assert.equal(count.length, 1, `${entry.route}: a resend is not stored again`);
      assert.equal(
        await metric(entry.route, 'duplicate'),
        duplicateBefore + 1,
        `${entry.route} duplicate metric`,
      );
      const usageAfter = await periodUsage(db, tenant.org.id, Date.now());
      assert.deepEqual(
        { requests: usageAfter.requests - usage.requests, events: usageAfter.events - usage.events },
        { requests: 1, events: 0 },
        `${entry.route}: a duplicate counts a request, not an event`,
      );
    }
  });

  test('each refuses an exhausted quota (429 request_limit_exceeded) and a suspended subscription (403)', async () => {
    const tenant = await createTenant(service, { plan: 'starter', destinations: { meta: META } });
    const { key } = await createKey(service, tenant.org.id);
    // Every entry point records its request against the quota: QUOTA requests spread over all four use it up.
    for (let i = 0; i < QUOTA; i += 1) {
      const entry = entries[i % entries.length]!;
      const res = await entry.send(tenant, key, `owi-quota-${i}`);
      assert.equal(res.status, 200, `${entry.route}: ${JSON.stringify(res.body)}`);
    }
    for (const entry of entries) {
      const res = await entry.send(tenant, key, `owi-over-${entry.source}`);
      assert.equal(res.status, 429, `${entry.route} refuses over quota: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'request_limit_exceeded');
    }

    const other = await createTenant(service, { plan: 'pro', destinations: { meta: META } });
    const otherKey = await createKey(service, other.org.id);
    await service.storage.db
      .updateTable('orgs')
      .set({ subscription_status: 'suspended' })
      .where('id', '=', other.org.id)
      .execute();
    service.domains.invalidate();
    for (const entry of entries) {
      const res = await entry.send(other, otherKey.key, `owi-suspended-${entry.source}`);
      assert.equal(res.status, 403, `${entry.route} refuses a suspended subscription`);
      assert.equal(res.body.error.code, 'subscription_inactive');
    }
    const stored = await service.storage.db
      .selectFrom('events')
      .select('id')
      .where('org_id', '=', other.org.id)
      .execute();
    assert.equal(stored.length, 0);
  });
});
