/**
 * Upgrading a database of the previous release to the compact outbox (migration 0005), on both dialects:
 * the queued events' text-sealed personal data still opens (and on PostgreSQL now sits in a bytea column),
 * dedup keys survive and still deduplicate, and on SQLite the dedup table has no separate key index.
 * Rolling back returns to the previous layout with the keys intact.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { openPayload } from '../src/ingest/sealed-payload.js';
import { Sealer } from '../src/lib/crypto.js';
import type { Storage } from '../src/storage/db.js';
import { migrateTo, migrateToLatest } from '../src/storage/migrate.js';
import { dialect } from './harness.js';
import { migrationStorage } from './migration-storage.js';

/** Index name → its definition, for the `deliveries` table. */
async function partialIndexes(storage: Storage): Promise<Record<string, string>> {
  const rows =
    storage.dialect === 'postgres'
      ? (
          await sql<{ name: string; def: string }>`select indexname as name, indexdef as def from pg_indexes
            where tablename = 'deliveries' and schemaname = current_schema()`.execute(storage.db)
        ).rows
      : (
          await sql<{ name: string; def: string | null }>`select name, sql as def from sqlite_schema
            where type = 'index' and tbl_name = 'deliveries'`.execute(storage.db)
        ).rows;
  return Object.fromEntries(rows.map((r) => [r.name, r.def ?? '']));
}

describe('migration 0005: compact outbox', () => {
  const opened = migrationStorage('mig');
  const sealer = new Sealer([randomBytes(32)]);

  test('an event and a dedup key stored by the previous release survive the upgrade and the rollback', async () => {
    const { storage } = opened;
    const now = Date.now();
    await migrateTo(storage, '0004_public_api');
    // As the previous release wrote them: text sealing with full key names.
    const legacy = sealer.seal({ u: { email: 'jane@example.com', userAgent: 'UA/1' } }, 'evt_old');
    await sql`insert into events (id, org_id, domain_id, event_name, event_id, source, event_time, received_at,
        match_keys, pii_sealed)
      values ('evt_old', 'org_1', 'dom_1', 'Purchase', 'order-1', 'PROXY', ${Math.floor(now / 1000)}, ${now},
        'email,userAgent', ${legacy})`.execute(storage.db);
    await sql`insert into dedup_keys (domain_id, event_name, event_id, event_pk, expires_at)
      values ('dom_1', 'Purchase', 'order-1', 'evt_old', ${now + 60_000})`.execute(storage.db);

    // Up to 0005 only: migration 0015 hashes the dedup keys (test/migration-0015.test.ts).
    const report = await migrateTo(storage, '0005_compact_outbox');
    assert.ok(report.applied.includes('0005_compact_outbox'), JSON.stringify(report));

    const event = await storage.db
      .selectFrom('events')
      .select(['id', 'pii_sealed'])
      .where('id', '=', 'evt_old')
      .executeTakeFirstOrThrow();
    if (dialect === 'postgres') assert.ok(Buffer.isBuffer(event.pii_sealed), 'bytea on PostgreSQL');
    assert.deepEqual(openPayload(sealer, event.pii_sealed!, 'evt_old').u, {
      email: 'jane@example.com',
      userAgent: 'UA/1',
    });
    // A new event's binary value fits the column on both dialects.
    const binary = sealer.sealBinary({ u: { e: 'a@b.c' } }, 'evt_new');
    await sql`update events set pii_sealed = ${binary} where id = 'evt_old'`.execute(storage.db);
    const back = await storage.db
      .selectFrom('events')
      .select('pii_sealed')
      .where('id', '=', 'evt_old')
      .executeTakeFirstOrThrow();
    assert.deepEqual(Buffer.from(back.pii_sealed as Buffer), binary);

    const keys = (
      await sql<{ domain_id: string; event_name: string; event_id: string; event_pk: string }>`
        select domain_id, event_name, event_id, event_pk from dedup_keys`.execute(storage.db)
    ).rows;
    assert.deepEqual(
      keys.map((k) => [k.domain_id, k.event_name, k.event_id, k.event_pk]),
      [['dom_1', 'Purchase', 'order-1', 'evt_old']],
    );
    // Still the key: the same event again conflicts.
    await assert.rejects(
      sql`insert into dedup_keys (domain_id, event_name, event_id, event_pk, expires_at)
        values ('dom_1', 'Purchase', 'order-1', 'evt_dup', 0)`.execute(storage.db),
    );
    if (dialect === 'sqlite') {
      const ddl = storage
        .sqlite!.prepare("select sql from sqlite_schema where name = 'dedup_keys'")
        .get() as {
        sql: string;
      };
      assert.match(ddl.sql, /without rowid/i);
      // The key is the table's own b-tree: no second b-tree repeating the three key columns.
      const trees = storage
        .sqlite!.prepare(
          "select name from sqlite_schema where tbl_name = 'dedup_keys' and rootpage > 0 order by name",
        )
        .all() as { name: string }[];
      assert.deepEqual(
        trees.map((t) => t.name),
        ['dedup_keys', 'dedup_keys_expires'],
      );
    }

    // The queue's indexes hold only the rows their queries look for.
    const indexes = await partialIndexes(storage);
    assert.match(indexes.deliveries_due ?? '', /where.*status.*=.*'pending'/i);
    assert.match(indexes.deliveries_org_replayable ?? '', /where.*status.*'failed'.*'dead'/i);
    assert.equal(indexes.deliveries_org_status, undefined);

    await migrateTo(storage, '0004_public_api');
    const back4 = await partialIndexes(storage);
    assert.equal(back4.deliveries_org_replayable, undefined);
    assert.doesNotMatch(back4.deliveries_due ?? '', /where/i);
    assert.ok(back4.deliveries_org_status);
    const rolledBack = await storage.db.selectFrom('dedup_keys').select('event_pk').execute();
    assert.deepEqual(
      rolledBack.map((k) => k.event_pk),
      ['evt_old'],
    );
    await migrateToLatest(storage);
  });
});
