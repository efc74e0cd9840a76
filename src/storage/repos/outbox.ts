/**
 * The outbox: accepted events, their delivery rows, their dedup keys and the usage counters, written in one
 * transaction so that a delivery row exists exactly when its event does and usage matches what was stored.
 * One group commit of the ingest writer is one `commit`. What a group claims and writes is decided by the
 * pure functions of src/storage/outbox-group.ts, the same on both dialects.
 *
 * SQLite: the transaction runs on a writer thread with its own connection (src/storage/outbox-thread.ts),
 * off the main thread's event loop. PostgreSQL: one Kysely transaction on the pool, two statements per group
 * compiled once (src/storage/outbox-postgres.ts).
 */
import { Sealer } from '../../lib/crypto.js';
import type { DB, Storage } from '../db.js';
import type { OutboxGroup } from '../outbox-group.js';
import { commitPostgres } from '../outbox-postgres.js';
import { OutboxThread } from '../outbox-thread.js';
import { PENDING } from './deliveries.js';

export interface Outbox {
  /**
   * Groups that may commit at once. SQLite: 1 (one writer). PostgreSQL: a few; concurrent groups claiming
   * the same key wait for each other on the key's row, and claim in one order (sorted), so they cannot
   * deadlock; the usage row is locked last.
   */
  readonly concurrency: number;
  /**
   * Claims the group's dedup keys, then writes the rows of the events that won; all in one transaction.
   * Resolves once it has committed: per event of the group, 1 accepted (written) or 0 duplicate.
   */
  commit(group: OutboxGroup): Promise<Uint8Array>;
  /** Lets a commit in progress finish, then releases what the outbox holds (SQLite: its thread). */
  close(): Promise<void>;
}

export interface OutboxOptions {
  /** The key that seals each group's personal data (ENCRYPTION_KEY, the first of config.encryptionKeys). */
  sealKey: Buffer;
  /** Test-only fault point (SQLite): each commit blocks the writer thread this long inside its transaction. */
  testThreadDelayMs?: number;
  /** Called when the SQLite writer thread dies unexpectedly (its pending commits were rejected). */
  onThreadExit?: (error: Error) => void;
  /** PostgreSQL: groups that may commit at once (each holds a pool connection meanwhile). */
  postgresConcurrency?: number;
  /** SQLite: start the writer thread with the first commit, not now (a delivery-only process). */
  lazy?: boolean;
}

/** Call after the migrations: the SQLite writer thread prepares its statements when it starts. */
export function openOutbox(storage: Storage, options: OutboxOptions): Outbox {
  const { db, sqliteSettings } = storage;
  if (sqliteSettings) {
    const thread = new OutboxThread({
      settings: sqliteSettings,
      sealKey: options.sealKey,
      ...(options.testThreadDelayMs ? { testDelayMs: options.testThreadDelayMs } : {}),
      ...(options.onThreadExit ? { onExit: options.onThreadExit } : {}),
      ...(storage.sqlite ? { main: storage.sqlite } : {}),
      ...(options.lazy ? { lazy: true } : {}),
    });
    if (storage.sqliteWriteGate) storage.sqliteWriteGate.wait = () => thread.idle();
    return thread;
  }
  const sealer = new Sealer([options.sealKey]);
  return {
    concurrency: options.postgresConcurrency ?? 1,
    commit: (group) => db.transaction().execute((trx) => commitPostgres(trx, sealer, group)),
    close: async () => {},
  };
}

/** Pending deliveries per destination type: the outbox's backlog (the queue-depth gauge). */
export async function pendingDeliveriesByType(db: DB): Promise<{ destinationType: string; count: number }[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['destination_type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', PENDING)
    .groupBy('destination_type')
    .execute();
  return rows.map((row) => ({ destinationType: row.destination_type, count: Number(row.n) }));
}
