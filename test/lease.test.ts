/**
 * The queue's lease, directly on the storage functions and on both dialects (the runner runs this file on
 * SQLite and on PostgreSQL): a live lease is exclusive, an expired one is taken over, concurrent leasing
 * hands out disjoint sets, and a worker whose lease was taken over cannot overwrite the new holder's row.
 * Time is passed in (`now`), never slept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type DeliveryOutcome,
  dueDestinationIds,
  type LeasedDelivery,
  leaseDeliveries,
  recordOutcomes,
} from '../src/storage/repos/deliveries.js';

import {
  createTenant,
  proxyHeaders,
  purchaseEvent,
  sameDatabaseEnv,
  startTestService,
  type TestService,
} from './harness.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };
const LEASE_MS = 1000;

describe('delivery leases', () => {
  // Two nodes on one database (on SQLite two connections to one file), neither running a worker.
  let a: TestService;
  let b: TestService;
  before(async () => {
    a = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    b = await startTestService({
      role: 'api',
      env: { PROXY_RATE_LIMIT_PER_MINUTE: '0', ...sameDatabaseEnv(a) },
    });
  });
  after(async () => {
    await b.destroy();
    await a.destroy();
  });

  /** A fresh destination with `count` due deliveries; returns its id and a time at which they are all due. */
  const queue = async (count: number): Promise<{ destinationId: string; t0: number }> => {
    const tenant = await createTenant(a, { plan: 'enterprise', destinations: { meta: META } });
    const res = await a.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: Array.from({ length: count }, () => purchaseEvent()) },
    });
    assert.equal(res.statusCode, 200, res.body);
    return { destinationId: tenant.destinations.meta!, t0: Date.now() + 1000 };
  };
  const lease = (service: TestService, destinationId: string, owner: string, now: number, limit = 100) =>
    leaseDeliveries(service.storage.db, service.storage.dialect, {
      destinationId,
      owner,
      now,
      leaseMs: LEASE_MS,
      limit,
    });
  const rows = (destinationId: string) =>
    a.storage.db
      .selectFrom('deliveries')
      .selectAll()
      .where('destination_id', '=', destinationId)
      .orderBy('id')
      .execute();
  const ids = (deliveries: LeasedDelivery[]) => deliveries.map((d) => d.id).sort();
  /** Each delivery's outcome as one platform request would give it. */
  const outcomes = (owned: LeasedDelivery[], status: 'delivered' | 'failed'): DeliveryOutcome[] =>
    owned.map((delivery) => ({
      delivery,
      status,
      attempted: true,
      statusCode: status === 'delivered' ? 200 : 400,
      outcome: status === 'delivered' ? 'delivered' : 'rejected',
      message: status === 'delivered' ? null : 'stale answer',
    }));

  test('a live lease is exclusive; at its expiry another owner takes the rows over', async () => {
    const { destinationId, t0 } = await queue(5);
    // The limit holds (a circuit's probe leases one delivery); that lease has expired by t0.
    const one = await lease(a, destinationId, 'owner-probe', t0 - LEASE_MS, 1);
    assert.equal(one.length, 1);
    const first = await lease(a, destinationId, 'owner-a', t0);
    assert.equal(first.length, 5);
    assert.ok(first.every((d) => d.lease_owner === 'owner-a' && d.lease_expires_at === t0 + LEASE_MS));

    // 1 ms before the expiry: nothing for another owner, and the destination is not due.
    assert.deepEqual(await lease(b, destinationId, 'owner-b', t0 + LEASE_MS - 1), []);
    assert.ok(!(await dueDestinationIds(b.storage.db, t0 + LEASE_MS - 1, 1000)).includes(destinationId));

    // At the expiry (a crashed worker's lease): the whole batch goes to the new owner.
    assert.ok((await dueDestinationIds(b.storage.db, t0 + LEASE_MS, 1000)).includes(destinationId));
    const taken = await lease(b, destinationId, 'owner-b', t0 + LEASE_MS);
    assert.deepEqual(ids(taken), ids(first));
    for (const row of await rows(destinationId)) {
      assert.equal(row.lease_owner, 'owner-b');
      assert.equal(row.lease_expires_at, t0 + 2 * LEASE_MS);
      assert.equal(row.status, 'pending');
    }
  });

  test('concurrent leasing from two nodes hands out disjoint sets', async () => {
    const { destinationId, t0 } = await queue(50);
    const owners = Array.from({ length: 8 }, (_, i) => `owner-${i}`);
    const results = await Promise.all(
      owners.map((owner, i) => lease(i % 2 === 0 ? a : b, destinationId, owner, t0, 10)),
    );
    for (const leased of results) assert.ok(leased.length <= 10, `${leased.length} rows for a limit of 10`);
    const seen = new Map<string, string>();
    results.forEach((leased, i) => {
      for (const d of leased) {
        assert.ok(!seen.has(d.id), `${d.id} leased by ${seen.get(d.id)} and ${owners[i]}`);
        seen.set(d.id, owners[i]!);
      }
    });
    assert.ok(seen.size > 0);
    // The database agrees with what each owner was handed.
    for (const row of await rows(destinationId)) {
      assert.equal(row.lease_owner, seen.get(row.id) ?? null, `owner of ${row.id}`);
    }
    // A second round while every lease is live hands out only rows nobody holds.
    const more = await lease(a, destinationId, 'owner-late', t0 + 1, 100);
    for (const d of more) assert.ok(!seen.has(d.id), `${d.id} leased twice`);
    assert.equal(seen.size + more.length, 50);
  });

  test('an owner whose lease was taken over cannot record over the new holder', async () => {
    const { destinationId, t0 } = await queue(3);
    const stale = await lease(a, destinationId, 'owner-a', t0);
    const current = await lease(b, destinationId, 'owner-b', t0 + LEASE_MS);
    assert.equal(current.length, 3);

    // The old owner's late answers (its requests outlived its lease) change nothing: a success (recorded
    // by its own statement) or a failure.
    await recordOutcomes(a.storage.db, a.storage.dialect, {
      owner: 'owner-a',
      now: t0 + LEASE_MS + 500,
      outcomes: [...outcomes(stale.slice(0, 1), 'delivered'), ...outcomes(stale.slice(1), 'failed')],
    });
    const events = async () =>
      a.storage.db
        .selectFrom('events')
        .select(['id', 'pii_slot'])
        .where(
          'id',
          'in',
          stale.map((d) => d.event_pk),
        )
        .execute();
    for (const row of await rows(destinationId)) {
      assert.equal(row.status, 'pending');
      assert.equal(row.attempts, 0);
      assert.equal(row.lease_owner, 'owner-b');
      assert.equal(row.last_error, null);
    }
    assert.ok(
      (await events()).every((e) => e.pii_slot !== null),
      'personal data kept while pending',
    );

    // The current holder's outcome is the one recorded.
    await recordOutcomes(b.storage.db, b.storage.dialect, {
      owner: 'owner-b',
      now: t0 + LEASE_MS + 600,
      outcomes: outcomes(current, 'delivered'),
    });
    for (const row of await rows(destinationId)) {
      assert.equal(row.status, 'delivered');
      assert.equal(row.attempts, 1);
      assert.equal(row.lease_owner, null);
    }
    assert.ok(
      (await events()).every((e) => e.pii_slot === null),
      'personal data erased once final',
    );
  });

  test('a late success for rows of which some were taken over records and counts only its own', async () => {
    const { destinationId, t0 } = await queue(3);
    const stale = await lease(a, destinationId, 'owner-a', t0);
    assert.equal(stale.length, 3);
    // Another owner takes two of the three over once the lease has expired; the third is still owner-a's.
    const taken = await lease(b, destinationId, 'owner-b', t0 + LEASE_MS, 2);
    assert.equal(taken.length, 2);
    const destination = await a.storage.db
      .selectFrom('destinations')
      .select(['id', 'org_id', 'domain_id', 'type'])
      .where('id', '=', destinationId)
      .executeTakeFirstOrThrow();
    // One platform request's successes: on SQLite the UPDATE without RETURNING moves one row of three, so it
    // is undone and the RETURNING one records (and counts) that row alone.
    await recordOutcomes(a.storage.db, a.storage.dialect, {
      owner: 'owner-a',
      now: t0 + LEASE_MS + 500,
      destination,
      outcomes: outcomes(stale, 'delivered'),
    });
    const takenIds = new Set(taken.map((d) => d.id));
    for (const row of await rows(destinationId)) {
      if (takenIds.has(row.id)) {
        assert.equal(row.status, 'pending');
        assert.equal(row.lease_owner, 'owner-b');
        assert.equal(row.attempts, 0);
      } else {
        assert.equal(row.status, 'delivered');
        assert.equal(row.attempts, 1);
      }
    }
    const counts = await a.storage.db
      .selectFrom('delivery_counts')
      .select(['status', (eb) => eb.fn.sum<number>('n').as('n')])
      .where('destination_id', '=', destinationId)
      .groupBy('status')
      .execute();
    const byStatus = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)]));
    assert.deepEqual(byStatus, { delivered: 1, pending: 2 });
  });
});
