/**
 * Observing the statements a SQLite connection executes. The main connection keeps its prepared statements
 * (storage/sqlite-statements.ts), so a test that watched `prepare` would see each text once, on its first
 * run only: this calls `observe` on every execution (run, all, get, iterate) of a statement prepared from
 * now on, with its text.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';

const EXECUTIONS = ['run', 'all', 'get', 'iterate'] as const;

export function onSqliteExecute(handle: SqliteHandle, observe: (source: string) => void): void {
  const prepare = handle.prepare.bind(handle);
  handle.prepare = ((source: string) => {
    const statement = prepare(source);
    const methods = statement as unknown as Record<
      (typeof EXECUTIONS)[number],
      (...args: unknown[]) => unknown
    >;
    for (const name of EXECUTIONS) {
      const execute = methods[name].bind(statement);
      methods[name] = (...args: unknown[]) => {
        observe(source);
        return execute(...args);
      };
    }
    return statement;
  }) as typeof handle.prepare;
}
