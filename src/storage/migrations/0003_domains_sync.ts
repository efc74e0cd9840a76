import type { Kysely } from 'kysely';

// Domains API and sync: soft deletion of domains (the sync token keeps answering `routing_status: deleted`
// to the shop plugin, and the event log keeps the host of past events), and an index for the per-destination
// delivery statistics of the destinations list.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('domains').addColumn('deleted_at', 'bigint').execute();
  await db.schema.alterTable('domains').addColumn('deleted_host', 'text').execute();
  await db.schema
    .createIndex('deliveries_destination_created')
    .on('deliveries')
    .columns(['destination_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_destination_created').ifExists().execute();
  await db.schema.alterTable('domains').dropColumn('deleted_host').execute();
  await db.schema.alterTable('domains').dropColumn('deleted_at').execute();
}
