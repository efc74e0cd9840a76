/**
 * The outbox: accepted events, their delivery rows, their dedup keys and the usage counters, written in one
 * transaction so that a delivery row exists exactly when its event does and usage matches what was stored.
 * One group commit of the ingest writer is one `commit`. What a group claims and writes is decided by the
 * pure functions of src/storage/outbox-group.ts, the same on both dialects.
 *
 * SQLite: the transaction runs on a writer thread with its own connection (src/storage/outbox-thread.ts),
 * off the main thread's event loop. PostgreSQL: one Kysely transaction on the pool, a statement per table
 * per group, the rows bound as one array per column (`unnest`).
 */
import { type RawBuilder, sql } from 'kysely';
import { Sealer } from '../../lib/crypto.js';
import type { DB, Storage } from '../db.js';
import {
  assignSlots,
  type ClaimColumn,
  type Columns,
  DELIVERY_COLUMNS,
  type DeliveryColumn,
  decideGroup,
  EVENT_COLUMNS,
  type EventColumn,
  groupClaims,
  type OutboxGroup,
  sealGroupOf,
} from '../outbox-group.js';
import { OutboxThread } from '../outbox-thread.js';
import type { BindValue } from '../prepared.js';
import { PENDING } from './deliveries.js';
import { addDeliveryCounts } from './delivery-counts.js';
import { addUsage } from './usage.js';

export interface Outbox {
  /**
   * Groups that may commit at once. SQLite: 1 (one writer). PostgreSQL: a few; concurrent groups claiming
   * the same key wait for each other on the key's row, and claim in one order (sorted), so they cannot
   * deadlock; the usage row is locked last.
   */
  readonly concurrency: number;
  /**
   * Claims the group's dedup keys, then writes the rows of the events that won; all in one transaction.
   * Resolves once it has committed: per event of the group, 1 accepted (written) or 0 duplicate.
   */
  commit(group: OutboxGroup): Promise<Uint8Array>;
  /** Lets a commit in progress finish, then releases what the outbox holds (SQLite: its thread). */
  close(): Promise<void>;
}

export interface OutboxOptions {
  /** The key that seals each group's personal data (ENCRYPTION_KEY, the first of config.encryptionKeys). */
  sealKey: Buffer;
  /** Test-only fault point (SQLite): each commit blocks the writer thread this long inside its transaction. */
  testThreadDelayMs?: number;
  /** Called when the SQLite writer thread dies unexpectedly (its pending commits were rejected). */
  onThreadExit?: (error: Error) => void;
  /** PostgreSQL: groups that may commit at once (each holds a pool connection meanwhile). */
  postgresConcurrency?: number;
  /** SQLite: start the writer thread with the first commit, not now (a delivery-only process). */
  lazy?: boolean;
}

/** Call after the migrations: the SQLite writer thread prepares its statements when it starts. */
export function openOutbox(storage: Storage, options: OutboxOptions): Outbox {
  const { db, sqliteSettings } = storage;
  if (sqliteSettings) {
    const thread = new OutboxThread({
      settings: sqliteSettings,
      sealKey: options.sealKey,
      ...(options.testThreadDelayMs ? { testDelayMs: options.testThreadDelayMs } : {}),
      ...(options.onThreadExit ? { onExit: options.onThreadExit } : {}),
      ...(storage.sqlite ? { main: storage.sqlite } : {}),
      ...(options.lazy ? { lazy: true } : {}),
    });
    if (storage.sqliteWriteGate) storage.sqliteWriteGate.wait = () => thread.idle();
    return thread;
  }
  const sealer = new Sealer([options.sealKey]);
  return {
    concurrency: options.postgresConcurrency ?? 1,
    commit: (group) => db.transaction().execute((trx) => commitPostgres(trx, sealer, group)),
    close: async () => {},
  };
}

