/**
 * One query layer over two dialects: better-sqlite3 (embedded default) and PostgreSQL (DATABASE_URL).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Database as SqliteHandle } from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type QueryResult,
  type RawBuilder,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import type { Database } from './schema.js';
import { openSqliteHandle, type SqliteSettings } from './sqlite-handle.js';
import { StatementCache } from './sqlite-statements.js';

export type { SqliteSettings };

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
  /** For SQLite: where the outbox lets the main connection's writes wait for its thread's commit. */
  sqliteWriteGate?: SqliteWriteGate;
  /**
   * Runs `work` on one connection whose commits do not wait for the disk: SQLite `synchronous=NORMAL` (in WAL
   * mode a commit reaches the WAL file, synced by the next checkpoint or by the next ingest commit, which
   * syncs everything before it), PostgreSQL `synchronous_commit=off`. Only for writes that may be redone
   * after a power failure (never a process crash, which loses nothing either way): the delivery worker's
   * leases and outcomes. Losing the last outcomes means sending those events again, with the same event ids,
   * which the platforms deduplicate. Accepted events never go through here: the outbox commits them
   * durably before we answer.
   */
  withAsyncCommit<T>(work: (db: DB) => Promise<T>): Promise<T>;
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

/**
 * Lets the main connection's writes wait without blocking the event loop while the outbox's writer thread
 * commits: SQLite's own wait for a lock (busy_timeout) sleeps on the calling thread, here the event loop.
 * The outbox sets `wait` (resolves once no commit of the thread is in progress).
 */
export interface SqliteWriteGate {
  wait: (() => Promise<void>) | null;
}

/** Anything but a plain read may take the write lock. */
const mayWrite = (query: CompiledQuery): boolean => !/^\s*select\b/i.test(query.sql);

/**
 * The main connection's driver. Its writes and transactions outside a transaction first wait for the
 * writer thread's commit in progress (`SqliteWriteGate`); statements inside a transaction do not (it
 * already holds the lock, and the thread waits for it). Transactions begin IMMEDIATE: they take the write
 * lock up front, since the thread commits between statements, and a deferred transaction that read first
 * could not write after such a commit (SQLITE_BUSY, without waiting).
 */
class MainSqliteDriver extends SqliteDriver {
  private inTransaction = false;

  private readonly statements: StatementCache;

  constructor(
    database: SqliteHandle,
    private readonly gate: SqliteWriteGate,
  ) {
    super({ database });
    this.statements = new StatementCache(database);
  }

  /** What Kysely's SQLite connection does with a query, on a statement prepared once per text. */
  private run<R>(query: CompiledQuery): QueryResult<R> {
    const statement = this.statements.get(query.sql);
    const parameters = query.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    return {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        const wait = this.gate.wait;
        if (wait && !this.inTransaction && mayWrite(query)) await wait();
        return this.run<R>(query);
      },
      // Not from the cache: a statement being iterated is busy until the stream ends.
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> =>
        connection.streamQuery<R>(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    this.inTransaction = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('commit'));
    } finally {
      this.inTransaction = false;
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.inTransaction = false;
    }
  }
}

class MainSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: SqliteHandle,
    private readonly gate: SqliteWriteGate,
  ) {
    super({ database });
  }

  override createDriver(): Driver {
    return new MainSqliteDriver(this.database, this.gate);
  }
}

/**
 * The database holds sealed personal data and every credential (sealed too): readable by its owner only,
 * like the key file. SQLite gives its -wal and -shm files the database file's permissions, so creating the
 * file 0600 before SQLite opens it covers all three; a file made by an older version is narrowed here.
 */
function ownerOnly(file: string): void {
  if (file === ':memory:' || file.startsWith('file:')) return;
  closeSync(openSync(file, 'a', 0o600));
  try {
    chmodSync(file, 0o600);
  } catch {
    // Not ours to change (a file another user provides): SQLite still opens it as configured.
  }
}

/**
 * Runs `work` on one connection held for its whole length, with a session setting `enter` turns on and
 * `leave` restores before the connection goes back to anyone else (Storage.withAsyncCommit).
 */
function onOneConnection<T>(
  db: DB,
  enter: RawBuilder<unknown>,
  leave: RawBuilder<unknown>,
  work: (db: DB) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (connection) => {
    await enter.execute(connection);
    try {
      return await work(connection);
    } finally {
      await leave.execute(connection);
    }
  });
}

function openSqlite(options: StorageOptions): Storage {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const settings: SqliteSettings = {
    file: options.sqliteFile ?? join(options.dataDir, 'tagbridge.db'),
    synchronous: options.sqliteSynchronous ?? 'FULL',
  };
  ownerOnly(settings.file);
  const database = openSqliteHandle(settings);
  // A new file frees space in steps (src/retention/: `pragma incremental_vacuum` after each pass). The mode
  // can only be chosen before the first table; an existing file keeps its mode until an operator switches
  // it with one full VACUUM (`tagbridge retention run --full-vacuum`).
  const tables = database.prepare('select count(*) as n from sqlite_master').get() as { n: number };
  if (tables.n === 0) {
    database.pragma('auto_vacuum = INCREMENTAL');
    // Already in WAL mode the header is written: the (instant) VACUUM of the empty file applies the mode.
    database.exec('vacuum');
  }
  // Deleted and erased values are overwritten with zeros on this connection (deliveries' erasure, retention,
  // a person's erasure) instead of lingering in free space of the file.
  database.pragma('secure_delete = ON');
  const writeGate: SqliteWriteGate = { wait: null };
  const db = new Kysely<Database>({ dialect: new MainSqliteDialect(database, writeGate) });
  return {
    db,
    dialect: 'sqlite',
    file: settings.file,
    sqlite: database,
    sqliteSettings: settings,
    sqliteWriteGate: writeGate,
    // One connection on SQLite: holding it for `work` keeps every other query of the process out while the
    // relaxed setting is on, so a management write in between still commits with the configured level.
    withAsyncCommit: (work) =>
      onOneConnection(
        db,
        sql`pragma synchronous = NORMAL`,
        sql.raw(`pragma synchronous = ${settings.synchronous}`),
        work,
      ),
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
    // A session setting on the pooled connection `work` holds, reset before the pool hands it to anyone else.
    withAsyncCommit: (work) =>
      onOneConnection(db, sql`set synchronous_commit = off`, sql`reset synchronous_commit`, work),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
