import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { dedupKey } from '../dedup-key.js';

/**
 * Compact dedup keys (issue 15, docs/architecture.md "The outbox on disk"): `dedup_keys` is keyed by a
 * 16-byte hash of domain id, dedup name and event id (src/storage/dedup-key.ts) instead of the three texts,
 * which the table and its expiry index each repeated (~180 bytes per event on SQLite). The keys still inside
 * their window are carried over, hashed: in SQL on PostgreSQL (`sha256`, the same bytes as dedup-key.ts), in
 * pages on SQLite (which has no SHA-256). Expired keys are dropped: a claim over one wins anyway.
 *
 * Rolling back recreates the former table empty: the texts cannot be recovered from their hashes, so an
 * event sent again within its window after a rollback is accepted a second time.
 */
function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Keys hashed and inserted per statement on SQLite (3 bound values a row). */
const PAGE = 2000;

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db);
  const now = Date.now();
  await db.schema
    .createTable('dedup_keys_next')
    .addColumn('key', postgres ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('event_pk', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // The former table's `dedup_keys_pk` still exists until it is dropped below, so another name.
    .addPrimaryKeyConstraint('dedup_keys_key', ['key'])
    .modifyEnd(postgres ? sql`` : sql`without rowid`)
    .execute();
  if (postgres) {
    const nul = sql`decode('00', 'hex')`;
    await sql`insert into dedup_keys_next (key, event_pk, expires_at)
      select substring(sha256(convert_to(domain_id, 'UTF8') || ${nul} || convert_to(event_name, 'UTF8') || ${nul}
               || convert_to(event_id, 'UTF8') || ${nul}) from 1 for 16), event_pk, expires_at
      from dedup_keys where expires_at > ${now}
      on conflict do nothing`.execute(db);
  } else {
    await copyHashedSqlite(db, now);
  }
  await db.schema.dropTable('dedup_keys').execute();
  await db.schema.alterTable('dedup_keys_next').renameTo('dedup_keys').execute();
  await db.schema.createIndex('dedup_keys_expires').on('dedup_keys').columns(['expires_at']).execute();
}

type OldKey = {
  domain_id: string;
  event_name: string;
  event_id: string;
  event_pk: string;
  expires_at: number;
};

/** SQLite: the unexpired keys in pages of PAGE, in key order (each page starts after the last one's key). */
async function copyHashedSqlite(db: Kysely<unknown>, now: number): Promise<void> {
  let after: OldKey | null = null;
  for (;;) {
    const from: OldKey | null = after;
    const page: OldKey[] = (
      await sql<OldKey>`select domain_id, event_name, event_id, event_pk, expires_at from dedup_keys
        where expires_at > ${now}
          ${from ? sql`and (domain_id, event_name, event_id) > (${from.domain_id}, ${from.event_name}, ${from.event_id})` : sql``}
        order by domain_id, event_name, event_id limit ${PAGE}`.execute(db)
    ).rows;
    if (page.length === 0) return;
    const values = page.map(
      (k) => sql`(${dedupKey(k.domain_id, k.event_name, k.event_id)}, ${k.event_pk}, ${k.expires_at})`,
    );
    await sql`insert or ignore into dedup_keys_next (key, event_pk, expires_at)
      values ${sql.join(values)}`.execute(db);
    after = page[page.length - 1]!;
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db);
  await db.schema.dropTable('dedup_keys').execute();
  await db.schema
    .createTable('dedup_keys')
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_pk', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dedup_keys_pk', ['domain_id', 'event_name', 'event_id'])
    .modifyEnd(postgres ? sql`` : sql`without rowid`)
    .execute();
  await db.schema.createIndex('dedup_keys_expires').on('dedup_keys').columns(['expires_at']).execute();
}
