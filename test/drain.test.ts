/**
 * The drain's database work per batch, on both dialects: leasing a batch and reading its events, and
 * recording its outcomes, take a few statements whatever the batch holds (counted through a Kysely plugin,
 * not timed), every row still gets its own outcome, and personal data is erased exactly when no delivery
 * of the event is pending any more.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import {
  type DeliveryOutcome,
  type LeasedDelivery,
  leaseBatch,
  recordOutcomes,
} from '../src/storage/repos/deliveries.js';
import { createTenant, proxyHeaders, purchaseEvent, startTestService, type TestService } from './harness.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };
const TIKTOK = { pixelCode: 'CABC1234567', accessToken: 'tt-good-token-5678' };
const LEASE_MS = 60_000;

/**
 * Counts the statements Kysely executes, once per result (a subquery passes `transformQuery` too, so that
 * would count builders, not statements). BEGIN and COMMIT are not queries and not counted.
 */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count += 1;
    return args.result;
  }
}

describe('drain: statements per batch and erasure', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await service.destroy();
  });

  const queue = async (
    count: number,
    destinations: Record<string, Record<string, unknown>>,
  ): Promise<{ destinations: Record<string, string>; t0: number }> => {
    const tenant = await createTenant(service, { plan: 'enterprise', destinations });
    for (let sent = 0; sent < count; sent += 100) {
      const events = Array.from({ length: Math.min(100, count - sent) }, () => purchaseEvent());
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events },
      });
      assert.equal(res.statusCode, 200, res.body);
    }
    return { destinations: tenant.destinations as Record<string, string>, t0: Date.now() + 1000 };
  };
  const counted = () => {
    const counter = new StatementCounter();
    return { counter, db: service.storage.db.withPlugin(counter) };
  };
  const lease = (db: typeof service.storage.db, destinationId: string, now: number, limit = 1000) =>
    leaseBatch(db, service.storage.dialect, {
      destinationId,
      owner: 'drain-test',
      now,
      leaseMs: LEASE_MS,
      limit,
    });

  test('a 1,000-event batch: leased with its events and its outcomes recorded in a few statements', async () => {
    const { destinations, t0 } = await queue(1000, { meta: META });
    const leasing = counted();
    const batch = await lease(leasing.db, destinations.meta!, t0);
    assert.equal(batch.deliveries.length, 1000);
    assert.equal(batch.events.size, 1000);
    for (const d of batch.deliveries) {
      const event = batch.events.get(d.event_pk);
      assert.ok(event && event.pii_slot !== null, 'event read with it');
      assert.ok(batch.groups.has(event.pii_group!), 'its sealed group read with it');
    }
    // Ten requests of 100: each group commit sealed its events' data once.
    assert.ok(batch.groups.size <= 10, `${batch.groups.size} sealed groups for 1,000 events`);
    // The lease and the events' read (one statement on PostgreSQL), and the batch's sealed groups.
    assert.ok(leasing.counter.count <= 3, `${leasing.counter.count} statements to lease and read`);

    // Every kind of outcome, most of them distinct (retries spread by jitter, per-event rejections);
    // the successes of two platform requests, which answered differently.
    const outcomes: DeliveryOutcome[] = batch.deliveries.map((delivery: LeasedDelivery, i) => {
      if (i % 8 === 0) return delivered(delivery);
      if (i % 8 === 4)
        return { ...delivered(delivery), statusCode: 207, message: 'request r-2' } satisfies DeliveryOutcome;
      if (i % 4 === 1)
        return {
          delivery,
          status: 'pending',
          attempted: true,
          nextAttemptAt: t0 + 1000 + i,
          statusCode: 503,
          outcome: 'retry',
          message: `busy ${i}`,
        };
      if (i % 4 === 2)
        return {
          delivery,
          status: 'failed',
          attempted: true,
          statusCode: 400,
          outcome: 'rejected',
          message: `bad event ${i}`,
        };
      return {
        delivery,
        status: 'skipped',
        attempted: false,
        statusCode: null,
        outcome: 'skipped',
        message: `skipped ${i}`,
      };
    });
    const recording = counted();
    const destination = await service.storage.db
      .selectFrom('destinations')
      .select(['id', 'org_id', 'domain_id', 'type'])
      .where('id', '=', destinations.meta!)
      .executeTakeFirstOrThrow();
    await recordOutcomes(recording.db, service.storage.dialect, {
      owner: 'drain-test',
      now: t0 + 10,
      outcomes,
      destination,
    });
    // One UPDATE per platform request's successes (2), one for the rest, the counters, the trace, the erasure
    // and its groups' release (one UPDATE for all of them, one DELETE); on PostgreSQL the
    // lock of the batch's events, on SQLite the savepoint around the successes and its release (they are
    // counted from the lease there, not returned).
    const most = service.storage.dialect === 'postgres' ? 9 : 10;
    assert.ok(recording.counter.count <= most, `${recording.counter.count} statements for 1,000 outcomes`);

    const rows = new Map(
      (
        await service.storage.db
          .selectFrom('deliveries')
          .selectAll()
          .where('destination_id', '=', destinations.meta!)
          .execute()
      ).map((r) => [r.id, r]),
    );
    batch.deliveries.forEach((d, i) => {
      const row = rows.get(d.id)!;
      assert.equal(row.lease_owner, null);
      assert.equal(row.updated_at, t0 + 10);
      const success =
        i % 8 === 0
          ? { status: 'delivered', attempts: 1, code: 200, error: null, next: t0 + 10, final: t0 + 10 }
          : {
              status: 'delivered',
              attempts: 1,
              code: 207,
              error: 'request r-2',
              next: t0 + 10,
              final: t0 + 10,
            };
      const expected = [
        success,
        { status: 'pending', attempts: 1, code: 503, error: `busy ${i}`, next: t0 + 1000 + i, final: null },
        { status: 'failed', attempts: 1, code: 400, error: `bad event ${i}`, next: t0 + 10, final: t0 + 10 },
        { status: 'skipped', attempts: 0, code: null, error: `skipped ${i}`, next: t0 + 10, final: t0 + 10 },
      ][i % 4]!;
      assert.deepEqual(
        {
          status: row.status,
          attempts: row.attempts,
          code: row.last_status_code,
          error: row.last_error,
          next: row.next_attempt_at,
          final: row.final_at,
        },
        expected,
        `delivery ${i}`,
      );
    });
    // The hourly counters moved every row, the successes counted from the lease included.
    const counts = await service.storage.db
      .selectFrom('delivery_counts')
      .select([
        'status',
        (eb) => eb.fn.sum<number>('n').as('n'),
        (eb) => eb.fn.max('last_delivered_at').as('last'),
      ])
      .where('destination_id', '=', destinations.meta!)
      .groupBy('status')
      .execute();
    assert.deepEqual(
      Object.fromEntries(counts.filter((c) => Number(c.n) !== 0).map((c) => [c.status, Number(c.n)])),
      { delivered: 250, pending: 250, failed: 250, skipped: 250 },
    );
    assert.equal(Number(counts.find((c) => c.status === 'delivered')!.last), t0 + 10);
    // The trace holds every attempt but the plain successes (those live on the row).
    const traced = await service.storage.db
      .selectFrom('delivery_attempts')
      .select(['delivery_id', 'outcome', 'message', 'attempt'])
      .where(
        'delivery_id',
        'in',
        batch.deliveries.map((d) => d.id),
      )
      .execute();
    assert.equal(traced.length, 750);
    const sealed = await sealedByEvent(batch.deliveries.map((d) => d.event_pk));
    batch.deliveries.forEach((d, i) => {
      assert.equal(
        sealed.get(d.event_pk),
        i % 4 === 1,
        `event ${i} keeps its personal data only while pending`,
      );
    });
  });

  test('personal data is erased exactly when the last pending delivery of the event becomes final', async () => {
    const { destinations, t0 } = await queue(3, { meta: META, tiktok: TIKTOK });
    const meta = await lease(service.storage.db, destinations.meta!, t0);
    const tiktok = await lease(service.storage.db, destinations.tiktok!, t0);
    const pks = meta.deliveries.map((d) => d.event_pk);
    assert.equal(meta.deliveries.length, 3);
    assert.equal(tiktok.deliveries.length, 3);
    const record = (outcomes: DeliveryOutcome[], now: number) =>
      recordOutcomes(service.storage.db, service.storage.dialect, { owner: 'drain-test', now, outcomes });

    // Meta done, TikTok still pending: kept.
    await record(meta.deliveries.map(delivered), t0 + 1);
    assert.deepEqual([...(await sealedByEvent(pks)).values()], [true, true, true]);

    // TikTok to retry later (still pending): kept.
    await record(
      tiktok.deliveries.map((delivery) => ({
        delivery,
        status: 'pending' as const,
        attempted: true,
        nextAttemptAt: t0 + 100,
        statusCode: 503,
        outcome: 'retry',
        message: 'busy',
      })),
      t0 + 2,
    );
    assert.deepEqual([...(await sealedByEvent(pks)).values()], [true, true, true]);

    // TikTok final for one event only: that event's data goes, the others stay.
    const again = await lease(service.storage.db, destinations.tiktok!, t0 + 100);
    assert.equal(again.deliveries.length, 3);
    const [first, ...rest] = again.deliveries;
    await record([delivered(first!)], t0 + 101);
    const sealed = await sealedByEvent(pks);
    assert.equal(sealed.get(first!.event_pk), false);
    for (const d of rest) assert.equal(sealed.get(d.event_pk), true);
    await record(
      rest.map((delivery) => ({
        delivery,
        status: 'failed' as const,
        attempted: true,
        statusCode: 400,
        outcome: 'rejected',
        message: 'bad',
      })),
      t0 + 102,
    );
    assert.deepEqual([...(await sealedByEvent(pks)).values()], [false, false, false]);
    // The three came in one request, so one group: deleted with its last live slot.
    const group = await service.storage.db
      .selectFrom('events')
      .select('pii_group')
      .where('id', '=', pks[0]!)
      .executeTakeFirstOrThrow();
    const left = await service.storage.db
      .selectFrom('pii_groups')
      .select('id')
      .where('id', '=', Number(group.pii_group))
      .execute();
    assert.deepEqual(left, [], 'the sealed group is deleted once none of its events waits');
  });

  const sealedByEvent = async (pks: string[]): Promise<Map<string, boolean>> => {
    const rows = await service.storage.db
      .selectFrom('events')
      .select(['id', 'pii_sealed', 'pii_group', 'pii_slot', 'pii_erased_at'])
      .where('id', 'in', pks)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const groups = new Map(
      (await service.storage.db.selectFrom('pii_groups').select(['id', 'pending']).execute()).map((g) => [
        Number(g.id),
        g.pending,
      ]),
    );
    return new Map(
      pks.map((pk) => {
        const row = byId.get(pk)!;
        assert.equal(row.pii_sealed, null, 'sealed with its group, not on its own');
        assert.ok(row.pii_group !== null, 'the event points at its group');
        assert.equal(row.pii_erased_at === null, row.pii_slot !== null, 'erasure time set with the erasure');
        // A live slot keeps its group; the group goes with its last live slot.
        if (row.pii_slot !== null) assert.ok((groups.get(Number(row.pii_group)) ?? 0) > 0, 'group kept');
        return [pk, row.pii_slot !== null];
      }),
    );
  };
});

function delivered(delivery: Pick<LeasedDelivery, 'id' | 'event_pk' | 'attempts'>): DeliveryOutcome {
  return {
    delivery,
    status: 'delivered',
    attempted: true,
    statusCode: 200,
    outcome: 'delivered',
    message: null,
  };
}
