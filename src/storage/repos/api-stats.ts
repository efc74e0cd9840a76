/**
 * Aggregates for GET /api/v1/stats, grouped by a fixed-length base bucket (an hour or a UTC day) in SQL; the
 * caller rolls days up into weeks and months. Time is the arrival time (received_at, and a delivery's
 * created_at, which is its event's arrival), the same axis as the event list's from/to.
 */
import { type RawBuilder, sql } from 'kysely';
import { utcDayStart } from '../../lib/clock.js';
import type { DB, Dialect } from '../db.js';
import { hourOf } from '../delivery-counts.js';

export interface StatsScope {
  orgId: string;
  domainId: string | null;
  from: number;
  to: number;
  /** 3 600 000 (hour) or 86 400 000 (day). */
  bucketMs: number;
}

function bucketOf(column: 'received_at', bucketMs: number): RawBuilder<number> {
  // Integer arithmetic on epoch milliseconds: the same result on SQLite and PostgreSQL, and UTC by nature.
  return sql<number>`(${sql.ref(column)} - (${sql.ref(column)} % ${sql.lit(bucketMs)}))`;
}

/**
 * What retention rolled up (`stats_daily`, migration 0012) for the scope's days: the figures of deleted
 * event and delivery rows, one per UTC day, so a day older than the retention still answers (at day
 * granularity: an hour bucket receives the whole day at its midnight).
 */
async function rolledUp(
  db: DB,
  scope: StatsScope,
  kind: 'event' | 'purchase' | 'delivery',
): Promise<Array<{ bucket: number; name: string; detail: string; count: number; value: number }>> {
  const bucket = sql<number>`(day_start - (day_start % ${sql.lit(scope.bucketMs)}))`;
  let query = db
    .selectFrom('stats_daily')
    .select([
      bucket.as('bucket'),
      'name',
      'detail',
      (eb) => eb.fn.sum<number>('count').as('n'),
      (eb) => eb.fn.sum<number>('value').as('v'),
    ])
    .where('org_id', '=', scope.orgId)
    .where('kind', '=', kind)
    .where('day_start', '>=', utcDayStart(scope.from))
    .where('day_start', '<', scope.to);
  if (scope.domainId) query = query.where('domain_id', '=', scope.domainId);
  const rows = await query.groupBy([bucket, 'name', 'detail']).execute();
  return rows.map((r) => ({
    bucket: Number(r.bucket),
    name: r.name,
    detail: r.detail,
    count: Number(r.n),
    value: Number(r.v),
  }));
}

/** Adds `extra` into `rows` by key (raw rows and rolled-up rows of the same bucket are one figure). */
function mergeInto<T>(rows: T[], extra: T[], keyOf: (row: T) => string, add: (into: T, row: T) => void): T[] {
  const byKey = new Map(rows.map((r) => [keyOf(r), r]));
  for (const row of extra) {
    const existing = byKey.get(keyOf(row));
    if (existing) add(existing, row);
    else {
      rows.push(row);
      byKey.set(keyOf(row), row);
    }
  }
  return rows;
}

