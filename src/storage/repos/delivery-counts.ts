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
    const status = d.status ?? 'pending';
    counts.add(
      {
        org_id: d.org_id,
        domain_id: d.domain_id,
        destination_id: d.destination_id,
        destination_type: d.destination_type,
        created_at: d.created_at,
        sent_keys: d.sent_keys ?? null,
        match_score: d.match_score ?? null,
      },
      status,
      1,
      {
        consentSkip: status === 'skipped' && d.last_error === 'consent',
        deliveredAt: status === 'delivered' ? (d.final_at ?? null) : null,
      },
    );
  }
  await addDeliveryCounts(db, counts.list());
}
