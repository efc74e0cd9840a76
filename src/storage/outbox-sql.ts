/**
 * The SQL of the SQLite outbox's five statements, built with Kysely and compiled on the main thread; the
 * writer thread (src/storage/outbox-worker.ts) receives the text and prepares it (src/storage/outbox-sqlite.ts),
 * so the thread never loads Kysely.
 */
import { compileOnlyDb } from './compile-only.js';
import { CLAIM_COLUMNS, DELIVERY_COLUMNS, EVENT_COLUMNS } from './outbox-group.js';
import { compileStatement, param, type StatementText } from './prepared.js';
import { countsUpsert } from './repos/delivery-counts.js';
import { addToUsage } from './repos/usage.js';

export interface OutboxSql {
  claim: StatementText;
  insertGroup: StatementText;
  insertEvent: StatementText;
  insertDelivery: StatementText;
  addUsage: StatementText;
  addCounts: StatementText;
}

// A row of placeholders (typed `never`: the values are sentinels, not the columns' types).
const templateRow = (columns: readonly string[]): never =>
  Object.fromEntries(columns.map((c) => [c, param(c)])) as never;

export function compileOutboxSql(): OutboxSql {
  // Kysely only builds and compiles here: no connection.
  const db = compileOnlyDb('sqlite');
  return {
    claim: compileStatement(
      db
        .insertInto('dedup_keys')
        .values(templateRow(CLAIM_COLUMNS))
        .onConflict((oc) =>
          oc
            .columns(['key'])
            .doUpdateSet((eb) => ({
              event_pk: eb.ref('excluded.event_pk'),
              expires_at: eb.ref('excluded.expires_at'),
            }))
            .where('dedup_keys.expires_at', '<=', param('now')),
        )
        .returning('event_pk'),
    ),
    insertGroup: compileStatement(
      db
        .insertInto('pii_groups')
        .values(templateRow(['sealed', 'pending', 'created_at']))
        .returning('id'),
    ),
    insertEvent: compileStatement(db.insertInto('events').values(templateRow(EVENT_COLUMNS))),
    insertDelivery: compileStatement(db.insertInto('deliveries').values(templateRow(DELIVERY_COLUMNS))),
    addUsage: compileStatement(
      db
        .insertInto('usage_daily')
        .values(templateRow(['org_id', 'day', 'requests', 'events']))
        .onConflict(addToUsage),
    ),
    addCounts: compileStatement(countsUpsert(db, 'prepared')),
  };
}
