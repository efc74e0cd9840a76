/**
 * A Kysely instance that builds and compiles queries and never connects: for statements compiled once and run
 * many times (the outbox's, src/storage/outbox-sql.ts and outbox-postgres.ts). Not in prepared.ts, which the
 * SQLite writer thread loads without Kysely.
 */
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Dialect } from './db.js';
import type { Database } from './schema.js';

export function compileOnlyDb(dialect: Dialect): Kysely<Database> {
  const postgres = dialect === 'postgres';
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => (postgres ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kysely) =>
        postgres ? new PostgresIntrospector(kysely) : new SqliteIntrospector(kysely),
      createQueryCompiler: () => (postgres ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
}
