import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type FakePlatform, startFakeMeta } from '../src/dev/fakes/index.js';
import {
  createTenant,
  dropSchema,
  eventually,
  ManualClock,
  proxyHeaders,
  purchaseEvent,
  sameDatabaseEnv,
  startTestService,
} from './harness.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };

describe('outbox queue', () => {
  let fake: FakePlatform;
  before(async () => {
    fake = await startFakeMeta();
  });
  after(() => fake.close());

  test('two workers compete for one queue: both deliver, no event is delivered twice', async () => {
    fake.reset();
    const env = { META_GRAPH_URL: fake.url, PROXY_RATE_LIMIT_PER_MINUTE: '0', DELIVERY_CONCURRENCY: '4' };
    const api = await startTestService({ role: 'api', env });
    const tenants = await Promise.all(
      Array.from({ length: 2 }, () =>
        createTenant(api, { plan: 'enterprise', destinations: { meta: META } }),
      ),
    );
    const shared = { ...env, ...sameDatabaseEnv(api) };
    // A slow platform: every batch is in flight for a while, so new events for the same destination
    // arrive while its rows are leased, and the workers (more slots than destinations, two batches per
    // destination each) compete for the same two queues.
    fake.setDelay(150);
    const workers = await Promise.all([
      startTestService({ role: 'worker', env: shared }),
      startTestService({ role: 'worker', env: shared }),
    ]);
    try {
      const base = purchaseEvent();
      for (let round = 0; round < 20; round += 1) {
        for (const [t, tenant] of tenants.entries()) {
          const events = Array.from({ length: 10 }, (_, i) => ({
            ...base,
            eventId: `share-${round}-${t}-${i}`,
          }));
          const res = await api.app!.inject({
            method: 'POST',
            url: '/v1/events',
            headers: proxyHeaders(tenant),
            payload: { events },
          });
          assert.equal(res.statusCode, 200);
        }
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      await eventually(async () => {
        const row = await api.storage.db
          .selectFrom('deliveries')
          .select(sql<number>`count(*)`.as('n'))
          .where('status', '=', 'delivered')
          .executeTakeFirstOrThrow();
        return Number(row.n) === 400;
      }, 30_000);
      // The worker counts a batch in its metrics after the outcome commit resolves, so this process can
      // see the committed rows a moment before the last batch is counted: wait for the counts too.
      const deliveredBy = () =>
        Promise.all(
          workers.map(async (w) => {
            const metric = await w.metrics.deliveryOutcomes.get();
            return metric.values
              .filter((v) => v.labels.outcome === 'delivered')
              .reduce((sum, v) => sum + v.value, 0);
          }),
        );
      const delivered = await eventually(async () => {
        const counts = await deliveredBy();
        return counts[0]! + counts[1]! >= 400 ? counts : undefined;
      }, 10_000);
      assert.ok(
        delivered.every((n) => n > 0),
        `both workers delivered some: ${delivered.join(' + ')}`,
      );
      assert.equal(delivered[0]! + delivered[1]!, 400);
      const ids = fake.accepted.map((e) => e.event_id);
      assert.equal(new Set(ids).size, 400);
      assert.equal(ids.length, 400, 'no event was sent twice');
    } finally {
      fake.reset();
      await Promise.all(workers.map((w) => w.close()));
      await api.destroy();
    }
  });

  test('a delivery still failing at the retry horizon is dead, and its personal data is erased', async () => {
    fake.reset();
    const service = await startTestService({
      env: {
        META_GRAPH_URL: fake.url,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
        RETRY_HORIZON_MS: '300',
        RETRY_BASE_MS: '100',
        RETRY_CAP_MS: '100',
        CIRCUIT_FAILURE_THRESHOLD: '1000',
      },
    });
    try {
      const tenant = await createTenant(service, { destinations: { meta: META } });
      fake.enqueue(...Array.from({ length: 50 }, () => ({ kind: 'status' as const, status: 500 as const })));
      await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: [purchaseEvent({ eventId: 'horizon-1' })] },
      });
      const dead = await eventually(async () => {
        const d = await service.storage.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
        return d.status === 'dead' ? d : undefined;
      });
      assert.ok(dead.attempts >= 1);
      assert.match(dead.last_error ?? '', /horizon/);
      const event = await service.storage.db.selectFrom('events').selectAll().executeTakeFirstOrThrow();
      assert.equal(event.pii_sealed, null);
    } finally {
      fake.reset();
      await service.destroy();
    }
  });

  test('dedup window edges: inside the window a duplicate, after it accepted again', async () => {
    const clock = new ManualClock(Date.now());
    const service = await startTestService({
      role: 'api',
      clock,
      env: { PROXY_RATE_LIMIT_PER_MINUTE: '0', DEDUP_WINDOW_SECONDS: '3600' },
    });
    try {
      const tenant = await createTenant(service, { destinations: { meta: META } });
      const post = async () => {
        const res = await service.app!.inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(tenant),
          payload: {
            events: [purchaseEvent({ eventId: 'window-1', eventTime: Math.floor(clock.now() / 1000) })],
          },
        });
        assert.equal(res.statusCode, 200);
      };
      const stored = async () =>
        (
          await service.storage.db
            .selectFrom('events')
            .select('id')
            .where('event_id', '=', 'window-1')
            .execute()
        ).length;
      await post();
      clock.advance(3599_000);
      await post();
      assert.equal(await stored(), 1, 'duplicate 1 s before the window ends');
      clock.advance(2_000);
      await post();
      assert.equal(await stored(), 2, 'accepted again once the window has passed');
      const deliveries = await service.storage.db.selectFrom('deliveries').select('id').execute();
      assert.equal(deliveries.length, 2);
    } finally {
      await service.destroy();
    }
  });

  test('GET /health is 503 with the reason when the database does not answer', async () => {
    const service = await startTestService({ role: 'api' });
    await service.storage.close();
    const res = await service.app!.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().status, 'unavailable');
    assert.match(res.json().reason, /database/);
    await service.app!.close();
    await service.writer.close();
    await service.worker?.stop(0);
    if (service.schema) await dropSchema(service.schema);
    rmSync(service.dataDir, { recursive: true, force: true });
  });
});
