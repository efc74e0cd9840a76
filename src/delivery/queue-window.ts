/**
 * The queue's window on PostgreSQL's day partitions (storage/repos/partitions.ts `pendingDeliveriesFrom`):
 * where in time the pending deliveries are, so the lease and the outcome statements plan only those days'
 * partitions. Read again every REFRESH_MS: a delivery made pending in an older partition (a replay, a row
 * a previous release wrote without a day) waits at most that long before the window reaches it; new
 * deliveries always fall inside. On SQLite there are no partitions and the window is unbounded (undefined).
 */
import type { Storage } from '../storage/db.js';
import { pendingDeliveriesFrom } from '../storage/repos/partitions.js';

export const QUEUE_WINDOW_REFRESH_MS = 2000;

export class QueueWindow {
  private from: number | null = null;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<number | null> | null = null;

  constructor(private readonly storage: Storage) {}

  /** The start of the window (epoch ms), null for no bound, undefined without partitions (SQLite). */
  async receivedFrom(now: number): Promise<number | null | undefined> {
    if (this.storage.dialect !== 'postgres') return undefined;
    if (now - this.readAt < QUEUE_WINDOW_REFRESH_MS && now >= this.readAt) return this.from;
    // Concurrent batches share one read.
    this.reading ??= pendingDeliveriesFrom(this.storage.db, now).finally(() => {
      this.reading = null;
    });
    this.from = await this.reading;
    this.readAt = now;
    return this.from;
  }
}
