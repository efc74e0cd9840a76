/**
 * PostgreSQL day partitions of `events` and `deliveries` (migration 0014, docs/privacy.md): created ahead
 * at service start and on every retention pass, and dropped whole by retention once past the horizon.
 *
 * Why days: EVENT_RETENTION_DAYS is 30 by default (at least 1). With month partitions the batched row
 * delete would have emptied a month before all of it was past the horizon, so the drop would only ever
 * find empty tables; with days, the rows of the day the horizon falls in wait at most one day for their
 * partition's drop, and about 40 partitions exist at the defaults (30 days kept, 7 ahead, the default and
 * the legacy one after an upgrade), which keeps lookups by id that cannot carry the time (they probe every
 * partition's `(id, …)` key index) cheap.
 */
import { DAY_MS, utcDayStart } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Storage } from '../storage/db.js';
import {
  createPartition,
  dayPartitionName,
  defaultHoldsRange,
  dropPartitionPairRolledUp,
  listPartitions,
  type Partition,
  type PartitionedTable,
} from '../storage/repos/partitions.js';
import type { EventDeletion, TimeRange } from '../storage/repos/retention.js';

/** Days created ahead of today: a worker fleet down for less than this still finds its partitions. */
export const PARTITION_DAYS_AHEAD = 7;
const TABLES: readonly PartitionedTable[] = ['events', 'deliveries'];

const overlaps = (p: Partition, range: TimeRange): boolean =>
  p.range !== null &&
  (p.range.from === null || p.range.from < range.to) &&
  (p.range.to === null || p.range.to > range.from);

/**
 * Creates the day partitions of today and the next `daysAhead` days on both tables (PostgreSQL; a no-op on
 * SQLite). Idempotent, and safe on several nodes at once: a day already covered (by its own partition or by
 * the legacy one of an upgrade) is skipped, and a day the default partition already holds rows for is left
 * to it (creating the partition would fail; retention deletes those rows by rows). Returns the partitions
 * created.
 */
export async function ensurePartitions(
  storage: Storage,
  now: number,
  options: { daysAhead?: number; log?: Logger } = {},
): Promise<string[]> {
  if (storage.dialect !== 'postgres') return [];
  const { db } = storage;
  const created: string[] = [];
  const today = utcDayStart(now);
  for (const table of TABLES) {
    const existing = await listPartitions(db, table);
    for (let day = 0; day <= (options.daysAhead ?? PARTITION_DAYS_AHEAD); day++) {
      const range = { from: today + day * DAY_MS, to: today + (day + 1) * DAY_MS };
      const name = dayPartitionName(table, range.from);
      if (existing.some((p) => p.name === name || overlaps(p, range))) continue;
      if (await defaultHoldsRange(db, table, range)) continue;
      try {
        await createPartition(db, table, name, range);
        created.push(name);
      } catch (error) {
        // Another node created it meanwhile, or a row reached the default partition since the check.
        options.log?.warn({ err: error, partition: name }, 'partition not created');
      }
    }
  }
  return created;
}

/** An events partition and its deliveries partition, with the events partition's range. */
interface PartitionPair {
  events: string;
  deliveries: string;
  range: { from: number | null; to: number };
}

async function partitionPairs(storage: Storage): Promise<PartitionPair[]> {
  const deliveries = await listPartitions(storage.db, 'deliveries');
  const pairs: PartitionPair[] = [];
  for (const p of await listPartitions(storage.db, 'events')) {
    if (!p.range || p.range.to === null) continue;
    const twin = deliveries.find((d) => d.name === `deliveries${p.name.slice('events'.length)}`);
    // Both tables cut the same way, or the pair is left to the row path.
    if (!twin?.range || twin.range.from !== p.range.from || twin.range.to !== p.range.to) continue;
    pairs.push({ events: p.name, deliveries: twin.name, range: { from: p.range.from, to: p.range.to } });
  }
  return pairs;
}

/**
 * The range the row path leaves alone (PostgreSQL): the day partition the horizon falls in, dropped whole
 * once the day is past the horizon. Null when the horizon falls in the legacy or default partition.
 */
export async function sparedRange(storage: Storage, horizon: number): Promise<TimeRange | null> {
  if (storage.dialect !== 'postgres') return null;
  for (const pair of await partitionPairs(storage)) {
    const { from, to } = pair.range;
    if (from !== null && from < horizon && to > horizon && to - from === DAY_MS) return { from, to };
  }
  return null;
}

export interface PartitionDrops {
  dropped: string[];
  /** Past the horizon but kept for a pending delivery (the row path deletes around it). */
  kept: string[];
  deleted: EventDeletion;
}

/** Drops every pair of partitions wholly older than `horizon` (aggregated first; see the repo). */
export async function dropExpiredPartitions(
  storage: Storage,
  horizon: number,
  options: { log?: Logger; stopped?: () => boolean } = {},
): Promise<PartitionDrops> {
  const result: PartitionDrops = {
    dropped: [],
    kept: [],
    deleted: { events: 0, deliveries: 0, delivery_attempts: 0 },
  };
  if (storage.dialect !== 'postgres') return result;
  for (const pair of await partitionPairs(storage)) {
    if (pair.range.to > horizon || options.stopped?.()) continue;
    try {
      const done = await dropPartitionPairRolledUp(storage.db, pair);
      if (!done) {
        result.kept.push(pair.events);
        continue;
      }
      result.dropped.push(pair.events, pair.deliveries);
      result.deleted.events += done.events;
      result.deleted.deliveries += done.deliveries;
      result.deleted.delivery_attempts += done.delivery_attempts;
    } catch (error) {
      // Most likely the lock timeout on a busy queue: the next pass tries again.
      options.log?.warn({ err: error, partition: pair.events }, 'partition not dropped');
      result.kept.push(pair.events);
    }
  }
  return result;
}
