/**
 * The outbox commit on SQLite: five statements built with Kysely and prepared once on a raw better-sqlite3
 * handle (no build, compile or re-prepare per group), run in one synchronous transaction. It runs in the
 * outbox's writer thread (src/storage/outbox-worker.ts), on the thread's own connection, so neither the
 * statements nor the fsync of the commit hold the main thread's event loop.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { countsUpsert } from './delivery-counts.js';
import {
  CLAIM_COLUMNS,
  DELIVERY_COLUMNS,
  decideGroup,
  EVENT_COLUMNS,
  groupClaims,
  type OutboxGroup,
} from './outbox-group.js';
import { type PreparedStatement, param, prepare } from './prepared.js';
import type { Database } from './schema.js';

export interface OutboxStatements {
  sqlite: SqliteHandle;
  claim: PreparedStatement;
  insertEvent: PreparedStatement;
  insertDelivery: PreparedStatement;
  addUsage: PreparedStatement;
  addCounts: PreparedStatement;
}

// A row of placeholders (typed `never`: the values are sentinels, not the columns' types).
const templateRow = (columns: readonly string[]): never =>
  Object.fromEntries(columns.map((c) => [c, param(c)])) as never;

export function prepareOutboxStatements(sqlite: SqliteHandle): OutboxStatements {
  // Kysely only builds and compiles here; the statements run on the handle directly.
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    sqlite,
    claim: prepare(
      sqlite,
      db
        .insertInto('dedup_keys')
        .values(templateRow(CLAIM_COLUMNS))
        .onConflict((oc) =>
          oc
            .columns(['domain_id', 'event_name', 'event_id'])
            .doUpdateSet((eb) => ({
              event_pk: eb.ref('excluded.event_pk'),
              expires_at: eb.ref('excluded.expires_at'),
            }))
            .where('dedup_keys.expires_at', '<=', param('now')),
        )
        .returning('event_pk'),
    ),
    insertEvent: prepare(sqlite, db.insertInto('events').values(templateRow(EVENT_COLUMNS))),
    insertDelivery: prepare(sqlite, db.insertInto('deliveries').values(templateRow(DELIVERY_COLUMNS))),
    addUsage: prepare(
      sqlite,
      db
        .insertInto('usage_daily')
        .values(templateRow(['org_id', 'day', 'requests', 'events']))
        .onConflict((oc) =>
          oc.columns(['org_id', 'day']).doUpdateSet({
            requests: sql`usage_daily.requests + ${param('requests')}`,
            events: sql`usage_daily.events + ${param('events')}`,
          }),
        ),
    ),
    addCounts: prepare(sqlite, countsUpsert(db, 'prepared')),
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
 * Claims the group's dedup keys, writes the rows of the events that won, adds the usage; one transaction
 * (IMMEDIATE: the write lock is taken up front, waiting under busy_timeout for the main connection's).
 * Returns each event's acceptance (1 accepted, 0 duplicate) once committed.
 */
export function commitGroup(
  statements: OutboxStatements,
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
