/**
 * One query layer over two dialects: better-sqlite3 (embedded default) and PostgreSQL (DATABASE_URL).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite, { type Database as SqliteHandle } from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';
export type DB = Kysely<Database>;

export interface Storage {
  db: DB;
  dialect: Dialect;
  /** For SQLite: the database file (tests search it for cleartext). */
  file?: string;
  /** For PostgreSQL: the schema holding the tables. */
  schema?: string;
  /** For SQLite: the raw handle of the main connection (Kysely's). */
  sqlite?: SqliteHandle;
  /**
   * For SQLite: how the main connection was opened. The outbox's writer thread opens its own connection to
   * the same file with the same settings (`openSqliteHandle`).
   */
  sqliteSettings?: SqliteSettings;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StorageOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  sqliteFile?: string;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** PostgreSQL schema to use (tests run each in its own); created if missing. */
  pgSchema?: string;
  pgPoolSize?: number;
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  return openSqlite(options);
}

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

/**
 * Kysely's SQLite transactions begin IMMEDIATE: they take the write lock up front (waiting for it under
 * busy_timeout), since another connection (the outbox's writer thread) commits between statements. A
 * deferred transaction that read first and writes later would fail with SQLITE_BUSY instead of waiting.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteHandle) {
    super({ database });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

function openSqlite(options: StorageOptions): Storage {
  mkdirSync(options.dataDir, { recursive: true });
  const settings: SqliteSettings = {
    file: options.sqliteFile ?? join(options.dataDir, 'tagbridge.db'),
    synchronous: options.sqliteSynchronous ?? 'FULL',
  };
  const database = openSqliteHandle(settings);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(database) });
  return {
    db,
    dialect: 'sqlite',
    file: settings.file,
    sqlite: database,
    sqliteSettings: settings,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openPostgres(url: string, options: StorageOptions): Promise<Storage> {
  // Loaded only here: the embedded default never pays for the PostgreSQL client.
  const { default: pg } = await import('pg');
  // int8 (counts, bigint columns) as numbers: every value we store is a millisecond time or a counter, far
  // below 2^53.
  pg.types.setTypeParser(20, (value: string) => Number(value));
  const schema = options.pgSchema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`Invalid PostgreSQL schema name ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.pgPoolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    schema: schema ?? 'public',
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
