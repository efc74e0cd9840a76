import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * One sealed value per ingest group (issue 15, docs/architecture.md "The outbox on disk", step 4): the
 * personal data of the events one group commit stores is sealed once, in a `pii_groups` row, instead of
 * once per event in `events.pii_sealed`. An event points at its entry with `pii_group` and `pii_slot`;
 * `pii_slot` goes back to null when its data is erased, and `pending` counts the slots still live, so the
 * group row is deleted with its last one (src/storage/pii-groups.ts).
 *
 * Rows written before keep their own `pii_sealed` value, which every reader still opens.
 */
function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db);
  await db.schema
    .createTable('pii_groups')
    .addColumn('id', postgres ? 'bigint' : 'integer', (c) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('sealed', postgres ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('pending', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('events').addColumn('pii_group', 'bigint').execute();
  await db.schema.alterTable('events').addColumn('pii_slot', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The events that point into a live group lose their personal data with it: marked erased, as a person's
  // erasure marks them, so their pending deliveries are not sent without it (src/delivery/open-events.ts).
  await sql`update events set pii_erased_at = ${Date.now()} where pii_slot is not null`.execute(db);
  await db.schema.alterTable('events').dropColumn('pii_slot').execute();
  await db.schema.alterTable('events').dropColumn('pii_group').execute();
  await db.schema.dropTable('pii_groups').execute();
}
