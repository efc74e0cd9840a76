import { type Kysely, sql } from 'kysely';

/**
 * Outbound webhooks (issue 10 §4): an org's endpoints, the durable queue of signed messages (one row per
 * endpoint and event: its id is the `webhook-id` receivers deduplicate on), every attempt, and one-time
 * claims (a quota threshold is announced once per month). 0008 is reserved for another change.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // Comma-separated event types, e.g. `event.failed,destination.needs_attention`.
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    // null while enabled or disabled by a person; `gone` (the endpoint answered 410) or `failing` (5 days).
    .addColumn('disabled_reason', 'text')
    // The signing secret (`whsec_…`), sealed: it must be read back to sign, so it cannot be hashed.
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    // The secret before the last rotation, still signing (second signature) until it expires.
    .addColumn('previous_secret_sealed', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    // First failed attempt since the last success: 5 days of failure disable the endpoint.
    .addColumn('failing_since', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_endpoints_org')
    .on('webhook_endpoints')
    .columns(['org_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('webhook_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    // The exact body that is signed and sent, so every retry sends the same bytes.
    .addColumn('payload', 'text', (c) => c.notNull())
    // pending | delivered | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('final_at', 'bigint')
    .execute();
  // The dispatcher's due index holds only pending messages (queries repeat the condition as a constant).
  await sql`create index webhook_messages_due on webhook_messages (next_attempt_at) where status = 'pending'`.execute(
    db,
  );
  // The per-endpoint cap on pending messages counts here (bounded by the cap, whatever the history).
  await sql`create index webhook_messages_pending_endpoint on webhook_messages (endpoint_id) where status = 'pending'`.execute(
    db,
  );
  await db.schema
    .createIndex('webhook_messages_endpoint')
    .on('webhook_messages')
    .columns(['endpoint_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('webhook_messages_created')
    .on('webhook_messages')
    .column('created_at')
    .execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    // delivered | retry | failed | gone
    .addColumn('outcome', 'text', (c) => c.notNull())
    // The start of the answer's body (1 KB at most) and why it did not succeed.
    .addColumn('response_body', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_attempts_message')
    .on('webhook_attempts')
    .columns(['message_id', 'attempt'])
    .execute();
  await db.schema
    .createIndex('webhook_attempts_endpoint')
    .on('webhook_attempts')
    .columns(['endpoint_id', 'at'])
    .execute();
  await db.schema.createIndex('webhook_attempts_at').on('webhook_attempts').column('at').execute();

  await db.schema
    .createTable('webhook_claims')
    .addColumn('org_id', 'text', (c) => c.notNull())
    // e.g. `usage.quota_warning:2026-12:80`
    .addColumn('claim_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_claims_pk', ['org_id', 'claim_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_claims').execute();
  await db.schema.dropTable('webhook_attempts').execute();
  await db.schema.dropTable('webhook_messages').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
}
