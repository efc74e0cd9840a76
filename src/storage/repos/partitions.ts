/**
 * PostgreSQL day partitions of `events` and `deliveries` (migration 0014; docs/privacy.md): listed from the
 * catalog, created ahead, and dropped whole by retention once every row is past the horizon. An events
 * partition and its deliveries partition share a suffix and bounds (`events_p20261207` and
 * `deliveries_p20261207`: the rows of events received that UTC day, and their deliveries).
 */
import { sql } from 'kysely';
import { DAY_MS, utcDayStart } from '../../lib/clock.js';
import type { DB } from '../db.js';
import { type EventDeletion, rollUp, type TimeRange } from './retention.js';

export type PartitionedTable = 'events' | 'deliveries';

export interface Partition {
  name: string;
  /** null: the DEFAULT partition. */
  range: null | { from: number | null; to: number | null };
}

/** A bound as PostgreSQL prints it: `'1765065600000'`, `1765065600000` or `MINVALUE`/`MAXVALUE` (null). */
function bound(text: string): number | null {
  const value = text.replace(/'/g, '').trim();
  return /^-?\d+$/.test(value) ? Number(value) : null;
}

export async function listPartitions(db: DB, table: PartitionedTable): Promise<Partition[]> {
  const rows = await sql<{ name: string; bound: string }>`select c.relname as name,
      pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = ${table} and p.relnamespace = current_schema()::regnamespace
    order by c.relname`.execute(db);
  return rows.rows.map((r) => {
    const range = /FROM \((.+?)\) TO \((.+?)\)/.exec(r.bound);
    return { name: r.name, range: range ? { from: bound(range[1]!), to: bound(range[2]!) } : null };
  });
}

/** The partition's name for the UTC day starting at `dayStart`: `events_p20261207`. */
export function dayPartitionName(table: PartitionedTable, dayStart: number): string {
  return `${table}_p${new Date(dayStart).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** True when the default partition holds rows in the range (a partition for it cannot be created). */
export async function defaultHoldsRange(db: DB, table: PartitionedTable, range: TimeRange): Promise<boolean> {
  const key = table === 'events' ? 'received_at' : 'event_received_at';
  const rows = await sql`select 1 from ${sql.table(`${table}_default`)}
    where ${sql.ref(key)} >= ${range.from} and ${sql.ref(key)} < ${range.to} limit 1`.execute(db);
  return rows.rows.length > 0;
}

/**
 * Idempotent (`if not exists`); deliveries partitions keep the table's fillfactor (migration 0005).
 * Creating a partition takes the parent's exclusive lock, like a drop: it waits at most LOCK_TIMEOUT behind
 * a long reader (ingest queues behind it meanwhile), then fails, and the next pass (7 days ahead, so days
 * of passes) tries again.
 */
export async function createPartition(
  db: DB,
  table: PartitionedTable,
  name: string,
  range: TimeRange,
): Promise<void> {
  const fill = table === 'deliveries' ? sql`with (fillfactor = 70)` : sql``;
  await db.transaction().execute(async (trx) => {
    await sql`set local lock_timeout = ${sql.lit(LOCK_TIMEOUT)}`.execute(trx);
    await sql`create table if not exists ${sql.table(name)} partition of ${sql.table(table)}
      for values from (${sql.lit(range.from)}) to (${sql.lit(range.to)}) ${fill}`.execute(trx);
  });
}

/**
 * How long a drop or a creation waits for the parent's exclusive lock before giving up until the next pass
 * (hourly): meanwhile every statement of ingest and the queue on that table waits behind it, so it is
 * short. The lock is wanted once a day per table, and the drain's and ingest's statements hold the tables
 * for milliseconds, so a pass finds it free; a long reader only defers the change.
 */
const LOCK_TIMEOUT = '200ms';

/**
 * Drops a pair of partitions (an events partition and its deliveries partition) whose rows are all past
 * the horizon, in one transaction: deliveries of its events written by a previous release (no event time,
 * so in the default partition) are moved in; unless a delivery is pending, the rows are added to the daily
 * aggregates exactly as the row path adds them and the deliveries' attempts are deleted; then, under the
 * parents' exclusive lock (held for the detach only), both partitions are detached and dropped. Returns
 * null (nothing changed) when a delivery is pending: the row path then deletes the partition's other
 * events around it.
 */
export async function dropPartitionPairRolledUp(
  db: DB,
  pair: { events: string; deliveries: string },
): Promise<EventDeletion | null> {
  const events = sql.table(pair.events);
  const deliveries = sql.table(pair.deliveries);
  const pending = sql<boolean>`exists (select 1 from ${deliveries} where status = 'pending')`;
  return db
    .transaction()
    .execute(async (trx) => {
      await sql`set local lock_timeout = ${sql.lit(LOCK_TIMEOUT)}`.execute(trx);
      await sql`update deliveries set event_received_at = e.received_at from ${events} e
        where deliveries.event_received_at is null and deliveries.event_pk = e.id`.execute(trx);
      const before = await sql<{ pending: boolean }>`select ${pending} as pending`.execute(trx);
      if (before.rows[0]?.pending) return null;
      await rollUp(trx, 'postgres', sql`${events} where true`);
      const counts = await sql<{ events: string; deliveries: string }>`select
        (select count(*) from ${events})::text as events,
        (select count(*) from ${deliveries})::text as deliveries`.execute(trx);
      const attempts = await sql`delete from delivery_attempts
        where delivery_id in (select id from ${deliveries})`.execute(trx);
      // Events first, as the outbox and the outcome writer take them, so waiting for `deliveries` while
      // holding `events` cannot deadlock with them (a lease statement takes `deliveries` then `events`
      // within its planning; should the two ever meet, PostgreSQL's deadlock check cancels one: a lease
      // is retried by the worker, a drop by the next pass). A replay that made a delivery pending since
      // the check above undoes the whole drop, aggregates included.
      await sql`lock table only events, only deliveries in access exclusive mode`.execute(trx);
      const after = await sql<{ pending: boolean }>`select ${pending} as pending`.execute(trx);
      if (after.rows[0]?.pending) throw new PendingAgain();
      await sql`alter table deliveries detach partition ${deliveries}`.execute(trx);
      await sql`alter table events detach partition ${events}`.execute(trx);
      await sql`drop table ${deliveries}, ${events}`.execute(trx);
      return {
        events: Number(counts.rows[0]?.events ?? 0),
        deliveries: Number(counts.rows[0]?.deliveries ?? 0),
        delivery_attempts: Number(attempts.numAffectedRows ?? 0),
      };
    })
    .catch((error: unknown) => {
      if (error instanceof PendingAgain) return null;
      throw error;
    });
}

/** A delivery became pending while the drop waited for its lock: the transaction is rolled back. */
class PendingAgain extends Error {}

/**
 * The queue's window (PostgreSQL): the start of the oldest `deliveries` day partition that holds a pending
 * delivery, so that the drain's statements name only the partitions from there on and PostgreSQL prunes
 * the others when it plans them. Unpruned, every lease and outcome probed each partition's indexes and the
 * join to the events hashed a whole day's partition (the drain of 100,000 events fell from 8,800 to 1,400
 * events/s). No partition holds one: the start of yesterday, which covers whatever arrives meanwhile,
 * even from a node whose clock is a little behind. Null (no bound) when the default or a legacy partition
 * (no lower bound) holds one: rows a previous release wrote without an event time, or a day that had no
 * partition. One statement over every partition's partial due index, each an empty probe or a first entry.
 */
export async function pendingDeliveriesFrom(db: DB, now: number): Promise<number | null> {
  const partitions = await listPartitions(db, 'deliveries');
  if (partitions.length === 0) return null;
  const byName = new Map(partitions.map((p) => [p.name, p]));
  const probes = partitions.map(
    (p) => sql<{ name: string }>`select ${p.name}::text as name
      where exists (select 1 from ${sql.table(p.name)} where status = 'pending')`,
  );
  const rows = await sql<{ name: string }>`${sql.join(probes, sql` union all `)}`.execute(db);
  let from = utcDayStart(now) - DAY_MS;
  for (const { name } of rows.rows) {
    const start = byName.get(name)?.range?.from ?? null;
    if (start === null) return null;
    from = Math.min(from, start);
  }
  return from;
}
