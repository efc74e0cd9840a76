/**
 * The outbox commit on SQLite: six statements built with Kysely (src/storage/outbox-sql.ts, on the main
 * thread) and prepared once on a raw better-sqlite3 handle (no build, compile or re-prepare per group), run
 * in one synchronous transaction. It runs in the
 * outbox's writer thread (src/storage/outbox-worker.ts), on the thread's own connection, so neither the
 * statements nor the fsync of the commit hold the main thread's event loop.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';
import type { Sealer } from '../lib/crypto.js';
import { assignSlots, decideGroup, groupClaims, type OutboxGroup, sealGroupOf } from './outbox-group.js';
import type { OutboxSql } from './outbox-sql.js';
import { type PreparedStatement, prepare } from './prepared.js';

export interface OutboxStatements {
  sqlite: SqliteHandle;
  claim: PreparedStatement;
  insertGroup: PreparedStatement;
  insertEvent: PreparedStatement;
  insertDelivery: PreparedStatement;
  addUsage: PreparedStatement;
  addCounts: PreparedStatement;
}

/** Prepares the outbox's statements, compiled by `compileOutboxSql` (src/storage/outbox-sql.ts), on `sqlite`. */
export function prepareOutboxStatements(sqlite: SqliteHandle, text: OutboxSql): OutboxStatements {
  return {
    sqlite,
    claim: prepare(sqlite, text.claim),
    insertGroup: prepare(sqlite, text.insertGroup),
    insertEvent: prepare(sqlite, text.insertEvent),
    insertDelivery: prepare(sqlite, text.insertDelivery),
    addUsage: prepare(sqlite, text.addUsage),
    addCounts: prepare(sqlite, text.addCounts),
  };
}

export interface CommitOptions {
  /**
   * Test-only fault point: block this long inside the transaction, before COMMIT (a slow commit or fsync).
   * The main thread must keep serving meanwhile.
   */
  testDelayMs?: number;
}

/**
 * Claims the group's dedup keys, writes the rows of the events that won (their personal data sealed once,
 * in one `pii_groups` row), adds the usage; one transaction
 * (IMMEDIATE: the write lock is taken up front, waiting under busy_timeout for the main connection's).
 * Returns each event's acceptance (1 accepted, 0 duplicate) once committed.
 */
export function commitGroup(
  statements: OutboxStatements,
  sealer: Sealer,
  group: OutboxGroup,
  options: CommitOptions = {},
): Uint8Array {
  const run = statements.sqlite.transaction((): Uint8Array => {
    const claims = groupClaims(group);
    const won = new Set<string>();
    const extra = { now: group.now };
    for (let i = 0; i < claims.event_pk.length; i++) {
      if (statements.claim.getRow(claims, i, extra)) won.add(claims.event_pk[i] as string);
    }
    const decision = decideGroup(group, won);
    // The written events' personal data, sealed once for the group (storage/pii-groups.ts).
    const sealed = sealGroupOf(sealer, group, decision);
    if (sealed) {
      const row = statements.insertGroup.get<{ id: number }>({
        sealed,
        pending: decision.eventRows.length,
        created_at: group.now,
      });
      assignSlots(group, decision, row!.id);
    }
    for (const i of decision.eventRows) statements.insertEvent.runRow(group.events, i);
    for (const i of decision.deliveryRows) statements.insertDelivery.runRow(group.deliveries, i);
    for (const inc of decision.usage)
      statements.addUsage.run({
        org_id: inc.orgId,
        day: inc.day,
        requests: inc.requests,
        events: inc.events,
      });
    for (const delta of decision.counts) statements.addCounts.run(delta);
    if (options.testDelayMs) sleepSync(options.testDelayMs);
    return decision.accepted;
  });
  return run.immediate();
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
