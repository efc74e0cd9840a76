/**
 * One query layer over two dialects: better-sqlite3 (embedded default) and PostgreSQL (DATABASE_URL).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite, { type Database as SqliteHandle } from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
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
  /**
   * For SQLite: the raw handle, for statements prepared once (src/storage/prepared.ts). Use it only while
   * holding Kysely's connection (`db.connection().execute`), so it never interleaves with a Kysely
   * transaction.
   */
  sqlite?: SqliteHandle;
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

function openSqlite(options: StorageOptions): Storage {
  mkdirSync(options.dataDir, { recursive: true });
  const file = options.sqliteFile ?? join(options.dataDir, 'tagbridge.db');
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before we answer success ("durable before we answer").
  database.pragma(`synchronous = ${options.sqliteSynchronous ?? 'FULL'}`);
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    dialect: 'sqlite',
    file,
    sqlite: database,
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
