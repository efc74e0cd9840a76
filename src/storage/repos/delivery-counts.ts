/**
 * Writes the hourly delivery counters (src/storage/delivery-counts.ts) outside the SQLite outbox thread: one
 * upsert per 1,000 counters, in the caller's transaction.
 */
import { type Kysely, type OnConflictBuilder, sql } from 'kysely';
import type { DB } from '../db.js';
import { COUNT_COLUMNS, type CountDelta, CountDeltas } from '../delivery-counts.js';
import { param } from '../prepared.js';
import type { Database, NewDelivery } from '../schema.js';

export async function addDeliveryCounts(db: DB, deltas: readonly CountDelta[]): Promise<void> {
  // 11 values a row: within both dialects' limit on bound parameters.
  for (let i = 0; i < deltas.length; i += 1000) {
    await countsUpsert(db, deltas.slice(i, i + 1000)).execute();
  }
}

/** Counts deliveries written outside the outbox (an order's backfilled Purchase). */
export async function countNewDeliveries(db: DB, deliveries: readonly NewDelivery[]): Promise<void> {
  const counts = new CountDeltas();
  for (const d of deliveries) {
    counts.addRow({
      ...d,
      status: d.status ?? 'pending',
      sent_keys: d.sent_keys ?? null,
      match_score: d.match_score ?? null,
    });
  }
  await addDeliveryCounts(db, counts.list());
}

/**
 * The upsert that adds deltas to the counters (`values` rows, or sentinels for a prepared statement).
 */
export function countsUpsert(db: Kysely<Database>, values: readonly CountDelta[] | 'prepared') {
  const rows =
    values === 'prepared'
      ? (Object.fromEntries(COUNT_COLUMNS.map((c) => [c, param(c)])) as never)
      : (values as never);
  return db.insertInto('delivery_counts').values(rows).onConflict(addToCounts);
}

/**
 * The ON CONFLICT of every insert into `delivery_counts`: a counter that exists is added to. The last success
 * keeps the later of the two times (written portably: SQLite's max() of a NULL is NULL).
 */
export function addToCounts(oc: OnConflictBuilder<Database, 'delivery_counts'>) {
  return oc.columns(['destination_id', 'hour', 'status', 'sent_keys']).doUpdateSet({
    n: sql`delivery_counts.n + excluded.n`,
    score_sum: sql`delivery_counts.score_sum + excluded.score_sum`,
    consent_skips: sql`delivery_counts.consent_skips + excluded.consent_skips`,
    last_delivered_at: sql`case
          when excluded.last_delivered_at is null then delivery_counts.last_delivered_at
          when delivery_counts.last_delivered_at is null then excluded.last_delivered_at
          when excluded.last_delivered_at > delivery_counts.last_delivered_at then excluded.last_delivered_at
          else delivery_counts.last_delivered_at end`,
  });
}
