/**
 * PostgreSQL day partitions (migration 0014, src/retention/partitions.ts): the tables are partitioned, the
 * worker creates the days ahead idempotently, retention drops a partition wholly past the horizon after
 * writing the same aggregates the row path writes, keeps one with a pending delivery (which is still
 * delivered), and an install upgraded from 0012 keeps every row (and goes back down).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { sealPayload } from '../../src/ingest/sealed-payload.js';
import { ensurePartitions } from '../../src/retention/partitions.js';
import { runRetention } from '../../src/retention/run.js';
import { openStorage, type Storage } from '../../src/storage/db.js';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.js';
import { dayPartitionName } from '../../src/storage/repos/partitions.js';
import {
  createTenant,
  dialect,
  dropSchema,
  eventually,
  pgUrl,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { DAY, type SeedEvent, seedEvents, uniqueId } from './helpers.js';

const TOKEN = 'EAAB-partitions-token';
const dayStart = (t: number): number => t - (t % DAY);

async function relkinds(storage: Storage): Promise<Map<string, string>> {
  const rows = await sql<{ relname: string; relkind: string }>`select relname, relkind::text as relkind
    from pg_class where relnamespace = current_schema()::regnamespace and relkind in ('r', 'p')`.execute(
    storage.db,
  );
  return new Map(rows.rows.map((r) => [r.relname, r.relkind]));
}

async function partitionsOf(storage: Storage, table: string): Promise<string[]> {
  const rows = await sql<{ name: string }>`select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = ${table} and p.relnamespace = current_schema()::regnamespace order by 1`.execute(
    storage.db,
  );
  return rows.rows.map((r) => r.name);
}

/** The org's aggregates, without the org, domain and day: what two orgs seeded alike must share. */
async function statsOf(storage: Storage, orgId: string): Promise<string[]> {
  const rows = await storage.db
    .selectFrom('stats_daily')
    .select(['kind', 'name', 'detail', 'count', 'value'])
    .where('org_id', '=', orgId)
    .execute();
  return rows.map((r) => `${r.kind}|${r.name}|${r.detail}|${Number(r.count)}|${Number(r.value)}`).sort();
}

/** The status mix of the row-path retention test: delivered ×3, failed, and a dead AddToCart. */
function mix(at: number): SeedEvent[] {
  return [
    ...[0, 1, 2].map((i) => ({ id: uniqueId('evt'), receivedAt: at + i, status: 'delivered' as const })),
    { id: uniqueId('evt'), receivedAt: at + 3, status: 'failed' },
    { id: uniqueId('evt'), receivedAt: at + 4, status: 'dead', eventName: 'AddToCart', customData: null },
  ];
}

