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
import {
  dueDestinationIds,
  expireDeliveries,
  leaseBatch,
  releaseLeases,
} from '../src/storage/repos/deliveries.js';
import { retireDestinations } from '../src/storage/repos/domain-admin.js';
import { replayOrgDeliveries } from '../src/storage/repos/event-log.js';
import { dialect } from './harness.js';

describe('queue query plans (SQLite)', { skip: dialect !== 'sqlite' && 'SQLite planner only' }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-plans-'));
  let storage: Storage;
  let statements: string[] = [];

  before(async () => {
    storage = await openStorage({ dataDir });
    await migrateToLatest(storage);
    const sqlite = storage.sqlite!;
    const prepare = sqlite.prepare.bind(sqlite);
    // Every statement Kysely prepares on the connection, to ask SQLite for its plan.
    sqlite.prepare = ((source: string) => {
      statements.push(source);
      return prepare(source);
    }) as typeof sqlite.prepare;
  });
  after(async () => {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The plans of the statements on `deliveries` that `action` ran. */
  async function plansOf(action: () => Promise<unknown>): Promise<string[]> {
    statements = [];
    await action();
    const sqlite = storage.sqlite!;
    return statements
      .filter((s) => /\bdeliveries\b/.test(s) && !/^\s*insert/i.test(s))
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
});
