/**
 * Migration 0015 on both dialects: the dedup keys still inside their window are carried over as the 16-byte
 * hashes the outbox computes (in SQL on PostgreSQL, in pages on SQLite: the same bytes as dedup-key.ts),
 * expired ones are dropped, and a rollback brings the former table back, empty.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { dedupKey } from '../src/storage/dedup-key.js';
import { migrateTo, migrateToLatest } from '../src/storage/migrate.js';
import { dialect } from './harness.js';
import { migrationStorage } from './migration-storage.js';

describe('migration 0015: compact dedup keys', () => {
  const opened = migrationStorage('mig15');

  test('live keys become their hashes, expired ones go, and the rollback restores the former table', async () => {
    const { storage } = opened;
    const now = Date.now();
    await migrateTo(storage, '0014_time_partitions');
    // More live keys than one page of the SQLite copy (2,000), a custom event's name and a non-ASCII id.
    const old: Array<[string, string, string, string, number]> = [];
    for (let i = 0; i < 2500; i += 1) old.push(['dom_1', 'Purchase', `order-${i}`, `evt_${i}`, now + 60_000]);
    old.push(['dom_1', 'Custom:Quote', 'order-1', 'evt_custom', now + 60_000]);
    old.push(['dom_2', 'Purchase', 'bestellung-ü', 'evt_umlaut', now + 60_000]);
    old.push(['dom_1', 'Purchase', 'order-expired', 'evt_expired', now - 1]);
    for (let i = 0; i < old.length; i += 500) {
      await sql`insert into dedup_keys (domain_id, event_name, event_id, event_pk, expires_at)
        values ${sql.join(old.slice(i, i + 500).map((row) => sql`(${sql.join(row)})`))}`.execute(storage.db);
    }

    const report = await migrateToLatest(storage);
    assert.ok(report.applied.includes('0015_compact_dedup_keys'), JSON.stringify(report));

    const rows = await storage.db
      .selectFrom('dedup_keys')
      .select(['key', 'event_pk', 'expires_at'])
      .execute();
    const byPk = new Map(rows.map((r) => [r.event_pk, r]));
    assert.equal(rows.length, 2502, 'every live key, and not the expired one');
    assert.equal(byPk.has('evt_expired'), false);
    for (const [domainId, name, eventId, pk, expiresAt] of old.slice(0, -1)) {
      const row = byPk.get(pk);
      assert.ok(row, `${pk} carried over`);
      assert.deepEqual(Buffer.from(row.key), dedupKey(domainId, name, eventId), `${pk}: the outbox's key`);
      assert.equal(Number(row.expires_at), expiresAt);
    }
    // The outbox's claim of the same key now conflicts with the carried-over one.
    await assert.rejects(
      storage.db
        .insertInto('dedup_keys')
        .values({
          key: dedupKey('dom_2', 'Purchase', 'bestellung-ü'),
          event_pk: 'evt_again',
          expires_at: now,
        })
        .execute(),
    );
    if (dialect === 'sqlite') {
      const trees = storage
        .sqlite!.prepare(
          "select name, sql from sqlite_schema where tbl_name = 'dedup_keys' and rootpage > 0 order by name",
        )
        .all() as { name: string; sql: string }[];
      assert.deepEqual(
        trees.map((t) => t.name),
        ['dedup_keys', 'dedup_keys_expires'],
      );
      assert.match(trees[0]!.sql, /without rowid/i);
    }

    await migrateTo(storage, '0014_time_partitions');
    const former = await sql<{ n: number }>`select count(*) as n from dedup_keys
      where domain_id is not null and event_name is not null and event_id is not null`.execute(storage.db);
    assert.equal(Number(former.rows[0]!.n), 0, 'the former table, empty');
    await migrateToLatest(storage);
  });
});
