/**
 * The outbox commit on PostgreSQL: two statements per group in one transaction, their SQL built with Kysely
 * and compiled once (the texts are constant: the rows are bound as one array per column, `unnest`).
 *
 * 1. The claim of the group's dedup keys, `RETURNING` the events that won.
 * 2. Everything the winners write, as data-modifying CTEs of one statement: the group's sealed personal
 *    data (`pii_groups`), the event rows pointing at it, their deliveries, the usage and delivery counters.
 *
 * That is BEGIN, two statements and COMMIT: four round trips where a statement per table made eight, and
 * no query built or compiled per group (both were most of the commit's CPU with 1 event per request).
 * The columns go as array literals (`pg-array.ts`).
 */
import { CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely';
import type { Sealer } from '../lib/crypto.js';
import { compileOnlyDb } from './compile-only.js';
import type { DB } from './db.js';
import { COUNT_COLUMNS, type CountColumn } from './delivery-counts.js';
import {
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
} from './outbox-group.js';
import { pgArray } from './pg-array.js';
import type { BindValue } from './prepared.js';
import { compileStatement, param, type StatementText } from './prepared.js';
import { addToCounts } from './repos/delivery-counts.js';
import { addToUsage } from './repos/usage.js';
import type { Database } from './schema.js';

// PostgreSQL element types of the columns bound as arrays (`unnest` needs them spelled out).
const CLAIM_TYPES: Record<ClaimColumn, string> = {
  key: 'text', // hex, decoded in the statement: a literal of plain strings (pg-array.ts)
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
const COUNT_TYPES: Record<CountColumn, string> = {
  destination_id: 'text',
  hour: 'int8',
  status: 'text',
  sent_keys: 'int4',
  org_id: 'text',
  domain_id: 'text',
  destination_type: 'text',
  n: 'int8',
  score_sum: 'int8',
  consent_skips: 'int8',
  last_delivered_at: 'int8',
};
const USAGE_TYPES = { org_id: 'text', day: 'text', requests: 'int8', events: 'int8' } as const;
type UsageColumn = keyof typeof USAGE_TYPES;
const USAGE_COLUMNS = Object.keys(USAGE_TYPES) as UsageColumn[];
const CLAIM_COLUMNS = Object.keys(CLAIM_TYPES) as ClaimColumn[];
// The slot and the group of an event row are the statement's own (the row's place, the group row's id).
const EVENT_VALUE_COLUMNS = EVENT_COLUMNS.filter((c) => c !== 'pii_group' && c !== 'pii_slot');

/** `unnest($p::t[], …) as alias(c, …)`: the rows of columnar values, one parameter per column. */
function unnestOf<C extends string>(
  prefix: string,
  columns: readonly C[],
  types: Record<C, string>,
  alias: string,
  ordinality = false,
): RawBuilder<unknown> {
  const arrays = columns.map((c) => sql`${param(`${prefix}.${c}`)}::${sql.raw(types[c])}[]`);
  const names = [...columns, ...(ordinality ? ['slot'] : [])].map((c) => sql.ref(c));
  return sql`unnest(${sql.join(arrays)})${sql.raw(ordinality ? ' with ordinality' : '')} as ${sql.raw(alias)}(${sql.join(names)})`;
}

export interface PostgresOutboxSql {
  claim: StatementText;
  /** The rows of the events that won, their group, deliveries, usage and counters (one statement). */
  write: StatementText;
  /** The usage alone, when no event of the group won (every one a duplicate). */
  usage: StatementText;
}

function compile(db: Kysely<Database>, query: RawBuilder<unknown>): StatementText {
  return compileStatement({ compile: () => query.compile(db) });
}

export function compilePostgresOutboxSql(): PostgresOutboxSql {
  // Kysely only builds and compiles here: no connection.
  const db = compileOnlyDb('postgres');
  // A key is claimed when it is new or its window has passed; RETURNING names the events that won.
  const claim = sql`insert into dedup_keys (key, event_pk, expires_at)
    select decode(c.key, 'hex'), c.event_pk, c.expires_at from ${unnestOf('claim', CLAIM_COLUMNS, CLAIM_TYPES, 'c')}
    on conflict (key) do update set event_pk = excluded.event_pk, expires_at = excluded.expires_at
      where dedup_keys.expires_at <= ${param('now')}
    returning event_pk`;
  const eventColumns = sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)));
  const eventValues = sql.join(
    EVENT_COLUMNS.map((c) =>
      c === 'pii_group' ? sql`g.id` : c === 'pii_slot' ? sql`(e.slot - 1)::int4` : sql.ref(`e.${c}`),
    ),
  );
  const usage = db
    .insertInto('usage_daily')
    .columns(USAGE_COLUMNS)
    .expression(sql`select * from ${unnestOf('usage', USAGE_COLUMNS, USAGE_TYPES, 'u')}`)
    .onConflict(addToUsage);
  const counts = db
    .insertInto('delivery_counts')
    .columns(COUNT_COLUMNS)
    .expression(sql`select * from ${unnestOf('count', COUNT_COLUMNS, COUNT_TYPES, 'n')}`)
    .onConflict(addToCounts);
  const write = sql`with g as (
      insert into pii_groups (sealed, pending, created_at)
      values (${param('sealed')}, ${param('pending')}, ${param('created_at')})
      returning id
    ), written_events as (
      insert into events (${eventColumns})
      select ${eventValues} from ${unnestOf('event', EVENT_VALUE_COLUMNS, EVENT_TYPES, 'e', true)} cross join g
    ), written_deliveries as (
      insert into deliveries (${sql.join(DELIVERY_COLUMNS.map((c) => sql.ref(c)))})
      select * from ${unnestOf('delivery', DELIVERY_COLUMNS, DELIVERY_TYPES, 'd')}
    ), usage as (
      ${usage}
    ), counted as (
      ${counts}
    )
    select id from g`;
  return { claim: compile(db, claim), write: compile(db, write), usage: compileStatement(usage) };
}

