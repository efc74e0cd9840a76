/**
 * The outbox: accepted events, their delivery rows, their dedup keys and the usage counters, written in one
 * transaction so that a delivery row exists exactly when its event does and usage matches what was stored.
 * One group commit of the ingest writer is one `commit`; the writer decides which rows to write once the
 * dedup claims have been settled inside the transaction.
 *
 * On SQLite the four statements are built with Kysely and prepared once on the raw better-sqlite3 handle (the
 * hot path: no build, compile or re-prepare per group); on PostgreSQL they are multi-row Kysely inserts.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';
import { sql } from 'kysely';
import type { DB, Storage } from '../db.js';
import { type BindValue, type PreparedStatement, param, prepare } from '../prepared.js';
import type { DeliveriesTable, EventsTable, NewDelivery, NewEvent } from '../schema.js';
import { PENDING } from './deliveries.js';
import { addUsage, type UsageIncrement } from './usage.js';

/** A dedup key an event claims: won when the key is new or its previous window has passed. */
export interface DedupClaim {
  domain_id: string;
  event_name: string;
  event_id: string;
  /** The claiming event's id (`events.id`); the ids of the claims that won are handed to `decide`. */
  event_pk: string;
  expires_at: number;
}

/** What one commit writes. */
export interface OutboxRows {
  events: NewEvent[];
  deliveries: NewDelivery[];
  usage: UsageIncrement[];
}

/**
 * Called inside the transaction with the `event_pk`s whose claims won: the rows to write, and the caller's
 * own answer, which `commit` resolves to once the transaction has committed.
 */
export type DecideRows<T> = (won: ReadonlySet<string>) => { rows: OutboxRows; result: T };

export interface Outbox {
  /** Claims the keys (claims must be distinct keys), then writes the decided rows; all in one transaction. */
  commit<T>(claims: readonly DedupClaim[], now: number, decide: DecideRows<T>): Promise<T>;
}

export function openOutbox(storage: Storage): Outbox {
  const { db, sqlite } = storage;
  if (sqlite) {
    const statements = prepareOutboxStatements(db, sqlite);
    return {
      commit: <T>(claims: readonly DedupClaim[], now: number, decide: DecideRows<T>): Promise<T> =>
        // Kysely's connection is held so no Kysely transaction interleaves with this synchronous one.
        db
          .connection()
          .execute(async () => statements.transaction(() => writePrepared(statements, claims, now, decide))),
    };
  }
  return {
    commit: <T>(claims: readonly DedupClaim[], now: number, decide: DecideRows<T>): Promise<T> =>
      db.transaction().execute((trx) => writeKysely(trx, claims, now, decide)),
  };
}

// Rows per INSERT statement: keeps every statement far below SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 400;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function writeKysely<T>(
  trx: DB,
  claims: readonly DedupClaim[],
  now: number,
  decide: DecideRows<T>,
): Promise<T> {
  // A key is claimed when it is new or its window has passed; RETURNING names the events that won.
  const won = new Set<string>();
  for (const part of chunks(claims, CHUNK)) {
    const rows = await trx
      .insertInto('dedup_keys')
      .values(part)
      .onConflict((oc) =>
        oc
          .columns(['domain_id', 'event_name', 'event_id'])
          .doUpdateSet((eb) => ({
            event_pk: eb.ref('excluded.event_pk'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where('dedup_keys.expires_at', '<=', now),
      )
      .returning('event_pk')
      .execute();
    for (const row of rows) won.add(row.event_pk);
  }
  const { rows, result } = decide(won);
  for (const part of chunks(rows.events, CHUNK)) await trx.insertInto('events').values(part).execute();
  for (const part of chunks(rows.deliveries, CHUNK))
    await trx.insertInto('deliveries').values(part).execute();
  await addUsage(trx, rows.usage);
  return result;
}

function writePrepared<T>(
  statements: OutboxStatements,
  claims: readonly DedupClaim[],
  now: number,
  decide: DecideRows<T>,
): T {
  const won = new Set<string>();
  for (const claim of claims) {
    if (statements.claim.get({ ...claim, now })) won.add(claim.event_pk);
  }
  const { rows, result } = decide(won);
  for (const event of rows.events) statements.insertEvent.run(event as unknown as Record<string, BindValue>);
  for (const delivery of rows.deliveries)
    statements.insertDelivery.run(delivery as unknown as Record<string, BindValue>);
  for (const inc of rows.usage)
    statements.addUsage.run({
      org_id: inc.orgId,
      day: inc.day,
      requests: inc.requests,
      events: inc.events,
    });
  return result;
}

// Every column, so one prepared INSERT fits every row; the type checks below keep the lists complete.
const EVENT_COLUMNS = [
  'id',
  'org_id',
  'domain_id',
  'event_name',
  'custom_event_name',
  'event_id',
  'source',
  'event_time',
  'received_at',
  'event_source_url',
  'custom_data',
  'match_keys',
  'pii_sealed',
  'pii_erased_at',
  'custom_data_sent',
] as const satisfies readonly (keyof EventsTable)[];
const DELIVERY_COLUMNS = [
  'id',
  'event_pk',
  'org_id',
  'domain_id',
  'destination_id',
  'destination_type',
  'status',
  'attempts',
  'next_attempt_at',
  'lease_owner',
  'lease_expires_at',
  'event_time',
  'give_up_at',
  'last_status_code',
  'last_error',
  'created_at',
  'updated_at',
  'final_at',
] as const satisfies readonly (keyof DeliveriesTable)[];
type Exhaustive<T extends never> = T;
export type EventColumnsComplete = Exhaustive<Exclude<keyof EventsTable, (typeof EVENT_COLUMNS)[number]>>;
export type DeliveryColumnsComplete = Exhaustive<
  Exclude<keyof DeliveriesTable, (typeof DELIVERY_COLUMNS)[number]>
>;

// A row of placeholders (typed `never`: the values are sentinels, not the columns' types).
const templateRow = (columns: readonly string[]): never =>
  Object.fromEntries(columns.map((c) => [c, param(c)])) as never;

/** SQLite: the commit's four statements, built with Kysely and prepared once. */
interface OutboxStatements {
  transaction<T>(fn: () => T): T;
  claim: PreparedStatement;
  insertEvent: PreparedStatement;
  insertDelivery: PreparedStatement;
  addUsage: PreparedStatement;
}

function prepareOutboxStatements(db: DB, sqlite: SqliteHandle): OutboxStatements {
  return {
    transaction: (fn) => sqlite.transaction(fn)(),
    claim: prepare(
      sqlite,
      db
        .insertInto('dedup_keys')
        .values(templateRow(['domain_id', 'event_name', 'event_id', 'event_pk', 'expires_at']))
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
  };
}

/** Pending deliveries per destination type: the outbox's backlog (the queue-depth gauge). */
export async function pendingDeliveriesByType(db: DB): Promise<{ destinationType: string; count: number }[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['destination_type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', PENDING)
    .groupBy('destination_type')
    .execute();
  return rows.map((row) => ({ destinationType: row.destination_type, count: Number(row.n) }));
}
