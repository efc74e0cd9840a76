/**
 * Writes the hourly delivery counters (src/storage/delivery-counts.ts) outside the SQLite outbox thread: one
 * upsert per 1,000 counters, in the caller's transaction.
 */
import type { DB } from '../db.js';
import { type CountDelta, CountDeltas, countsUpsert } from '../delivery-counts.js';
import type { NewDelivery } from '../schema.js';

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
