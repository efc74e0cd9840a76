/**
 * The hourly delivery counters (src/storage/delivery-counts.ts) stay equal to a GROUP BY over `deliveries`
 * through every writer of a delivery's status: ingest, outcomes (delivered, failed, retry, dead, skipped for
 * consent), replay, erasure, retirement, an order's backfill and expiry; and retention, which deletes rows,
 * leaves them as they were.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { DB } from '../src/storage/db.js';
import { deliveryCountsByBucket } from '../src/storage/repos/api-stats.js';
import {
  type DeliveryOutcome,
  expireDeliveries,
  leaseBatch,
  recordOutcomes,
} from '../src/storage/repos/deliveries.js';
import { retireDestinations } from '../src/storage/repos/domain-admin.js';
import { replayOrgDeliveries } from '../src/storage/repos/event-log.js';
import { insertBackfillEvent } from '../src/storage/repos/orders.js';
import { eraseEventSeals } from '../src/storage/repos/person-data.js';
import { deleteEventsRolledUp } from '../src/storage/repos/retention.js';
import {
  createTenant,
  dialect,
  ManualClock,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';

const HOUR = 3_600_000;
const HOUR_A = Date.parse('2026-05-04T10:00:00Z');
const HOUR_B = HOUR_A + HOUR;

type Counter = [string, number, string, number, number, number, number, number | null];

interface CounterRow {
  destination_id: string;
  hour: number | string;
  status: string;
  sent_keys: number | string;
  n: number | string;
  score_sum: number | string;
  consent_skips: number | string;
  last_delivered_at: number | string | null;
}

const asCounters = (rows: CounterRow[]): Counter[] =>
  sorted(
    rows.map((r) => [
      r.destination_id,
      Number(r.hour),
      r.status,
      Number(r.sent_keys),
      Number(r.n),
      Number(r.score_sum),
      Number(r.consent_skips),
      r.last_delivered_at === null ? null : Number(r.last_delivered_at),
    ]),
  );

/** The counters, without the ones every delivery has left (n = 0). */
async function counters(db: DB, orgId: string): Promise<Counter[]> {
  return asCounters(
    await db
      .selectFrom('delivery_counts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('n', '<>', 0)
      .execute(),
  );
}

/** The same figures counted from the rows themselves. */
async function groupedRows(db: DB, orgId: string): Promise<Counter[]> {
  const hour = sql<number>`(created_at - (created_at % ${sql.lit(HOUR)}))`;
  const keys = sql<number>`coalesce(sent_keys, -1)`;
  const rows = await db
    .selectFrom('deliveries')
    .select([
      'destination_id',
      hour.as('hour'),
      'status',
      keys.as('sent_keys'),
      sql<number>`count(*)`.as('n'),
      sql<number>`coalesce(sum(match_score), 0)`.as('score_sum'),
      sql<number>`sum(case when status = 'skipped' and last_error = 'consent' then 1 else 0 end)`.as(
        'consent_skips',
      ),
      sql<number | null>`max(case when status = 'delivered' then final_at end)`.as('last_delivered_at'),
    ])
    .where('org_id', '=', orgId)
    .groupBy(['destination_id', hour, 'status', keys])
    .execute();
  return asCounters(rows);
}

function sorted(rows: Counter[]): Counter[] {
  return rows.sort((a, b) => {
    const ka = JSON.stringify(a.slice(0, 4));
    const kb = JSON.stringify(b.slice(0, 4));
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

describe(`hourly delivery counters (${dialect})`, () => {
  const clock = new ManualClock(HOUR_A + 5 * 60_000);
  let service: TestService;
  let tenant: Tenant;
  let db: DB;

  before(async () => {
    service = await startTestService({ role: 'api', clock, env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, {
      plan: 'enterprise',
      destinations: {
        meta: { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' },
        tiktok: { pixelCode: 'CABC123', accessToken: 'tt-secret-token-9abc' },
      },
    });
    db = service.storage.db;
  });
  after(() => service.destroy());

  const post = async (events: Record<string, unknown>[]): Promise<void> => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: events.map((e) => ({ ...e, eventTime: Math.floor(clock.now() / 1000) - 5 })) },
    });
    assert.equal(res.statusCode, 200, res.body);
  };

  const metaDeliveries = async (): Promise<Array<{ id: string; event_pk: string; attempts: number }>> =>
    db
      .selectFrom('deliveries')
      .select(['id', 'event_pk', 'attempts'])
      .where('destination_id', '=', tenant.destinations.meta!)
      .orderBy('id')
      .execute();

  test('every writer keeps the counters equal to the rows; retention deletes rows, not counts', async () => {
    const orgId = tenant.org.id;
    const assertEqual = async (step: string): Promise<void> => {
      assert.deepEqual(await counters(db, orgId), await groupedRows(db, orgId), `after ${step}`);
    };
    // Ingest: six events in hour A (one without personal data: unmeasured), one in hour B.
    await post([
      ...Array.from({ length: 5 }, (_, i) => purchaseEvent({ eventId: `a-${i}` })),
      purchaseEvent({ eventId: 'a-5', userData: { ipAddress: '203.0.113.9' } }),
    ]);
    clock.set(HOUR_B + 60_000);
    await post([purchaseEvent({ eventId: 'b-0' })]);
    await assertEqual('ingest');
    assert.equal((await counters(db, orgId)).length >= 4, true);

    // Outcomes of a meta batch: delivered, failed, retry, dead, skipped for consent, delivered; one left leased.
    clock.advance(60_000);
    const now = clock.now();
    const leased = await leaseBatch(db, dialect, {
      destinationId: tenant.destinations.meta!,
      owner: 'w1',
      now,
      leaseMs: 60_000,
      limit: 100,
    });
    assert.equal(leased.deliveries.length, 7);
    const m = await metaDeliveries();
    // The deliveries as leased: with them and the destination, SQLite counts the successes from the lease
    // (markDeliveredFromLease) rather than from the UPDATE's RETURNING.
    const asLeased = new Map(leased.deliveries.map((d) => [d.id, d]));
    const outcome = (i: number, status: DeliveryOutcome['status'], message: string | null = null) => ({
      delivery: asLeased.get(m[i]!.id)!,
      status,
      attempted: status !== 'skipped',
      ...(status === 'pending' ? { nextAttemptAt: now + 1000 } : {}),
      statusCode: status === 'delivered' ? 200 : status === 'skipped' ? null : 500,
      outcome: status === 'pending' ? 'retry' : status === 'skipped' ? 'skipped' : status,
      message,
    });
    await recordOutcomes(db, dialect, {
      owner: 'w1',
      now,
      destination: {
        id: tenant.destinations.meta!,
        org_id: orgId,
        domain_id: tenant.domain.id,
        type: 'meta',
      },
      outcomes: [
        outcome(0, 'delivered'),
        outcome(1, 'failed', 'bad request'),
        outcome(2, 'pending', 'try later'),
        outcome(3, 'dead', 'gone'),
        outcome(4, 'skipped', 'consent'),
        outcome(5, 'delivered'),
      ],
    });
    await assertEqual('outcomes');

    // Replay the failed and the dead one; erase the retried one's event; retire tiktok.
    const replay = await replayOrgDeliveries(db, {
      filter: { orgId },
      deliveryIds: [m[1]!.id, m[3]!.id],
      now,
      retryHorizonMs: HOUR,
    });
    assert.equal(replay.replayed, 2);
    await assertEqual('replay');
    const erased = await eraseEventSeals(db, dialect, service.sealer, [m[2]!.event_pk], now);
    assert.equal(erased.deliveries, 2);
    await assertEqual('erasure');
    assert.ok((await retireDestinations(db, [tenant.destinations.tiktok!], 'gone', now)) > 0);
    await assertEqual('retirement');

    // An order's backfilled Purchase: a new event and a pending delivery, written outside the outbox.
    const event = await db
      .selectFrom('events')
      .selectAll()
      .where('id', '=', m[0]!.event_pk)
      .executeTakeFirstOrThrow();
    const delivery = await db
      .selectFrom('deliveries')
      .selectAll()
      .where('id', '=', m[0]!.id)
      .executeTakeFirstOrThrow();
    await insertBackfillEvent(db, {
      event: { ...event, id: 'evt_backfill', event_id: 'backfill-1', received_at: now },
      deliveries: [
        {
          ...delivery,
          id: 'dlv_backfill',
          event_pk: 'evt_backfill',
          status: 'pending',
          final_at: null,
          created_at: now,
        },
      ],
    });
    await assertEqual('backfill');

    // Expiry: every pending delivery past its horizon (the one still leased too, its lease gone) dies.
    assert.ok((await expireDeliveries(db, now + 400 * 24 * HOUR)) > 0);
    await assertEqual('expiry');

    // Retention deletes hour A's events: the counters keep what they counted.
    const before = await counters(db, orgId);
    const scope = { orgId, domainId: null, from: HOUR_A, to: HOUR_A + 24 * HOUR, bucketMs: HOUR };
    const statsBefore = await deliveryCountsByBucket(db, scope);
    const hourA = await db
      .selectFrom('events')
      .select('id')
      .where('org_id', '=', orgId)
      .where('received_at', '<', HOUR_B)
      .execute();
    const deleted = await deleteEventsRolledUp(
      db,
      dialect,
      hourA.map((r) => r.id),
    );
    assert.equal(deleted.events, 6);
    assert.equal(deleted.deliveries, 12);
    assert.deepEqual(await counters(db, orgId), before);
    const sortStats = (rows: typeof statsBefore) =>
      [...rows].sort((a, b) =>
        `${a.bucket}${a.type}${a.status}`.localeCompare(`${b.bucket}${b.type}${b.status}`),
      );
    assert.deepEqual(sortStats(await deliveryCountsByBucket(db, scope)), sortStats(statsBefore));
    const figures = Object.fromEntries(
      statsBefore.filter((r) => r.bucket === HOUR_A && r.type === 'meta').map((r) => [r.status, r.count]),
    );
    // Hour A's meta deliveries: 2 delivered, 1 skipped for consent and 1 by erasure, 2 replayed (a failed
    // and a dead one) and then dead at expiry.
    assert.deepEqual(figures, { delivered: 2, skipped: 2, dead: 2 });
  });
});
