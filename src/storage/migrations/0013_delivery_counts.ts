import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Hourly delivery counters (docs/architecture.md, step 1 of the queue redesign): `delivery_counts` per
 * destination, hour of creation, status and carried identifiers (src/storage/delivery-counts.ts), kept by
 * every writer of a delivery's status, read by the statistics, destination health and diagnostics. They
 * replace the two statistics indexes on `deliveries` (`(org_id, created_at)`, `(destination_id,
 * created_at)`): ~110 bytes and two b-tree writes per delivery at ingest, and two more deletes at retention.
 *
 * The backfill counts the rows that exist. Rows retention already deleted stay in `stats_daily` (kind
 * `delivery`), which the statistics still read; retention no longer adds to that kind, so nothing is
 * counted twice. The last success of a destination is only known from here on for rows already deleted.
 */
function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('delivery_counts')
    .addColumn('destination_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('sent_keys', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('destination_type', 'text', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addColumn('score_sum', 'bigint', (c) => c.notNull())
    .addColumn('consent_skips', 'bigint', (c) => c.notNull())
    .addColumn('last_delivered_at', 'bigint')
    .addPrimaryKeyConstraint('delivery_counts_pk', ['destination_id', 'hour', 'status', 'sent_keys'])
    .modifyEnd(isPostgres(db) ? sql`` : sql`without rowid`)
    .execute();
  // The statistics read an org's (or a domain's) hours.
  await db.schema
    .createIndex('delivery_counts_org_hour')
    .on('delivery_counts')
    .columns(['org_id', 'hour'])
    .execute();
  const hour = sql`(created_at - (created_at % 3600000))`;
  await sql`insert into delivery_counts (destination_id, hour, status, sent_keys, org_id, domain_id,
      destination_type, n, score_sum, consent_skips, last_delivered_at)
    select destination_id, ${hour}, status, coalesce(sent_keys, -1), min(org_id), min(domain_id),
      min(destination_type), count(*), coalesce(sum(match_score), 0),
      sum(case when status = 'skipped' and last_error = 'consent' then 1 else 0 end),
      max(case when status = 'delivered' then final_at end)
    from deliveries
    group by destination_id, ${hour}, status, coalesce(sent_keys, -1)`.execute(db);
  await db.schema.dropIndex('deliveries_org_created').execute();
  await db.schema.dropIndex('deliveries_destination_created').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('deliveries_org_created')
    .on('deliveries')
    .columns(['org_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('deliveries_destination_created')
    .on('deliveries')
    .columns(['destination_id', 'created_at'])
    .execute();
  await db.schema.dropTable('delivery_counts').execute();
}
