import type { Kysely } from 'kysely';

// Public REST API: scoped API keys, the org's custom event definitions, stored Idempotency-Key results
// (shared by the API and the management surface), and ECB reference rates for revenue in one currency.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    // null: every domain of the org.
    .addColumn('domain_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    // `sp_` and the first characters of the key: enough to recognise it in a list, never to use it.
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    // Comma-separated: events:read,events:write,stats:read
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('last_used_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_org').on('api_keys').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('custom_event_definitions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('custom_event_definitions_org_name', ['org_id', 'name'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    // Who may replay: `key:<api key id>` or `user:<user id>:<org id>`.
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('idem_key', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    // SHA-256 of method, URL and canonical JSON body: "same request" means the same hash.
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // running | completed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    // Sealed: some responses carry a secret shown once (a new API key).
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // A running claim older than this was abandoned (crashed node); another request may take it over.
    .addColumn('locked_until', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'idem_key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_expires')
    .on('idempotency_keys')
    .columns(['expires_at'])
    .execute();

  await db.schema
    .createTable('fx_rates')
    // ECB publication day, YYYY-MM-DD.
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    // Units of `currency` per 1 EUR, as the ECB quotes it (text keeps the published digits exactly).
    .addColumn('rate', 'text', (c) => c.notNull())
    // shipped | ecb
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('fetched_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('fx_rates_pk', ['date', 'currency'])
    .execute();

  // customData exactly as an API client sent it, where mapping the seed's aliases (contentIds, itemPrice)
  // changed it; custom_data keeps the mapped form the destinations read.
  await db.schema.alterTable('events').addColumn('custom_data_sent', 'text').execute();

  // Stats group an org's deliveries by creation time (= the event's arrival).
  await db.schema
    .createIndex('deliveries_org_created')
    .on('deliveries')
    .columns(['org_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_org_created').ifExists().execute();
  await db.schema.alterTable('events').dropColumn('custom_data_sent').execute();
  for (const table of ['fx_rates', 'idempotency_keys', 'custom_event_definitions', 'api_keys']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