let compiled: PostgresOutboxSql | undefined;

/** Binds `values` (by name) in the order the compiled statement wants them. */
function bind({ names }: StatementText, values: ReadonlyMap<string, unknown>): unknown[] {
  return names.map((name) => {
    if (!values.has(name)) throw new Error(`outbox statement: no value for ${name}`);
    return values.get(name);
  });
}

/**
 * Adds one array literal per column, named `prefix.column`: of the rows at `rows`, in that order, or of
 * every row when `rows` is omitted or lists every row in order (`decideGroup`'s rows ascend).
 */
function addColumns<C extends string>(
  into: Map<string, unknown>,
  prefix: string,
  columns: readonly C[],
  values: Columns<C>,
  rows?: readonly number[],
): void {
  for (const c of columns) {
    const column = values[c];
    let picked: BindValue[] = column;
    if (rows && !(rows.length === column.length && rows[rows.length - 1] === rows.length - 1)) {
      picked = new Array(rows.length);
      for (let k = 0; k < rows.length; k++) picked[k] = column[rows[k]!] ?? null;
    }
    into.set(`${prefix}.${c}`, pgArray(picked));
  }
}

/** Columns of row objects. */
function columnsOf<C extends string>(
  columns: readonly C[],
  rows: readonly Record<C, BindValue>[],
): Columns<C> {
  const out = {} as Columns<C>;
  for (const c of columns) out[c] = rows.map((row) => row[c] ?? null);
  return out;
}

/**
 * Claims the group's dedup keys, writes the rows of the events that won (their personal data sealed once),
 * adds the usage and counters; `trx` is the group's transaction. Returns each event's acceptance.
 */
export async function commitPostgres(trx: DB, sealer: Sealer, group: OutboxGroup): Promise<Uint8Array> {
  compiled ??= compilePostgresOutboxSql();
  const claims = groupClaims(group);
  // In key order: concurrent groups lock shared keys in the same order (no deadlock).
  const keys = claims.key as Buffer[];
  const order = keys.map((_, i) => i).sort((a, b) => Buffer.compare(keys[a]!, keys[b]!));
  const sorted: Columns<ClaimColumn> = {
    key: order.map((i) => keys[i]!.toString('hex')),
    event_pk: order.map((i) => claims.event_pk[i]!),
    expires_at: order.map((i) => claims.expires_at[i]!),
  };
  const claimValues = new Map<string, unknown>([['now', group.now]]);
  addColumns(claimValues, 'claim', CLAIM_COLUMNS, sorted);
  const winners = await trx.executeQuery<{ event_pk: string }>(
    CompiledQuery.raw(compiled.claim.sql, bind(compiled.claim, claimValues)),
  );
  const decision = decideGroup(group, new Set(winners.rows.map((row) => row.event_pk)));
  const values = new Map<string, unknown>();
  addColumns(values, 'usage', USAGE_COLUMNS, columnsOf(USAGE_COLUMNS, decision.usage.map(usageRow)));
  const sealed = sealGroupOf(sealer, group, decision);
  if (!sealed) {
    await trx.executeQuery(CompiledQuery.raw(compiled.usage.sql, bind(compiled.usage, values)));
    return decision.accepted;
  }
  values.set('sealed', sealed).set('pending', decision.eventRows.length).set('created_at', group.now);
  addColumns(values, 'event', EVENT_VALUE_COLUMNS, group.events, decision.eventRows);
  addColumns(values, 'delivery', DELIVERY_COLUMNS, group.deliveries, decision.deliveryRows);
  addColumns(values, 'count', COUNT_COLUMNS, columnsOf(COUNT_COLUMNS, decision.counts));
  await trx.executeQuery(CompiledQuery.raw(compiled.write.sql, bind(compiled.write, values)));
  return decision.accepted;
}

function usageRow(inc: { orgId: string; day: string; requests: number; events: number }) {
  return { org_id: inc.orgId, day: inc.day, requests: inc.requests, events: inc.events };
}
