/**
 * One retention pass (issue 14 §3): every table that grows with traffic loses what is past its retention,
 * in batches of `RETENTION_BATCH_SIZE` rows per statement with a turn of the event loop between them, so
 * ingest and the delivery queue keep going while a pass runs (SQLite: each statement also waits for the
 * outbox thread's commit in progress, `SqliteWriteGate`; it never holds the write lock for long).
 *
 * What goes (docs/privacy.md has the table):
 * - events received more than EVENT_RETENTION_DAYS ago whose deliveries are all final, with those
 *   deliveries and their attempts, after adding them to the daily aggregates (`stats_daily`); an event with
 *   a pending delivery stays, however old;
 * - expired dedup and idempotency keys, sessions, login tokens, plugin sessions and registrations, OAuth
 *   states (a day after they expired, so a late click still gets "expired" rather than "unknown");
 * - audit entries (AUDIT_RETENTION_DAYS), attribution conversions (ATTRIBUTION_RETENTION_DAYS) and the
 *   touchpoints and visitors no kept conversion's window can reach;
 * - outbound webhook messages and attempts (WEBHOOK_RETENTION_DAYS, the dispatcher's own job, called here
 *   too so one pass covers every table).
 * Then SQLite gives the freed pages back to the file system (incremental vacuum) when the file allows it.
 *
 * PostgreSQL (docs/privacy.md, "PostgreSQL: day partitions"): first the day partitions ahead are created,
 * and every pair of events/deliveries partitions wholly past the event horizon is aggregated and dropped
 * (partitions.ts); the row path then deletes what is left past the horizon (the default and legacy
 * partitions, a partition kept for a pending delivery) but spares the day partition the horizon falls in,
 * which goes whole a day later.
 */
import { MAX_WINDOW_DAYS } from '../attribution/report.js';
import type { Config } from '../config.js';
import { type Clock, DAY_MS } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Storage } from '../storage/db.js';
import { deleteGroupsBefore } from '../storage/repos/pii-groups.js';
import {
  allOrgIds,
  deleteEventsRolledUp,
  deleteExpiredBatch,
  EXPIRY_RULES,
  type ExpiryCutoffs,
  expiredEventIds,
  type SqliteSpace,
  sqliteCheckpoint,
  sqliteConvertToIncremental,
  sqliteIncrementalVacuum,
  sqliteSpace,
  type TimeRange,
} from '../storage/repos/retention.js';
import { deleteOldWebhookData } from '../storage/repos/webhooks.js';
import { dropExpiredPartitions, ensurePartitions, sparedRange } from './partitions.js';

/** Expired sign-in state is kept this long after expiry (a late click is told "expired", not "unknown"). */
const EXPIRED_GRACE_MS = DAY_MS;
/** Pages given back per incremental-vacuum statement (4 MB at the default page size). */
const VACUUM_STEP_PAGES = 1000;

export interface RetentionDeps {
  storage: Storage;
  config: Config;
  clock: Clock;
  log?: Logger;
}

export interface RetentionOptions {
  /** Awaited between statements (default: one turn of the event loop). */
  pause?: () => Promise<void>;
  /** SQLite: switch an existing file to incremental auto-vacuum first (one full VACUUM; operator only). */
  fullVacuum?: boolean;
  /** Stop early (worker shutdown): the rest waits for the next pass. */
  signal?: { stopped: boolean };
}

