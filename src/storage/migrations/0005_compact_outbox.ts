import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * A smaller outbox (issue 15: bytes on disk per queued event).
 * - `events.pii_sealed` holds binary sealed values (ingest/sealed-payload.ts), a third smaller than base64
 *   text. PostgreSQL: the column becomes `bytea`; the text values already stored keep their bytes and
 *   still open (the sealer tells the two formats apart by the first byte). SQLite stores a BLOB in the
 *   existing column as it is (TEXT affinity never converts a BLOB), so nothing is rewritten there.
 * - `dedup_keys` on SQLite becomes a WITHOUT ROWID table: the key is the table, instead of a table plus a
 *   unique index holding the same three columns again.
 * - Two `deliveries` indexes hold only the rows their queries look for: the due index only pending rows
 *   (a delivered row leaves it), the `(org_id, status)` index only the replayable ones (failed, dead).
 *   Queries repeat these conditions with constants (`PENDING` in repos/deliveries.ts), which is what lets
 *   SQLite use a partial index.
 * - PostgreSQL: `deliveries` pages keep 30 % free (fillfactor 70), so a lease — which changes no indexed
 *   column — is a heap-only update that adds no index entries.
 */
function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_due').execute();
  await sql`create index deliveries_due on deliveries (destination_id, next_attempt_at) where status = 'pending'`.execute(
    db,
  );
  await db.schema.dropIndex('deliveries_org_status').execute();
  await sql`create index deliveries_org_replayable on deliveries (org_id, status) where status in ('failed', 'dead')`.execute(
    db,
  );
  if (isPostgres(db)) {
    await sql`alter table events alter column pii_sealed type bytea using convert_to(pii_sealed, 'UTF8')`.execute(
      db,
    );
    await sql`alter table deliveries set (fillfactor = 70)`.execute(db);
    return;
  }
  await rebuildDedupKeys(db, true);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_org_replayable').execute();
  await db.schema
    .createIndex('deliveries_org_status')
    .on('deliveries')
    .columns(['org_id', 'status'])
    .execute();
  await db.schema.dropIndex('deliveries_due').execute();
  await db.schema
    .createIndex('deliveries_due')
    .on('deliveries')
    .columns(['status', 'destination_id', 'next_attempt_at'])
    .execute();
  if (isPostgres(db)) {
    await sql`alter table deliveries reset (fillfactor)`.execute(db);
    // Binary values cannot become text; they are kept as hex so nothing is lost (the service of the
    // previous release can no longer open them: roll back before new events arrive, or re-ingest).
    await sql`alter table events alter column pii_sealed type text using case
      when get_byte(pii_sealed, 0) = 118 then convert_from(pii_sealed, 'UTF8')
      else encode(pii_sealed, 'hex') end`.execute(db);
    return;
  }
  await rebuildDedupKeys(db, false);
}

async function rebuildDedupKeys(db: Kysely<unknown>, withoutRowid: boolean): Promise<void> {
  await db.schema
    .createTable('dedup_keys_next')
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_pk', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dedup_keys_pk', ['domain_id', 'event_name', 'event_id'])
    .modifyEnd(withoutRowid ? sql`without rowid` : sql``)
    .execute();
  await sql`insert into dedup_keys_next (domain_id, event_name, event_id, event_pk, expires_at)
    select domain_id, event_name, event_id, event_pk, expires_at from dedup_keys`.execute(db);
  await db.schema.dropTable('dedup_keys').execute();
  await db.schema.alterTable('dedup_keys_next').renameTo('dedup_keys').execute();
  await db.schema.createIndex('dedup_keys_expires').on('dedup_keys').columns(['expires_at']).execute();
}
