import type { Kysely } from 'kysely';

/**
 * Retention (issue 14 §3, src/retention/): what is deleted and what is kept of it.
 * - `stats_daily`: the daily aggregates of events and deliveries that retention deletes, written in the
 *   same transaction as the deletion, so the statistics (GET /api/v1/stats) still answer for days whose
 *   rows are gone. One row per org, domain, UTC day (`day_start`, epoch ms of midnight) and figure:
 *   `kind` `event` (name: event name, detail: custom event name or ''), `purchase` (name: currency or '',
 *   `value`: the sum of Purchase values) and `delivery` (name: destination type, detail: status).
 * - Indexes on the expiry times retention deletes by, so a batch is an index range, not a table scan:
 *   audit entries by time, sessions and login tokens by expiry, touchpoints and visitors by time.
 *   (events are walked per org on their `(org_id, received_at)` index; dedup and idempotency keys already
 *   have an expiry index.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stats_daily')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('day_start', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_daily_pk', ['org_id', 'day_start', 'kind', 'domain_id', 'name', 'detail'])
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at']).execute();
  await db.schema.createIndex('sessions_expires').on('sessions').columns(['expires_at']).execute();
  await db.schema.createIndex('login_tokens_expires').on('login_tokens').columns(['expires_at']).execute();
  await db.schema.createIndex('touchpoints_time').on('touchpoints').columns(['occurred_at']).execute();
  await db.schema.createIndex('visitors_last_seen').on('visitors').columns(['last_seen_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of [
    'visitors_last_seen',
    'touchpoints_time',
    'login_tokens_expires',
    'sessions_expires',
    'audit_log_at',
  ]) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  await db.schema.dropTable('stats_daily').ifExists().execute();
}
