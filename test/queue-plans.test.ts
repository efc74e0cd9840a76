/**
 * The queue's statements use the partial indexes of migration 0005. A partial index is used only when the
 * query repeats its condition with the same constant (`PENDING`, the replayable statuses); bound as a
 * parameter instead, SQLite silently scans every delivery for each lease — correct, but a long queue's
 * drain would crawl. SQLite's planner is deterministic, so the plans are checked there; on PostgreSQL the
 * planner picks by table statistics, and this file is skipped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStorage, type Storage } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { deliveryCountsByBucket } from '../src/storage/repos/api-stats.js';
import {
  dueDestinationIds,
  expireDeliveries,
  leaseBatch,
  listDeliveries,
  recordOutcomes,
  releaseLeases,
} from '../src/storage/repos/deliveries.js';
import { countDestinationKeys } from '../src/storage/repos/diagnostics.js';
import { destinationStats, retireDestinations } from '../src/storage/repos/domain-admin.js';
import { replayOrgDeliveries } from '../src/storage/repos/event-log.js';
import { dialect } from './harness.js';
import { onSqliteExecute } from './sqlite-executions.js';

describe('queue query plans (SQLite)', { skip: dialect !== 'sqlite' && 'SQLite planner only' }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-plans-'));
  let storage: Storage;
  let statements: string[] = [];

  before(async () => {
    storage = await openStorage({ dataDir });
    await migrateToLatest(storage);
    // Every statement Kysely runs on the connection, to ask SQLite for its plan.
    onSqliteExecute(storage.sqlite!, (source) => statements.push(source));
  });
  after(async () => {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The plans of the statements on `deliveries` (or `table`) that `action` ran. */
  async function plansOf(action: () => Promise<unknown>, table = /\bdeliveries\b/): Promise<string[]> {
    statements = [];
    await action();
    const sqlite = storage.sqlite!;
    return statements
      .filter((s) => table.test(s) && !/^\s*insert/i.test(s))
      .map((s) => {
        const params = Array((s.match(/\?/g) ?? []).length).fill(null);
        const rows = sqlite.prepare(`explain query plan ${s}`).all(...params) as { detail: string }[];
        return rows.map((r) => r.detail).join(' | ');
      });
  }

  const now = Date.now();

  test('finding due destinations and leasing a batch probe the pending-only due index', async () => {
    const due = await plansOf(() => dueDestinationIds(storage.db, now, 10));
    assert.match(due.join('\n'), /USING INDEX deliveries_due \(destination_id=\? AND next_attempt_at<\?\)/);
    const lease = await plansOf(() =>
      leaseBatch(storage.db, 'sqlite', { destinationId: 'dst_x', owner: 'w', now, leaseMs: 1000, limit: 10 }),
    );
    assert.match(lease[0]!, /USING INDEX deliveries_due \(destination_id=\? AND next_attempt_at<\?\)/);
    // The outer UPDATE is driven by the id list, not by a scan.
    assert.match(lease[0]!, /SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 \(id=\?\)/);
  });

  test('recording outcomes finds each row by its primary key: the successes and the rest', async () => {
    const outcome = (id: string, status: 'delivered' | 'failed') => ({
      delivery: { id, event_pk: `evt_${id}`, attempts: 0 },
      status,
      attempted: true,
      statusCode: status === 'delivered' ? 200 : 400,
      outcome: status === 'delivered' ? 'delivered' : 'rejected',
      message: null,
    });
    const plans = await plansOf(
      () =>
        recordOutcomes(storage.db, 'sqlite', {
          owner: 'w',
          now,
          outcomes: [outcome('dlv_a', 'delivered'), outcome('dlv_b', 'failed')],
        }),
      /^\s*update\s+"?deliveries"?/i,
    );
    assert.equal(plans.length, 2, 'one UPDATE for the successes, one for the rest');
    for (const plan of plans) {
      assert.match(plan, /SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 \(id=\?\)/);
      assert.doesNotMatch(plan, /deliveries_due|SCAN deliveries/);
    }
  });

  test('releasing leases, expiring and retiring read only pending rows', async () => {
    for (const plan of [
      ...(await plansOf(() => releaseLeases(storage.db, 'w'))),
      ...(await plansOf(() => expireDeliveries(storage.db, now))),
    ]) {
      assert.match(plan, /USING INDEX deliveries_due/);
    }
    const retire = await plansOf(() => retireDestinations(storage.db, ['dst_x'], 'gone', now));
    assert.match(retire[0]!, /USING INDEX deliveries_due \(destination_id=\?\)/);
  });

  test('replay looks only at the org’s failed and dead deliveries', async () => {
    const plans = await plansOf(() =>
      replayOrgDeliveries(storage.db, { filter: { orgId: 'org_x' }, now, retryHorizonMs: 1000 }),
    );
    assert.match(plans[0]!, /USING INDEX deliveries_org_replayable \(org_id=\? AND status=\?\)/);
  });

  test('no statement needs the statistics indexes migration 0013 dropped', async () => {
    const indexes = storage
      .sqlite!.prepare(`select name from sqlite_master where type = 'index' and tbl_name = 'deliveries'`)
      .all() as { name: string }[];
    const names = indexes.map((i) => i.name);
    assert.ok(!names.includes('deliveries_org_created'), names.join(', '));
    assert.ok(!names.includes('deliveries_destination_created'), names.join(', '));
    // Statistics, destination health and diagnostics read the hourly counters, never the rows, by an index.
    const range = { orgId: 'org_x', domainId: 'dom_x', from: now - 86_400_000, to: now };
    const readers = [
      () => deliveryCountsByBucket(storage.db, { ...range, bucketMs: 3_600_000 }),
      () => deliveryCountsByBucket(storage.db, { ...range, domainId: null, bucketMs: 86_400_000 }),
      () => destinationStats(storage.db, 'org_x', ['dst_x', 'dst_y'], now - 7 * 86_400_000),
      () => countDestinationKeys(storage.db, range, [1, 2, 4]),
    ];
    for (const read of readers) {
      assert.deepEqual(
        await plansOf(read, /\b(from|join|update)\s+"?deliveries\b/i),
        [],
        'no statement on deliveries',
      );
      const plans = await plansOf(read, /\bdelivery_counts\b/);
      assert.ok(plans.length > 0);
      for (const plan of plans) {
        assert.match(plan, /SEARCH delivery_counts USING (INDEX delivery_counts_org_hour|PRIMARY KEY)/);
        assert.doesNotMatch(plan, /SCAN delivery_counts/);
      }
    }
    // The operators' newest deliveries of an org walk its events' time index, not every delivery.
    const list = await plansOf(() => listDeliveries(storage.db, { orgId: 'org_x', limit: 10 }));
    assert.match(list[0]!, /SEARCH e USING INDEX events_org_received/);
    assert.doesNotMatch(list[0]!, /SCAN d\b/);
  });
});
