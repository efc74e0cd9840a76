/**
 * Migration 0013 on both dialects: the hourly delivery counters are backfilled from the rows that exist (by
 * the hour of created_at, status and carried identifiers, with score sums, consent skips and the last
 * success), and the two statistics indexes go; rolling back brings them back and drops the counters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Storage } from '../src/storage/db.js';
import { migrateTo, migrateToLatest } from '../src/storage/migrate.js';
import { migrationStorage } from './migration-storage.js';

const H = Date.parse('2026-03-02T08:00:00Z');

async function deliveryIndexes(storage: Storage): Promise<string[]> {
  const rows =
    storage.dialect === 'postgres'
      ? (
          await sql<{ name: string }>`select indexname as name from pg_indexes
            where tablename = 'deliveries' and schemaname = current_schema()`.execute(storage.db)
        ).rows
      : (
          await sql<{ name: string }>`select name from sqlite_schema
            where type = 'index' and tbl_name = 'deliveries'`.execute(storage.db)
        ).rows;
  return rows.map((r) => r.name);
}

describe('migration 0013: hourly delivery counters', () => {
  const opened = migrationStorage('mig13');

  test('backfills the counters from the rows, drops the two indexes, and rolls back', async () => {
    const { storage } = opened;
    await migrateTo(storage, '0012_retention');
    assert.ok((await deliveryIndexes(storage)).includes('deliveries_org_created'));
    const row = (
      id: string,
      createdAt: number,
      status: string,
      extra: { sentKeys?: number; score?: number; error?: string; finalAt?: number } = {},
    ) => sql`(${id}, 'evt_1', 'org_1', 'dom_1', 'dst_1', 'meta', ${status}, 1, ${createdAt}, ${createdAt},
      ${createdAt + 3_600_000}, ${extra.error ?? null}, ${createdAt}, ${createdAt}, ${extra.finalAt ?? null},
      ${extra.sentKeys ?? null}, ${extra.score ?? null})`;
    await sql`insert into deliveries (id, event_pk, org_id, domain_id, destination_id, destination_type, status,
        attempts, next_attempt_at, event_time, give_up_at, last_error, created_at, updated_at, final_at,
        sent_keys, match_score)
      values ${sql.join([
        row('d1', H + 1000, 'delivered', { sentKeys: 3, score: 6, finalAt: H + 5000 }),
        row('d2', H + 2000, 'delivered', { sentKeys: 3, score: 6, finalAt: H + 9000 }),
        row('d3', H + 3000, 'skipped', { error: 'consent' }),
        row('d4', H + 4000, 'skipped', { error: 'no fbp' }),
        row('d5', H + 3_600_000, 'pending', { sentKeys: 1, score: 2 }),
      ])}`.execute(storage.db);

    await migrateToLatest(storage);
    const names = await deliveryIndexes(storage);
    assert.ok(!names.includes('deliveries_org_created'), names.join(', '));
    assert.ok(!names.includes('deliveries_destination_created'), names.join(', '));
    const counters = await storage.db
      .selectFrom('delivery_counts')
      .select(['hour', 'status', 'sent_keys', 'n', 'score_sum', 'consent_skips', 'last_delivered_at'])
      .orderBy('hour')
      .orderBy('status')
      .execute();
    assert.deepEqual(
      counters.map((c) => [
        Number(c.hour),
        c.status,
        Number(c.sent_keys),
        Number(c.n),
        Number(c.score_sum),
        Number(c.consent_skips),
        c.last_delivered_at === null ? null : Number(c.last_delivered_at),
      ]),
      [
        [H, 'delivered', 3, 2, 12, 0, H + 9000],
        [H, 'skipped', -1, 2, 0, 1, null],
        [H + 3_600_000, 'pending', 1, 1, 2, 0, null],
      ],
    );

    await migrateTo(storage, '0012_retention');
    const back = await deliveryIndexes(storage);
    assert.ok(back.includes('deliveries_org_created') && back.includes('deliveries_destination_created'));
    await migrateToLatest(storage);
  });
});