describe('day partitions (postgres)', { skip: dialect !== 'postgres' }, () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let viaPartition: Tenant;
  let viaRows: Tenant;
  const retention = () => ({ storage: service.storage, config: service.config, clock: { now: Date.now } });

  /** A seeded event made deliverable: an event time the platform accepts and sealed user data. */
  async function makeDeliverable(id: string, email: string): Promise<void> {
    await service.storage.db
      .updateTable('events')
      .set({
        event_time: Math.floor(Date.now() / 1000) - 60,
        pii_sealed: sealPayload(
          service.sealer,
          { u: { email, ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)' } },
          id,
        ),
        pii_erased_at: null,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Waits until the worker has delivered the seeded event's delivery. */
  async function delivered(id: string): Promise<void> {
    await eventually(async () => {
      const row = await service.storage.db
        .selectFrom('deliveries')
        .select('status')
        .where('id', '=', `dlv_${id}`)
        .executeTakeFirst();
      return row?.status === 'delivered';
    });
  }

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: [TOKEN] });
    service = await startTestService({ env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    const destinations = { meta: { pixelId: '1234567890', accessToken: TOKEN } };
    viaPartition = await createTenant(service, { destinations });
    viaRows = await createTenant(service, { destinations });
  });
  after(async () => {
    await service?.destroy();
    await fakes?.close();
  });

  test('after migrating, events and deliveries are partitioned, with today and the days ahead', async () => {
    const kinds = await relkinds(service.storage);
    assert.equal(kinds.get('events'), 'p');
    assert.equal(kinds.get('deliveries'), 'p');
    const today = dayStart(Date.now());
    for (const table of ['events', 'deliveries'] as const) {
      const parts = await partitionsOf(service.storage, table);
      assert.ok(parts.includes(`${table}_default`), `${table}: ${parts}`);
      // Created at service start.
      assert.ok(parts.includes(dayPartitionName(table, today)), `${table}: ${parts}`);
      assert.ok(parts.includes(dayPartitionName(table, today + 7 * DAY)), `${table}: ${parts}`);
    }
  });

  test('the worker creates future partitions idempotently', async () => {
    const later = Date.now() + 30 * DAY;
    const first = await ensurePartitions(service.storage, later, { daysAhead: 2 });
    assert.deepEqual(first.sort(), [
      ...[0, 1, 2].map((d) => dayPartitionName('deliveries', dayStart(later) + d * DAY)),
      ...[0, 1, 2].map((d) => dayPartitionName('events', dayStart(later) + d * DAY)),
    ]);
    assert.deepEqual(await ensurePartitions(service.storage, later, { daysAhead: 2 }), []);
    const parts = await partitionsOf(service.storage, 'events');
    assert.ok(parts.includes(dayPartitionName('events', dayStart(later) + 2 * DAY)));
  });

  test('a partition wholly past the horizon is aggregated like the row path, then dropped', async () => {
    const now = Date.now();
    const partitionDay = dayStart(now - 40 * DAY);
    // The other org's events fall on a day without a partition (the default one): the row path.
    const rowsDay = dayStart(now - 50 * DAY);
    await ensurePartitions(service.storage, partitionDay, { daysAhead: 0 });
    const events = dayPartitionName('events', partitionDay);
    const deliveries = dayPartitionName('deliveries', partitionDay);
    assert.ok((await partitionsOf(service.storage, 'events')).includes(events));
    const seeded = mix(partitionDay + 3600_000);
    await seedEvents(service, viaPartition, seeded);
    await seedEvents(service, viaRows, mix(rowsDay + 3600_000));
    const inPartition = await sql<{
      n: string;
    }>`select count(*)::text as n from ${sql.table(events)}`.execute(service.storage.db);
    assert.equal(Number(inPartition.rows[0]?.n), seeded.length);

    const report = await runRetention(retention());

    assert.deepEqual(report.partitions?.dropped.sort(), [deliveries, events]);
    const kinds = await relkinds(service.storage);
    assert.equal(kinds.has(events), false);
    assert.equal(kinds.has(deliveries), false);
    const left = await service.storage.db
      .selectFrom('events')
      .select('id')
      .where('org_id', 'in', [viaPartition.org.id, viaRows.org.id])
      .execute();
    assert.deepEqual(left, []);
    const attempts = await service.storage.db
      .selectFrom('delivery_attempts')
      .select('id')
      .where(
        'delivery_id',
        'in',
        seeded.map((e) => `dlv_${e.id}`),
      )
      .execute();
    assert.deepEqual(attempts, []);
    const figures = await statsOf(service.storage, viaPartition.org.id);
    // Events per name and Purchase value (deliveries stay in the hourly counters, which no deletion reduces).
    assert.ok(figures.length >= 3, figures.join('\n'));
    assert.deepEqual(figures, await statsOf(service.storage, viaRows.org.id));
    assert.ok(report.deleted.events! >= 2 * seeded.length);
  });

  test('a drop or a creation that cannot take its lock at once waits for the next pass, and nothing waits long for it', async () => {
    const now = Date.now();
    const day = dayStart(now - 42 * DAY);
    await ensurePartitions(service.storage, day, { daysAhead: 0 });
    const events = dayPartitionName('events', day);
    await seedEvents(service, viaPartition, mix(day + 3600_000));
    // A reader (say, a slow event log query) holds the events table while the pass runs.
    let report: Awaited<ReturnType<typeof runRetention>> | undefined;
    // Creating a day ahead takes the same lock.
    const ahead = dayStart(now + 60 * DAY);
    let created: string[] = [];
    await service.storage.db.transaction().execute(async (trx) => {
      await sql`select count(*) from events`.execute(trx);
      report = await runRetention(retention());
      created = await ensurePartitions(service.storage, ahead, { daysAhead: 0 });
    });
    assert.ok(report?.partitions?.kept.includes(events), JSON.stringify(report?.partitions));
    assert.ok((await partitionsOf(service.storage, 'events')).includes(events));
    // (Without their lock timeout the drop and the creation would wait for this transaction, which waits
    // for them: a hang.) `deliveries` was not held, so its day was created.
    assert.deepEqual(created, [dayPartitionName('deliveries', ahead)]);
    assert.deepEqual(await ensurePartitions(service.storage, ahead, { daysAhead: 0 }), [
      dayPartitionName('events', ahead),
    ]);

    const next = await runRetention(retention());
    assert.ok(next.partitions?.dropped.includes(events), JSON.stringify(next.partitions));
  });

  test('a delivery without its event time (a node of the previous release) is still delivered, and its event erased', async () => {
    const id = uniqueId('evt');
    await seedEvents(service, viaPartition, [{ id, receivedAt: Date.now() - 1000, status: 'pending' }]);
    await makeDeliverable(id, 'old-node@example.com');
    // As a previous release writes it: no event time, so the row lives in the default partition, which the
    // queue window then cannot bound.
    await service.storage.db
      .updateTable('deliveries')
      .set({ event_received_at: null, next_attempt_at: Date.now() })
      .where('id', '=', `dlv_${id}`)
      .execute();
    const where = await sql<{
      partition: string;
    }>`select tableoid::regclass::text as partition from deliveries
      where id = ${`dlv_${id}`}`.execute(service.storage.db);
    assert.match(where.rows[0]?.partition ?? '', /deliveries_default$/);
    await delivered(id);
    const event = await service.storage.db
      .selectFrom('events')
      .select(['pii_sealed', 'pii_erased_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(event.pii_sealed, null);
    assert.ok(event.pii_erased_at);
  });

  test('a partition with a pending delivery is kept, and the delivery is still delivered', async () => {
    const now = Date.now();
    const day = dayStart(now - 45 * DAY);
    await ensurePartitions(service.storage, day, { daysAhead: 0 });
    const events = dayPartitionName('events', day);
    const done = uniqueId('evt');
    const waiting = uniqueId('evt');
    await seedEvents(service, viaPartition, [
      { id: done, receivedAt: day + 1000, status: 'delivered' },
      { id: waiting, receivedAt: day + 2000, status: 'pending' },
    ]);

    const report = await runRetention(retention());

    assert.ok(report.partitions?.kept.includes(events), JSON.stringify(report.partitions));
    assert.ok((await partitionsOf(service.storage, 'events')).includes(events));
    const ids = async () =>
      (
        await service.storage.db
          .selectFrom('events')
          .select('id')
          .where('id', 'in', [done, waiting])
          .execute()
      ).map((r) => r.id);
    // The row path took the final one around the pending one.
    assert.deepEqual(await ids(), [waiting]);

    // Due now, with an event time the platform accepts and its sealed user data: the worker sends it.
    await makeDeliverable(waiting, 'shopper@example.com');
    await service.storage.db
      .updateTable('deliveries')
      .set({ next_attempt_at: Date.now() })
      .where('id', '=', `dlv_${waiting}`)
      .execute();
    await delivered(waiting);

    const next = await runRetention(retention());
    assert.ok(next.partitions?.dropped.includes(events), JSON.stringify(next.partitions));
    assert.deepEqual(await ids(), []);
  });
});

describe('upgrade from 0012 to day partitions (postgres)', { skip: dialect !== 'postgres' }, () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let storage: Storage;

  before(async () => {
    storage = await openStorage({
      databaseUrl: pgUrl,
      dataDir: mkdtempSync(join(tmpdir(), 'tb-partitions-')),
      pgSchema: schema,
    });
  });
  after(async () => {
    await storage?.close();
    await dropSchema(schema);
  });

  test('every row and its outcome survive 0014, and down() puts the plain tables back', async () => {
    await migrateTo(storage, '0012_retention');
    const now = Date.now();
    const statuses = ['delivered', 'failed', 'dead', 'pending', 'delivered'];
    const rows = statuses.map((status, i) => ({
      id: `evt_up${i}`,
      receivedAt: now - (i * 7 + 1) * DAY,
      status,
    }));
    for (const r of rows) {
      await sql`insert into events (id, org_id, domain_id, event_name, event_id, source, event_time, received_at,
          match_keys, diagnostics)
        values (${r.id}, 'org_up', 'dom_up', 'Purchase', ${`e-${r.id}`}, 'PROXY', ${Math.floor(r.receivedAt / 1000)},
          ${r.receivedAt}, 'e', 0)`.execute(storage.db);
      await sql`insert into deliveries (id, event_pk, org_id, domain_id, destination_id, destination_type, status,
          attempts, next_attempt_at, event_time, give_up_at, created_at, updated_at)
        values (${`dlv_${r.id}`}, ${r.id}, 'org_up', 'dom_up', 'dst_up', 'meta', ${r.status}, 1, ${r.receivedAt},
          ${Math.floor(r.receivedAt / 1000)}, ${r.receivedAt + DAY}, ${r.receivedAt}, ${r.receivedAt})`.execute(
        storage.db,
      );
    }
    const outcomes = async () =>
      (
        await sql<{ id: string; received_at: string; status: string }>`select e.id, e.received_at::text,
          d.status from events e join deliveries d on d.event_pk = e.id order by e.id`.execute(storage.db)
      ).rows.map((r) => `${r.id}|${r.received_at}|${r.status}`);
    const before = await outcomes();
    assert.equal(before.length, rows.length);

    await migrateToLatest(storage);

    const kinds = await relkinds(storage);
    assert.equal(kinds.get('events'), 'p');
    assert.equal(kinds.get('deliveries'), 'p');
    assert.deepEqual(await partitionsOf(storage, 'events'), ['events_default', 'events_legacy']);
    assert.deepEqual(await partitionsOf(storage, 'deliveries'), ['deliveries_default', 'deliveries_legacy']);
    assert.deepEqual(await outcomes(), before);
    const filled = await sql<{ n: string }>`select count(*)::text as n from deliveries d join events e
      on e.id = d.event_pk where d.event_received_at = e.received_at`.execute(storage.db);
    assert.equal(Number(filled.rows[0]?.n), rows.length);
    // The days after the legacy partition's end can be created; today is inside it and skipped.
    const created = await ensurePartitions(storage, now, { daysAhead: 2 });
    assert.deepEqual(created.sort(), [
      ...[1, 2].map((d) => dayPartitionName('deliveries', dayStart(now) + d * DAY)),
      ...[1, 2].map((d) => dayPartitionName('events', dayStart(now) + d * DAY)),
    ]);
    // Ids stay unique (the key is (id, received_at)): a duplicate of an id at the same time is refused.
    await assert.rejects(
      sql`insert into events select * from events where id = 'evt_up0'`.execute(storage.db),
      /duplicate key/,
    );

    await migrateTo(storage, '0012_retention');

    const back = await relkinds(storage);
    assert.equal(back.get('events'), 'r');
    assert.equal(back.get('deliveries'), 'r');
    assert.equal(back.has('events_legacy'), false);
    assert.deepEqual(await outcomes(), before);
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns
      where table_schema = current_schema() and table_name = 'deliveries'`.execute(storage.db);
    assert.equal(
      columns.rows.some((c) => c.column_name === 'event_received_at'),
      false,
    );
    // And up again.
    await migrateToLatest(storage);
    assert.deepEqual(await outcomes(), before);
  });
});
