/**
 * Opening a connection to the SQLite file, apart from db.ts so the outbox's writer thread loads better-sqlite3
 * and nothing else of the query layer (Kysely is ~260 modules and a few MB of every isolate that loads it).
 */
import SQLite, { type Database as SqliteHandle } from 'better-sqlite3';

export interface SqliteSettings {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
}

/**
 * A connection to the SQLite file with the settings every connection of ours uses: the main one (Kysely's)
 * and the outbox's writer thread (src/storage/outbox-worker.ts). Both write, so both wait for the other's
 * write lock (busy_timeout) instead of failing.
 */
export function openSqliteHandle(settings: SqliteSettings): SqliteHandle {
  const database = new SQLite(settings.file);
  database.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before we answer success ("durable before we answer").
  database.pragma(`synchronous = ${settings.synchronous}`);
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  return database;
}