export async function eventCountsByBucket(
  db: DB,
  scope: StatsScope,
): Promise<Array<{ bucket: number; eventName: string; customEventName: string | null; count: number }>> {
  const bucket = bucketOf('received_at', scope.bucketMs);
  let query = db
    .selectFrom('events')
    .select([
      bucket.as('bucket'),
      'event_name',
      'custom_event_name',
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .where('org_id', '=', scope.orgId)
    .where('received_at', '>=', scope.from)
    .where('received_at', '<', scope.to);
  if (scope.domainId) query = query.where('domain_id', '=', scope.domainId);
  const rows = await query.groupBy([bucket, 'event_name', 'custom_event_name']).execute();
  const raw = rows.map((r) => ({
    bucket: Number(r.bucket),
    eventName: r.event_name,
    customEventName: r.custom_event_name,
    count: Number(r.n),
  }));
  const old = (await rolledUp(db, scope, 'event')).map((r) => ({
    bucket: r.bucket,
    eventName: r.name,
    customEventName: r.detail === '' ? null : r.detail,
    count: r.count,
  }));
  return mergeInto(
    raw,
    old,
    (r) => `${r.bucket}|${r.eventName}|${r.customEventName ?? ''}`,
    (into, r) => {
      into.count += r.count;
    },
  );
}

export function purchaseFields(dialect: Dialect): {
  value: RawBuilder<number | null>;
  currency: RawBuilder<string | null>;
} {
  // Only a JSON number counts as a value; the currency is compared upper-case.
  if (dialect === 'postgres') {
    return {
      value: sql<
        number | null
      >`case when jsonb_typeof(custom_data::jsonb -> 'value') = 'number' then (custom_data::jsonb ->> 'value')::float8 end`,
      currency: sql<string | null>`upper(custom_data::jsonb ->> 'currency')`,
    };
  }
  return {
    value: sql<
      number | null
    >`case when json_type(custom_data, '$.value') in ('integer', 'real') then json_extract(custom_data, '$.value') end`,
    currency: sql<string | null>`upper(json_extract(custom_data, '$.currency'))`,
  };
}

/** Sum of Purchase values per bucket and currency (null currency: the shop did not say). */
export async function purchaseValueByBucket(
  db: DB,
  dialect: Dialect,
  scope: StatsScope,
): Promise<Array<{ bucket: number; currency: string | null; value: number }>> {
  const bucket = bucketOf('received_at', scope.bucketMs);
  const { value, currency } = purchaseFields(dialect);
  let query = db
    .selectFrom('events')
    .select([bucket.as('bucket'), currency.as('currency'), sql<number | null>`sum(${value})`.as('total')])
    .where('org_id', '=', scope.orgId)
    .where('event_name', '=', 'Purchase')
    .where('custom_data', 'is not', null)
    .where('received_at', '>=', scope.from)
    .where('received_at', '<', scope.to);
  if (scope.domainId) query = query.where('domain_id', '=', scope.domainId);
  const rows = await query.groupBy([bucket, currency]).execute();
  const raw = rows
    .filter((r) => r.total !== null)
    .map((r) => ({ bucket: Number(r.bucket), currency: r.currency, value: Number(r.total) }));
  const old = (await rolledUp(db, scope, 'purchase'))
    .filter((r) => r.value !== 0)
    .map((r) => ({ bucket: r.bucket, currency: r.name === '' ? null : r.name, value: r.value }));
  return mergeInto(
    raw,
    old,
    (r) => `${r.bucket}|${r.currency ?? ''}`,
    (into, r) => {
      into.value += r.value;
    },
  );
}

/**
 * Deliveries per bucket, destination type and status, from the hourly counters (a delivery counts in the hour
 * of its created_at, so any hour- or day-aligned range answers exactly as the rows did), plus what retention
 * rolled up into `stats_daily` before the counters existed.
 */
export async function deliveryCountsByBucket(
  db: DB,
  scope: StatsScope,
): Promise<Array<{ bucket: number; type: string; status: string; count: number }>> {
  const bucket = sql<number>`(hour - (hour % ${sql.lit(scope.bucketMs)}))`;
  let query = db
    .selectFrom('delivery_counts')
    .select([bucket.as('bucket'), 'destination_type', 'status', (eb) => eb.fn.sum<number>('n').as('n')])
    .where('org_id', '=', scope.orgId)
    .where('hour', '>=', hourOf(scope.from))
    .where('hour', '<', scope.to);
  if (scope.domainId) query = query.where('domain_id', '=', scope.domainId);
  const rows = await query
    .groupBy([bucket, 'destination_type', 'status'])
    .having((eb) => eb.fn.sum('n'), '>', 0)
    .execute();
  const raw = rows.map((r) => ({
    bucket: Number(r.bucket),
    type: r.destination_type,
    status: r.status,
    count: Number(r.n),
  }));
  const old = (await rolledUp(db, scope, 'delivery')).map((r) => ({
    bucket: r.bucket,
    type: r.name,
    status: r.detail,
    count: r.count,
  }));
  return mergeInto(
    raw,
    old,
    (r) => `${r.bucket}|${r.type}|${r.status}`,
    (into, r) => {
      into.count += r.count;
    },
  );
}

/** The currencies of the org's Purchases in [from, to), most used first. */
export async function purchaseCurrencies(
  db: DB,
  dialect: Dialect,
  scope: Omit<StatsScope, 'bucketMs'>,
): Promise<Array<{ currency: string; count: number }>> {
  const { currency } = purchaseFields(dialect);
  let query = db
    .selectFrom('events')
    .select([currency.as('currency'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', scope.orgId)
    .where('event_name', '=', 'Purchase')
    .where('custom_data', 'is not', null)
    .where('received_at', '>=', scope.from)
    .where('received_at', '<', scope.to);
  if (scope.domainId) query = query.where('domain_id', '=', scope.domainId);
  const rows = await query.groupBy(currency).execute();
  const old = await rolledUp(db, { ...scope, bucketMs: 86_400_000 }, 'purchase');
  const counts = new Map<string, number>();
  for (const r of rows)
    if (typeof r.currency === 'string' && r.currency !== '')
      counts.set(r.currency, (counts.get(r.currency) ?? 0) + Number(r.n));
  for (const r of old) if (r.name !== '') counts.set(r.name, (counts.get(r.name) ?? 0) + r.count);
  return [...counts]
    .map(([code, count]) => ({ currency: code, count }))
    .sort((a, b) => b.count - a.count || (a.currency < b.currency ? -1 : 1));
}
