import type { Kysely } from 'kysely';

/**
 * Consent on every event (issue 9): `events.consent` holds the decision resolved at ingest
 * (ingest/consent.ts; null = granted by default, the common case, so it costs nothing), and each domain
 * chooses what happens to events that carry no consent signal (`forward` or `deny`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('consent', 'text').execute();
  await db.schema
    .alterTable('domains')
    .addColumn('consent_default', 'text', (c) => c.notNull().defaultTo('forward'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('domains').dropColumn('consent_default').execute();
  await db.schema.alterTable('events').dropColumn('consent').execute();
}
