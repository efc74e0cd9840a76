/**
 * Kysely-built statements prepared once on the raw better-sqlite3 handle. The SQL still comes from the one
 * query layer; only the hot ingest path skips building, compiling and re-preparing a statement per group
 * (multi-row INSERTs change their text with every row count, so nothing could be cached).
 *
 * Values are given as named sentinels when the query is built; the compiled parameter list then tells in
 * which order to bind them. Compiling (`compileStatement`, Kysely) and preparing (`prepare`, better-sqlite3)
 * are apart: the outbox's writer thread prepares statements the main thread compiled, without loading Kysely.
 */
import type { Database as SqliteHandle, Statement } from 'better-sqlite3';
import type { Compilable } from 'kysely';

const SENTINEL = '\u0000tagbridge-param:';

/** A placeholder for the value named `name`, used while building the query. */
export function param(name: string): never {
  return `${SENTINEL}${name}` as never;
}

export type BindValue = string | number | bigint | null | Uint8Array;

export interface PreparedStatement {
  run(values: Record<string, BindValue>): number;
  get<T>(values: Record<string, BindValue>): T | undefined;
  /** Runs with row `row` of columnar values (one array per name); names absent from `columns` are NULL. */
  runRow(columns: Readonly<Record<string, readonly BindValue[]>>, row: number): number;
  /** Like `runRow`, returning the first result row; `extra` names values common to every row. */
  getRow<T>(
    columns: Readonly<Record<string, readonly BindValue[]>>,
    row: number,
    extra?: Record<string, BindValue>,
  ): T | undefined;
}

/** A compiled statement: its SQL and the names of the values to bind, in order (plain data: it crosses threads). */
export interface StatementText {
  sql: string;
  names: string[];
}

export function compileStatement(query: Compilable): StatementText {
  const compiled = query.compile();
  const names = compiled.parameters.map((p) => {
    if (typeof p !== 'string' || !p.startsWith(SENTINEL)) {
      throw new Error(`prepared statement has a literal parameter (${String(p)}); use param()`);
    }
    return p.slice(SENTINEL.length);
  });
  return { sql: compiled.sql, names };
}

export function prepare(sqlite: SqliteHandle, { sql, names }: StatementText): PreparedStatement {
  const statement: Statement = sqlite.prepare(sql);
  const bind = (values: Record<string, BindValue>): BindValue[] =>
    names.map((name) => {
      // Optional columns may be absent from a row object: they are NULL (the column lists are type-checked).
      return values[name] ?? null;
    });
  const bindRow = (
    columns: Readonly<Record<string, readonly BindValue[]>>,
    row: number,
    extra?: Record<string, BindValue>,
  ): BindValue[] => names.map((name) => columns[name]?.[row] ?? extra?.[name] ?? null);
  return {
    runRow(columns, row) {
      return statement.run(bindRow(columns, row)).changes;
    },
    getRow<T>(
      columns: Readonly<Record<string, readonly BindValue[]>>,
      row: number,
      extra?: Record<string, BindValue>,
    ) {
      return statement.get(bindRow(columns, row, extra)) as T | undefined;
    },
    run(values) {
      return statement.run(bind(values)).changes;
    },
    get<T>(values: Record<string, BindValue>) {
      return statement.get(bind(values)) as T | undefined;
    },
  };
}