export interface RetentionReport {
  /** Rows deleted per table. */
  deleted: Record<string, number>;
  /** SQLite: the file's space before and after (null on PostgreSQL). */
  sqlite: null | {
    autoVacuum: 'none' | 'full' | 'incremental';
    bytesBefore: number;
    bytesAfter: number;
    freedPages: number;
  };
  /** PostgreSQL: the day partitions dropped, and those past the horizon kept for a pending delivery. */
  partitions: null | { dropped: string[]; kept: string[] };
  durationMs: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function retentionCutoffs(config: Config, now: number): ExpiryCutoffs {
  const conversionsBefore = now - config.retention.attributionMs;
  const windowMs = Math.max(MAX_WINDOW_DAYS, config.pixel.attributionWindowDays) * DAY_MS;
  return {
    now,
    expiredBefore: now - EXPIRED_GRACE_MS,
    idleBefore: now - config.management.sessionIdleMs - EXPIRED_GRACE_MS,
    auditBefore: now - config.retention.auditMs,
    conversionsBefore,
    touchpointsBefore: conversionsBefore - windowMs,
  };
}

const AUTO_VACUUM = ['none', 'full', 'incremental'] as const;
const fileBytes = (space: SqliteSpace): number => space.pageCount * space.pageSize;

export async function runRetention(
  deps: RetentionDeps,
  options: RetentionOptions = {},
): Promise<RetentionReport> {
  const { storage, config, clock } = deps;
  const { db } = storage;
  const pause = options.pause ?? nextTurn;
  const stopped = (): boolean => options.signal?.stopped === true;
  const started = clock.now();
  const now = started;
  const limit = config.retention.batchSize;
  const deleted: Record<string, number> = {
    events: 0,
    deliveries: 0,
    delivery_attempts: 0,
  };
  const add = (table: string, n: number): void => {
    deleted[table] = (deleted[table] ?? 0) + n;
  };

  let before: SqliteSpace | null = null;
  if (storage.dialect === 'sqlite') {
    if (options.fullVacuum) await sqliteConvertToIncremental(db);
    before = await sqliteSpace(db);
  }

  const eventsBefore = now - config.retention.eventMs;
  let partitions: RetentionReport['partitions'] = null;
  let spare: TimeRange | null = null;
  if (storage.dialect === 'postgres') {
    const log = deps.log ? { log: deps.log } : {};
    await ensurePartitions(storage, now, log);
    const drops = await dropExpiredPartitions(storage, eventsBefore, { ...log, stopped });
    add('events', drops.deleted.events);
    add('deliveries', drops.deleted.deliveries);
    add('delivery_attempts', drops.deleted.delivery_attempts);
    partitions = { dropped: drops.dropped, kept: drops.kept };
    spare = await sparedRange(storage, eventsBefore);
  }

  // Events, per org on its (org_id, received_at) index.
  for (const orgId of await allOrgIds(db)) {
    while (!stopped()) {
      const ids = await expiredEventIds(db, orgId, eventsBefore, limit, spare);
      if (ids.length === 0) break;
      const done = await deleteEventsRolledUp(db, storage.dialect, ids);
      add('events', done.events);
      add('deliveries', done.deliveries);
      add('delivery_attempts', done.delivery_attempts);
      await pause();
      // Fewer than a batch: this org has nothing more (the rest still waits for a delivery).
      if (ids.length < limit) break;
    }
  }

  // Sealed groups older than the event retention: their events left without releasing their slots (a
  // PostgreSQL partition dropped whole), or still wait for a delivery after EVENT_RETENTION_DAYS, which
  // bounds how long personal data is kept either way (they then fail as erased).
  if (!stopped()) await deleteGroupsBefore(db, eventsBefore);

  const cutoffs = { ...retentionCutoffs(config, now) };
  for (const rule of EXPIRY_RULES) {
    add(rule.table, 0);
    while (!stopped()) {
      const n = await deleteExpiredBatch(db, rule, cutoffs, limit);
      add(rule.table, n);
      await pause();
      if (n < limit) break;
    }
  }

  const webhookCutoff = now - config.webhooks.retentionMs;
  add('webhook_messages', 0);
  add('webhook_attempts', 0);
  while (!stopped()) {
    const n = await deleteOldWebhookData(db, {
      cutoff: webhookCutoff,
      // A quota claim must outlive its month (as in the dispatcher's maintenance).
      claimCutoff: Math.min(webhookCutoff, now - 62 * DAY_MS),
      limit,
    });
    add('webhook_messages', n.messages);
    add('webhook_attempts', n.attempts);
    await pause();
    if (n.messages < limit && n.attempts < limit) break;
  }

  let sqlite: RetentionReport['sqlite'] = null;
  if (before) {
    let space = await sqliteSpace(db);
    if (space.autoVacuum === 2) {
      while (space.freePages > 0 && !stopped()) {
        await sqliteIncrementalVacuum(db, VACUUM_STEP_PAGES);
        await pause();
        const next = await sqliteSpace(db);
        if (next.freePages >= space.freePages) break;
        space = next;
      }
      await sqliteCheckpoint(db, 'passive');
    }
    const after = await sqliteSpace(db);
    sqlite = {
      autoVacuum: AUTO_VACUUM[after.autoVacuum] ?? 'none',
      bytesBefore: fileBytes(before),
      bytesAfter: fileBytes(after),
      freedPages: Math.max(0, before.pageCount - after.pageCount),
    };
  }
  const report: RetentionReport = { deleted, sqlite, partitions, durationMs: clock.now() - started };
  deps.log?.info({ retention: report }, 'retention pass');
  return report;
}
