/**
 * The queue's window on PostgreSQL's day partitions (storage/repos/partitions.ts `pendingDeliveriesFrom`,
 * delivery/queue-window.ts): it starts at the oldest day holding a pending delivery (yesterday when none
 * does, no bound when the default partition holds one), and a lease within it plans only those days'
 * partitions. The delivery of a pending row in an old partition (a replay) is in pg-partitions.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { ensurePartitions } from '../../src/retention/partitions.js';
import { leaseStatement } from '../../src/storage/repos/deliveries.js';
import { dayPartitionName, pendingDeliveriesFrom } from '../../src/storage/repos/partitions.js';
import { createTenant, dialect, startTestService, type Tenant, type TestService } from '../harness.js';
import { DAY, seedEvents, uniqueId } from './helpers.js';

const dayStart = (t: number): number => t - (t % DAY);

const skip = dialect !== 'postgres' && 'PostgreSQL partitions only';

describe('the queue window (postgres)', { skip }, () => {
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    // An API node: no worker delivers the seeded rows while the test looks at them.
    service = await startTestService({ role: 'api' });
    tenant = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: 'EAAB-window' } },
    });
  });
  after(async () => {
    await service?.destroy();
  });

  /** The partitions of `deliveries` a lease with this window would plan. */
  async function leasePlan(receivedFrom: number | null, now: number): Promise<string> {
    const query = leaseStatement(service.storage.db, 'postgres', {
      destinationId: Object.values(tenant.destinations)[0]!,
      owner: 'w',
      now,
      leaseMs: 1000,
      limit: 10,
      receivedFrom,
    }).compile();
    const plan = await service.storage.db.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain (costs off) ${query.sql}`, [...query.parameters]),
    );
    return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  test('it starts at the oldest day holding a pending delivery, and a lease plans only those days', async () => {
    const now = Date.now();
    const today = dayStart(now);
    // Nothing pending: yesterday, which covers whatever arrives meanwhile.
    assert.equal(await pendingDeliveriesFrom(service.storage.db, now), today - DAY);

    const tenDaysAgo = today - 10 * DAY;
    await ensurePartitions(service.storage, tenDaysAgo, { daysAhead: 0 });
    await seedEvents(service, tenant, [
      { id: uniqueId('evt'), receivedAt: tenDaysAgo + 3600_000, status: 'delivered' },
    ]);
    assert.equal(await pendingDeliveriesFrom(service.storage.db, now), today - DAY, 'a final delivery');
    await seedEvents(service, tenant, [
      { id: uniqueId('evt'), receivedAt: tenDaysAgo + 7200_000, status: 'pending' },
    ]);
    const from = await pendingDeliveriesFrom(service.storage.db, now);
    assert.equal(from, tenDaysAgo);

    const old = dayPartitionName('deliveries', tenDaysAgo);
    const ahead = dayPartitionName('deliveries', today + 5 * DAY);
    const recent = await leasePlan(today - DAY, now);
    assert.match(recent, new RegExp(dayPartitionName('deliveries', today)));
    assert.doesNotMatch(recent, new RegExp(old), 'a day before the window');
    assert.doesNotMatch(recent, new RegExp(ahead), 'a day created ahead');
    assert.match(await leasePlan(from, now), new RegExp(old));
    // Unbounded, every partition.
    const all = await leasePlan(null, now);
    for (const name of [old, ahead, 'deliveries_default']) assert.match(all, new RegExp(name));
  });

  test('a pending delivery in the default partition leaves the window unbounded', async () => {
    const now = Date.now();
    // No partition covers 60 days ago: the row goes to the default partition.
    await seedEvents(service, tenant, [
      { id: uniqueId('evt'), receivedAt: dayStart(now) - 60 * DAY, status: 'pending' },
    ]);
    assert.equal(await pendingDeliveriesFrom(service.storage.db, now), null);
  });
});
