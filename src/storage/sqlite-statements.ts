/**
 * Prepared statements of the main SQLite connection, kept for the next query with the same text. Kysely's
 * SQLite driver prepares every query anew, and preparing (parsing and planning) cost about as much as
 * running the delivery worker's statements did: better-sqlite3's `prepare` was 2–3 % of the main thread
 * in the benchmark's drain and ingest. Every statement text of ours is the same for every batch (lists are
 * one bound JSON value: repos/deliveries.ts `inList`), so a small cache holds all of them.
 */
import type { Database as SqliteHandle, Statement } from 'better-sqlite3';

/** More than the distinct statements a running service executes; the least recently used goes first. */
export const STATEMENT_CACHE_SIZE = 256;

export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly database: SqliteHandle,
    private readonly capacity: number = STATEMENT_CACHE_SIZE,
  ) {}

  /** The prepared statement for `sql`, prepared on the first call (a syntax error throws, nothing is kept). */
  get(sql: string): Statement {
    const cached = this.statements.get(sql);
    if (cached) {
      // Re-inserted: a Map iterates in insertion order, so its first key is the least recently used.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.database.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > this.capacity) {
      this.statements.delete(this.statements.keys().next().value as string);
    }
    return statement;
  }

  get size(): number {
    return this.statements.size;
  }
}
