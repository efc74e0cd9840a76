/**
 * Retention (issue 14 §3) on the dialect the runner chose: a pass deletes exactly what is past its table's
 * retention (old final events yes, an old event still waiting for a delivery no, recent rows no), keeps the
 * statistics of what it deleted, and the queue keeps delivering while a pass runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { pino } from 'pino';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { runRetention } from '../../src/retention/run.js';
import { RetentionScheduler } from '../../src/retention/scheduler.js';
import { dedupKey } from '../../src/storage/dedup-key.js';
import {
  deliveryCountsByBucket,
  eventCountsByBucket,
  purchaseValueByBucket,
} from '../../src/storage/repos/api-stats.js';
import { cliJson } from '../cli/helpers.js';
import {
  createTenant,
  dialect,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { DAY, seedEvents, uniqueId } from './helpers.js';

const TOKEN = 'EAAB-retention-token';

describe(`retention (${dialect})`, () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: [TOKEN] });
    service = await startTestService({
      env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0', RETENTION_BATCH_SIZE: '100' },
    });
    tenant = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: TOKEN } },
    });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  test('a pass deletes old final events and expired rows of every table, and nothing else', async () => {
    const { db } = service.storage;
    const now = Date.now();
    const old = now - 40 * DAY;
    const ids = {
      delivered: [uniqueId('evt'), uniqueId('evt'), uniqueId('evt')],
      failed: uniqueId('evt'),
      dead: uniqueId('evt'),
      pending: uniqueId('evt'),
      recent: [uniqueId('evt'), uniqueId('evt')],
    };
    await seedEvents(service, tenant, [
      ...ids.delivered.map((id, i) => ({ id, receivedAt: old + i, status: 'delivered' as const })),
      { id: ids.failed, receivedAt: old, status: 'failed' },
      { id: ids.dead, receivedAt: old, status: 'dead', eventName: 'AddToCart', customData: null },
      { id: ids.pending, receivedAt: old - 10 * DAY, status: 'pending' },
      ...ids.recent.map((id) => ({ id, receivedAt: now - 5 * DAY, status: 'delivered' as const })),
    ]);
    const oldDay = {
      orgId: tenant.org.id,
      domainId: null,
      from: old - (old % DAY),
      to: old - (old % DAY) + DAY,
    };
    const statsBefore = {
      events: await eventCountsByBucket(db, { ...oldDay, bucketMs: DAY }),
      deliveries: await deliveryCountsByBucket(db, { ...oldDay, bucketMs: DAY }),
      value: await purchaseValueByBucket(db, service.storage.dialect, { ...oldDay, bucketMs: DAY }),
    };

    // One expired and one live row in each table that expires.
    const userId = uniqueId('usr');
    await db
      .insertInto('users')
      .values({ id: userId, email: `${userId}@example.com`, created_at: old, last_login_at: null })
      .execute();
    const pair = <T>(make: (expired: boolean) => T): T[] => [make(true), make(false)];
    await db
      .insertInto('dedup_keys')
      .values(
        pair((x) => {
          const eventId = uniqueId(x ? 'gone' : 'kept');
          return {
            key: dedupKey(tenant.domain.id, 'Purchase', eventId),
            event_pk: eventId,
            expires_at: x ? now - 1000 : now + DAY,
          };
        }),
      )
      .execute();
    await db
      .insertInto('idempotency_keys')
      .values(
        pair((x) => ({
          scope: 'key:k',
          idem_key: uniqueId(x ? 'gone' : 'kept'),
          org_id: tenant.org.id,
          method: 'POST',
          path: '/x',
          request_hash: 'h',
          status: 'completed',
          response_status: 200,
          response_body: null,
          created_at: old,
          locked_until: old,
          expires_at: x ? now - 1000 : now + DAY,
        })),
      )
      .execute();
    await db
      .insertInto('sessions')
      .values(
        pair((x) => ({
          id: uniqueId(x ? 'gone' : 'kept'),
          token_hash: uniqueId('h'),
          user_id: userId,
          current_org_id: null,
          created_at: old,
          last_seen_at: x ? old : now,
          expires_at: x ? now - 2 * DAY : now + DAY,
          revoked_at: null,
        })),
      )
      .execute();
    await db
      .insertInto('login_tokens')
      .values(
        pair((x) => ({
          id: uniqueId(x ? 'gone' : 'kept'),
          token_hash: uniqueId('h'),
          email: 'a@example.com',
          purpose: 'login',
          org_id: null,
          role: null,
          invited_by: null,
          redirect: null,
          created_at: old,
          expires_at: x ? now - 2 * DAY : now + 60_000,
          used_at: null,
        })),
      )
      .execute();
    await db
      .insertInto('audit_log')
      .values(
        pair((x) => ({
          id: uniqueId(x ? 'gone' : 'kept'),
          org_id: tenant.org.id,
          actor_type: 'operator',
          actor_id: 'cli',
          action: 'test',
          target_type: null,
          target_id: null,
          details: null,
          ip: null,
          at: x ? now - 400 * DAY : now - 300 * DAY,
        })),
      )
      .execute();
    await db
      .insertInto('conversions')
      .values(
        pair((x) => ({
          id: uniqueId(x ? 'gone' : 'kept'),
          org_id: tenant.org.id,
          domain_id: tenant.domain.id,
          order_id: uniqueId('o'),
          event_id: 'e',
          visitor_id: null,
          shopper_key: null,
          value: '1',
          currency: 'EUR',
          occurred_at: x ? now - 200 * DAY : now - 150 * DAY,
          created_at: now,
        })),
      )
      .execute();
    // A touchpoint 250 days old may still be credited to a conversion of day -180 (window up to 90 days).
    await db
      .insertInto('touchpoints')
      .values(
        pair((x) => ({
          id: uniqueId(x ? 'gone' : 'kept'),
          org_id: tenant.org.id,
          domain_id: tenant.domain.id,
          visitor_id: 'v',
          occurred_at: x ? now - 300 * DAY : now - 250 * DAY,
          channel: 'utm',
          utm_source: null,
          utm_medium: null,
          utm_campaign: null,
          details_sealed: 'x',
        })),
      )
      .execute();
    await db
      .insertInto('visitors')
      .values(
        pair((x) => ({
          id: uniqueId(x ? 'gone' : 'kept'),
          org_id: tenant.org.id,
          domain_id: tenant.domain.id,
          visitor_id: uniqueId('v'),
          shopper_key: null,
          identity_sealed: null,
          first_seen_at: old,
          last_seen_at: x ? now - 300 * DAY : now - 10 * DAY,
          stitched_at: null,
        })),
      )
      .execute();

    const report = await runRetention({
      storage: service.storage,
      config: service.config,
      clock: { now: () => now },
    });

    const remaining = (
      await db.selectFrom('events').select('id').where('org_id', '=', tenant.org.id).execute()
    ).map((r) => r.id);
    assert.deepEqual(new Set(remaining), new Set([ids.pending, ...ids.recent]));
    assert.equal(report.deleted.events, 5);
    assert.equal(report.deleted.deliveries, 5);
    assert.equal(report.deleted.delivery_attempts, 5);
    // The pending event keeps its delivery and attempt.
    const pendingDelivery = await db
      .selectFrom('deliveries')
      .select('status')
      .where('event_pk', '=', ids.pending)
      .execute();
    assert.deepEqual(pendingDelivery, [{ status: 'pending' }]);
    assert.equal(
      (
        await db
          .selectFrom('delivery_attempts')
          .select('id')
          .where('delivery_id', '=', `dlv_${ids.pending}`)
          .execute()
      ).length,
      1,
    );

    const keyColumn = { dedup_keys: 'event_pk', idempotency_keys: 'idem_key' } as Record<string, string>;
    for (const table of [
      'dedup_keys',
      'idempotency_keys',
      'sessions',
      'login_tokens',
      'audit_log',
      'conversions',
      'touchpoints',
      'visitors',
    ]) {
      const column = keyColumn[table] ?? 'id';
      const rows = await sql<{ k: string }>`select ${sql.ref(column)} as k from ${sql.table(table)}`.execute(
        db,
      );
      const keys = rows.rows.map((r) => r.k);
      assert.ok(!keys.some((k) => k.startsWith('gone_')), `${table}: an expired row is left`);
      assert.ok(
        keys.some((k) => k.startsWith('kept_')),
        `${table}: a live row was deleted`,
      );
      // Dedup keys are also deleted by the worker's own maintenance, which may have come first.
      if (table !== 'dedup_keys') assert.equal(report.deleted[table], 1, `${table}: reported count`);
    }

    // The deleted day's statistics answer as before, from the daily aggregates.
    const statsAfter = {
      events: await eventCountsByBucket(db, { ...oldDay, bucketMs: DAY }),
      deliveries: await deliveryCountsByBucket(db, { ...oldDay, bucketMs: DAY }),
      value: await purchaseValueByBucket(db, service.storage.dialect, { ...oldDay, bucketMs: DAY }),
    };
    const sorted = <T>(rows: T[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
    assert.ok(statsBefore.events.length > 0);
    assert.deepEqual(sorted(statsAfter.events), sorted(statsBefore.events));
    assert.deepEqual(sorted(statsAfter.deliveries), sorted(statsBefore.deliveries));
    assert.deepEqual(sorted(statsAfter.value), sorted(statsBefore.value));
    assert.ok((await db.selectFrom('stats_daily').select('kind').execute()).length > 0);

    // A second pass finds nothing more.
    const again = await runRetention({
      storage: service.storage,
      config: service.config,
      clock: { now: () => now },
    });
    assert.equal(
      Object.values(again.deleted).reduce((a, b) => a + b, 0),
      0,
    );
  });

  test('the queue keeps delivering while a pass deletes thousands of rows', async () => {
    const old = Date.now() - 40 * DAY;
    const count = 3000;
    await seedEvents(
      service,
      tenant,
      Array.from({ length: count }, (_, i) => ({
        id: uniqueId('bulk'),
        receivedAt: old + i,
        status: 'delivered' as const,
      })),
    );
    const acceptedBefore = fakes.meta.accepted.length;
    let passes = 0;
    let deliveredMidPass = false;
    // Between two batches (100 rows each), an event sent now must reach the platform before the pass goes on.
    const report = await runRetention(
      { storage: service.storage, config: service.config, clock: { now: () => Date.now() } },
      {
        pause: async () => {
          passes += 1;
          if (passes !== 10) return new Promise((resolve) => setImmediate(resolve));
          const res = await service.app!.inject({
            method: 'POST',
            url: '/v1/events',
            headers: proxyHeaders(tenant),
            payload: { events: [purchaseEvent({ eventId: 'during-retention' })] },
          });
          assert.equal(res.statusCode, 200);
          await eventually(async () => fakes.meta.accepted.length > acceptedBefore);
          deliveredMidPass = true;
        },
      },
    );
    assert.ok(deliveredMidPass);
    assert.ok(report.deleted.events! >= count, `deleted ${report.deleted.events}`);
    const left = await service.storage.db
      .selectFrom('events')
      .select('id')
      .where('id', 'like', 'bulk_%')
      .execute();
    assert.equal(left.length, 0);
    // The event that arrived during the pass is recent: kept.
    const kept = await service.storage.db
      .selectFrom('events')
      .select('id')
      .where('event_id', '=', 'during-retention')
      .execute();
    assert.equal(kept.length, 1);
  });

  test('concurrent ingest during a default pass: every event delivered, the pass completes', async () => {
    const old = Date.now() - 40 * DAY;
    await seedEvents(
      service,
      tenant,
      Array.from({ length: 2000 }, (_, i) => ({
        id: uniqueId('bulk'),
        receivedAt: old + i,
        status: 'delivered' as const,
      })),
    );
    const acceptedBefore = fakes.meta.accepted.length;
    const pass = runRetention({
      storage: service.storage,
      config: service.config,
      clock: { now: () => Date.now() },
    });
    let finished = false;
    void pass.then(() => {
      finished = true;
    });
    const sent = 20;
    for (let i = 0; i < sent; i += 1) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: [purchaseEvent({ eventId: `concurrent-${i}` })] },
      });
      assert.equal(res.statusCode, 200);
    }
    const report = await pass;
    assert.ok(report.deleted.events! >= 2000);
    await eventually(async () => fakes.meta.accepted.length >= acceptedBefore + sent);
    assert.ok(finished);
  });

  test('the worker role schedules passes (here after 10 ms) and stops them', async () => {
    assert.ok(service.retention, 'a worker-role service has a retention scheduler');
    const id = uniqueId('sched');
    await seedEvents(service, tenant, [{ id, receivedAt: Date.now() - 40 * DAY, status: 'delivered' }]);
    const scheduler = new RetentionScheduler(
      {
        storage: service.storage,
        config: service.config,
        clock: { now: () => Date.now() },
        log: pino({ level: 'silent' }),
      },
      10,
    );
    scheduler.start();
    try {
      await eventually(
        async () =>
          (await service.storage.db.selectFrom('events').select('id').where('id', '=', id).execute())
            .length === 0,
      );
    } finally {
      await scheduler.stop();
    }
  });

  test('`tagbridge retention run --json` prints the counts per table', async () => {
    const old = Date.now() - 40 * DAY;
    await seedEvents(service, tenant, [{ id: uniqueId('cli'), receivedAt: old, status: 'delivered' }]);
    const result = await cliJson(service, ['retention', 'run']);
    assert.equal(result.code, 0, JSON.stringify(result.body));
    const deleted = result.body.deleted as Record<string, number>;
    assert.equal(deleted.events, 1);
    assert.equal(deleted.deliveries, 1);
    for (const table of [
      'dedup_keys',
      'sessions',
      'login_tokens',
      'idempotency_keys',
      'audit_log',
      'webhook_messages',
    ])
      assert.equal(typeof deleted[table], 'number', table);
    if (dialect === 'sqlite')
      assert.equal((result.body.sqlite as { autoVacuum: string }).autoVacuum, 'incremental');
    else assert.equal(result.body.sqlite, null);
  });
});
