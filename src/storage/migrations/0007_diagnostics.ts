import type { Kysely } from 'kysely';

/**
 * Match-quality and deduplication diagnostics (issue 9 §4): `events.diagnostics` holds flags decided at
 * ingest (ingest/diagnostics.ts: IP problems, a click id lost between landing URL and event, no identifier,
 * paired with the other path), and each delivery records which identifiers it carries for its platform
 * (`sent_keys`, a bit per user-data key) and the match-quality score derived from them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('diagnostics', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('deliveries').addColumn('sent_keys', 'integer').execute();
  await db.schema.alterTable('deliveries').addColumn('match_score', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deliveries').dropColumn('match_score').execute();
  await db.schema.alterTable('deliveries').dropColumn('sent_keys').execute();
  await db.schema.alterTable('events').dropColumn('diagnostics').execute();
}