// PostgreSQL element types of the columns bound as arrays (`unnest` needs them spelled out).
const CLAIM_TYPES: Record<ClaimColumn, string> = {
  key: 'bytea',
  event_pk: 'text',
  expires_at: 'int8',
};
const EVENT_TYPES: Record<EventColumn, string> = {
  id: 'text',
  org_id: 'text',
  domain_id: 'text',
  event_name: 'text',
  custom_event_name: 'text',
  event_id: 'text',
  source: 'text',
  event_time: 'int8',
  received_at: 'int8',
  event_source_url: 'text',
  custom_data: 'text',
  match_keys: 'text',
  pii_sealed: 'bytea',
  pii_group: 'int8',
  pii_slot: 'int4',
  pii_erased_at: 'int8',
  custom_data_sent: 'text',
  consent: 'text',
  diagnostics: 'integer',
};
const DELIVERY_TYPES: Record<DeliveryColumn, string> = {
  id: 'text',
  event_pk: 'text',
  org_id: 'text',
  domain_id: 'text',
  destination_id: 'text',
  destination_type: 'text',
  status: 'text',
  attempts: 'int4',
  next_attempt_at: 'int8',
  lease_owner: 'text',
  lease_expires_at: 'int8',
  event_time: 'int8',
  event_received_at: 'int8',
  give_up_at: 'int8',
  last_status_code: 'int4',
  last_error: 'text',
  created_at: 'int8',
  updated_at: 'int8',
  final_at: 'int8',
  sent_keys: 'int4',
  match_score: 'int4',
};

/** `select * from unnest($1::text[], $2::int8[], …)`: the rows of columnar values, one parameter per column. */
function unnestRows<C extends string>(
  columns: readonly C[],
  types: Record<C, string>,
  values: Columns<C>,
): RawBuilder<unknown> {
  const arrays = columns.map((c) => sql`${values[c]}::${sql.raw(types[c])}[]`);
  return sql`select * from unnest(${sql.join(arrays)})`;
}

/** The rows at `rows` of every column; the columns themselves when every row is kept in order. */
function pick<C extends string>(
  columns: readonly C[],
  values: Columns<C>,
  rows: number[],
  reordered = false,
): Columns<C> {
  const total = values[columns[0]!].length;
  if (rows.length === total && !reordered) return values;
  const out = {} as Columns<C>;
  for (const c of columns) {
    const from = values[c];
    const to: BindValue[] = new Array(rows.length);
    for (let k = 0; k < rows.length; k++) to[k] = from[rows[k]!] ?? null;
    out[c] = to;
  }
  return out;
}

/** The claims in key order: concurrent groups lock shared keys in the same order (no deadlock). */
function sortedClaims(claims: Columns<ClaimColumn>): Columns<ClaimColumn> {
  const keys = claims.key as Buffer[];
  const order = keys.map((_, i) => i).sort((a, b) => Buffer.compare(keys[a]!, keys[b]!));
  return pick(Object.keys(CLAIM_TYPES) as ClaimColumn[], claims, order, true);
}

async function commitPostgres(trx: DB, sealer: Sealer, group: OutboxGroup): Promise<Uint8Array> {
  const claims = sortedClaims(groupClaims(group));
  const claimColumns = Object.keys(CLAIM_TYPES) as ClaimColumn[];
  // A key is claimed when it is new or its window has passed; RETURNING names the events that won.
  const winners = await trx
    .insertInto('dedup_keys')
    .columns(claimColumns)
    .expression(unnestRows(claimColumns, CLAIM_TYPES, claims))
    .onConflict((oc) =>
      oc
        .columns(['key'])
        .doUpdateSet((eb) => ({
          event_pk: eb.ref('excluded.event_pk'),
          expires_at: eb.ref('excluded.expires_at'),
        }))
        .where('dedup_keys.expires_at', '<=', group.now),
    )
    .returning('event_pk')
    .execute();
  const decision = decideGroup(group, new Set(winners.map((row) => row.event_pk)));
  const sealed = sealGroupOf(sealer, group, decision);
  if (sealed) {
    const row = await trx
      .insertInto('pii_groups')
      .values({ sealed, pending: decision.eventRows.length, created_at: group.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    assignSlots(group, decision, Number(row.id));
  }
  if (decision.eventRows.length > 0) {
    await trx
      .insertInto('events')
      .columns(EVENT_COLUMNS)
      .expression(
        unnestRows(EVENT_COLUMNS, EVENT_TYPES, pick(EVENT_COLUMNS, group.events, decision.eventRows)),
      )
      .execute();
  }
  if (decision.deliveryRows.length > 0) {
    await trx
      .insertInto('deliveries')
      .columns(DELIVERY_COLUMNS)
      .expression(
        unnestRows(
          DELIVERY_COLUMNS,
          DELIVERY_TYPES,
          pick(DELIVERY_COLUMNS, group.deliveries, decision.deliveryRows),
        ),
      )
      .execute();
  }
  await addUsage(trx, decision.usage);
  await addDeliveryCounts(trx, decision.counts);
  return decision.accepted;
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
