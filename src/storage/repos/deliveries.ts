/**
 * The outbox queue's SQL. A delivery is leased by setting lease_owner/lease_expires_at on pending rows; a
 * lease that expires (crashed worker) makes the row due again. On PostgreSQL the candidate rows are locked
 * with FOR UPDATE SKIP LOCKED so several workers share the queue without waiting on each other; SQLite
 * serializes writers, so the same statement is atomic there.
 */
import { type ExpressionBuilder, type Selectable, sql } from 'kysely';
import { DAY_MS } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { DB, Dialect } from '../db.js';
import { CountDeltas, type CountedDelivery } from '../delivery-counts.js';
import type { Database, Delivery, DeliveryAttempt, EventRow } from '../schema.js';
import { addDeliveryCounts } from './delivery-counts.js';
import { loadGroups, releaseSlots } from './pii-groups.js';
import { enqueueWebhookEvents, type WebhookFanout } from './webhooks.js';

export const FINAL_STATUSES = ['delivered', 'failed', 'skipped', 'dead'] as const;
export type DeliveryStatus = 'pending' | (typeof FINAL_STATUSES)[number];

/**
 * On SQLite, `+column` stops the planner from driving a statement by that column's index, so the `id IN
 * (…)` list drives it instead: with a long queue, the `status` index would make it scan every pending row.
 */
function unindexed(dialect: Dialect, column: 'status' | 'lease_owner') {
  return dialect === 'sqlite' ? sql<string>`+${sql.ref(column)}` : sql<string>`${sql.ref(column)}`;
}

/**
 * `'pending'` as a literal, not a bound parameter: the queue's due index is partial (`WHERE status =
 * 'pending'`, migration 0005), and SQLite uses a partial index only when the query repeats its condition
 * with the same constant.
 */
export const PENDING = sql.lit('pending');

/**
 * `column IN (values)` as one bound value, whatever the count: a JSON array read by json_each on SQLite, an
 * array on PostgreSQL. The statement text stays the same for every batch (a thousand placeholders made
 * each statement long to parse and prepare).
 */
function inList(dialect: Dialect, column: string, values: readonly string[]) {
  return dialect === 'postgres'
    ? sql<boolean>`${sql.ref(column)} = any(${values})`
    : sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}

/**
 * PostgreSQL's day partitions: every pending delivery's event arrived at or after `receivedFrom`
 * (repos/partitions.ts `pendingDeliveriesFrom`), so a statement over the queue names that range and
 * PostgreSQL plans only its partitions. The upper end keeps out the partitions created ahead (a day past
 * now: a node's clock a little ahead still falls inside). Undefined: no bound (SQLite, or a row without a
 * day).
 */
export function inQueueWindow(column: string, receivedFrom: number | null | undefined, now: number) {
  if (receivedFrom == null) return sql<boolean>`true`;
  return sql<boolean>`${sql.ref(column)} >= ${receivedFrom} and ${sql.ref(column)} < ${now + DAY_MS}`;
}

/** Active, enabled destinations with at least one due, unleased delivery (an index probe each). */
export async function dueDestinationIds(
  db: DB,
  now: number,
  limit: number,
  receivedFrom?: number | null,
): Promise<string[]> {
  const rows = await db
    .selectFrom('destinations as dst')
    .select('dst.id')
    .where('dst.status', '=', 'active')
    .where('dst.enabled', '=', 1)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('deliveries as d')
          .select(sql`1`.as('one'))
          .where('d.status', '=', PENDING)
          .whereRef('d.destination_id', '=', 'dst.id')
          .where('d.next_attempt_at', '<=', now)
          .where(inQueueWindow('d.event_received_at', receivedFrom, now))
          .where((eb) => eb.or([eb('d.lease_expires_at', 'is', null), eb('d.lease_expires_at', '<=', now)])),
      ),
    )
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** What the worker needs of a leased delivery (the rest of the row stays in the database). */
export type LeasedDelivery = Pick<
  Delivery,
  | 'id'
  | 'event_pk'
  | 'attempts'
  | 'give_up_at'
  | 'lease_owner'
  | 'lease_expires_at'
  | 'event_received_at'
  // What the counters read of a delivery besides its destination: with them, SQLite records a batch's
  // successes without returning every row (markDeliveredFromLease).
  | 'created_at'
  | 'sent_keys'
  | 'match_score'
>;

/** What the worker reads of an event to deliver it. */
export type DeliverableEvent = Pick<
  EventRow,
  | 'id'
  | 'event_name'
  | 'custom_event_name'
  | 'event_id'
  | 'source'
  | 'event_time'
  | 'event_source_url'
  | 'custom_data'
  | 'match_keys'
  | 'pii_sealed'
  | 'pii_group'
  | 'pii_slot'
  | 'consent'
>;

const LEASED_COLUMNS = [
  'id',
  'event_pk',
  'attempts',
  'give_up_at',
  'lease_owner',
  'lease_expires_at',
  'event_received_at',
  'created_at',
  'sent_keys',
  'match_score',
] as const satisfies readonly (keyof LeasedDelivery)[];
const DELIVERABLE_COLUMNS = [
  'id',
  'event_name',
  'custom_event_name',
  'event_id',
  'source',
  'event_time',
  'event_source_url',
  'custom_data',
  'match_keys',
  'pii_sealed',
  'pii_group',
  'pii_slot',
  'consent',
] as const satisfies readonly (keyof DeliverableEvent)[];

export interface LeaseInput {
  destinationId: string;
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
  /** PostgreSQL: the queue's window (inQueueWindow). */
  receivedFrom?: number | null;
}

function dueCandidates(db: DB, input: LeaseInput) {
  const { destinationId, now, limit } = input;
  return db
    .selectFrom('deliveries')
    .select(['id', 'event_received_at'])
    .where('destination_id', '=', destinationId)
    .where('status', '=', PENDING)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
    .where(inQueueWindow('event_received_at', input.receivedFrom, now))
    .orderBy('next_attempt_at')
    .limit(limit);
}

/**
 * The lease itself: due rows of one destination, oldest first, get this owner and an expiry. On SQLite the
 * outer statement must be driven by the `id IN (…)` list (`+status`): driven by the `status` index it would
 * scan every pending row of every destination for each batch.
 */
export function leaseStatement(db: DB, dialect: Dialect, input: LeaseInput) {
  const { owner, now, leaseMs } = input;
  const candidates = dueCandidates(db, input);
  const update =
    dialect === 'postgres'
      ? // As `id IN (subquery … LIMIT n FOR UPDATE SKIP LOCKED)` PostgreSQL leased every due row, ignoring
        // the limit (test/lease.test.ts); a materialized CTE runs the locking subquery exactly once.
        db
          .with(
            (cte) => cte('candidates').materialized(),
            () => candidates.forUpdate().skipLocked(),
          )
          .updateTable('deliveries')
          .where(({ eb, refTuple, selectFrom }) =>
            input.receivedFrom == null
              ? // Unbounded: rows without an event time (a previous release's) may be among the candidates,
                // and a tuple with a null never matches.
                eb('id', 'in', selectFrom('candidates').select('candidates.id'))
              : // Within the window (no row without a time is pending, or the window would be unbounded): by
                // id and day, each candidate one probe of one partition's key.
                eb(
                  refTuple('id', 'event_received_at'),
                  'in',
                  selectFrom('candidates')
                    .select(['candidates.id', 'candidates.event_received_at'])
                    .$asTuple('id', 'event_received_at'),
                ),
          )
          .where(inQueueWindow('event_received_at', input.receivedFrom, now))
      : db.updateTable('deliveries').where('id', 'in', candidates.clearSelect().select('id'));
  return (
    update
      .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
      // Re-checked so a row leased between the subquery and the update (no SKIP LOCKED on SQLite) is not taken.
      .where(unindexed(dialect, 'status'), '=', 'pending')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
      .returning(LEASED_COLUMNS)
  );
}

export async function leaseDeliveries(
  db: DB,
  dialect: Dialect,
  input: LeaseInput,
): Promise<LeasedDelivery[]> {
  return leaseStatement(db, dialect, input).execute();
}

export interface LeasedBatch {
  deliveries: LeasedDelivery[];
  /** The leased deliveries' events by primary key (an event that is gone is absent). */
  events: Map<string, DeliverableEvent>;
  /** The sealed groups those events' personal data sits in, by id (storage/pii-groups.ts). */
  groups: Map<number, Buffer>;
}

/**
 * Leases a batch and reads its events: one statement on PostgreSQL (the lease's UPDATE … RETURNING joined
 * to the events in the same round trip), the lease and one read on SQLite (no round trips there).
 */
export async function leaseBatch(db: DB, dialect: Dialect, input: LeaseInput): Promise<LeasedBatch> {
  if (dialect === 'postgres') {
    const rows = await db
      .with('leased', () => leaseStatement(db, dialect, input))
      .selectFrom('leased')
      // By id and day, within the window: a nested loop of key probes of the window's partitions (joined by
      // id alone, PostgreSQL hashed every events partition for each lease).
      .leftJoin('events as e', (join) =>
        join
          .onRef('e.id', '=', 'leased.event_pk')
          .on(({ eb, ref, or }) =>
            or([
              eb('e.received_at', '=', ref('leased.event_received_at')),
              eb('leased.event_received_at', 'is', null),
            ]),
          )
          .on(inQueueWindow('e.received_at', input.receivedFrom, input.now)),
      )
      .select(LEASED_COLUMNS.map((c) => `leased.${c}` as const))
      .select([
        'e.id as e_id',
        'e.event_name',
        'e.custom_event_name',
        'e.event_id',
        'e.source',
        'e.event_time',
        'e.event_source_url',
        'e.custom_data',
        'e.match_keys',
        'e.pii_sealed',
        'e.pii_group',
        'e.pii_slot',
        'e.consent',
      ])
      .execute();
    const deliveries: LeasedDelivery[] = [];
    const events = new Map<string, DeliverableEvent>();
    for (const row of rows) {
      deliveries.push({
        id: row.id,
        event_pk: row.event_pk,
        attempts: row.attempts,
        give_up_at: row.give_up_at,
        lease_owner: row.lease_owner,
        lease_expires_at: row.lease_expires_at,
        event_received_at: row.event_received_at,
        created_at: row.created_at,
        sent_keys: row.sent_keys,
        match_score: row.match_score,
      });
      if (row.e_id !== null) {
        events.set(row.e_id, {
          id: row.e_id,
          event_name: row.event_name!,
          custom_event_name: row.custom_event_name,
          event_id: row.event_id!,
          source: row.source!,
          event_time: row.event_time!,
          event_source_url: row.event_source_url,
          custom_data: row.custom_data,
          match_keys: row.match_keys!,
          pii_sealed: row.pii_sealed,
          pii_group: row.pii_group === null ? null : Number(row.pii_group),
          pii_slot: row.pii_slot,
          consent: row.consent,
        });
      }
    }
    return { deliveries, events, groups: await groupsOf(db, events) };
  }
  const deliveries = await leaseDeliveries(db, dialect, input);
  const events = new Map<string, DeliverableEvent>();
  if (deliveries.length === 0) return { deliveries, events, groups: new Map() };
  const rows = await db
    .selectFrom('events')
    .select(DELIVERABLE_COLUMNS)
    .where(
      inList(
        dialect,
        'id',
        deliveries.map((d) => d.event_pk),
      ),
    )
    .execute();
  for (const row of rows) events.set(row.id, row);
  return { deliveries, events, groups: await groupsOf(db, events) };
}

/** The sealed groups of the events whose data is still there: one read for a batch (a few groups). */
function groupsOf(db: DB, events: ReadonlyMap<string, DeliverableEvent>): Promise<Map<number, Buffer>> {
  const ids = new Set<number>();
  for (const event of events.values()) if (event.pii_slot !== null) ids.add(Number(event.pii_group));
  return ids.size === 0 ? Promise.resolve(new Map()) : loadGroups(db, ids);
}

export interface DeliveryOutcome {
  delivery: Pick<LeasedDelivery, 'id' | 'event_pk' | 'attempts'> &
    Partial<Pick<LeasedDelivery, 'event_received_at' | 'created_at' | 'sent_keys' | 'match_score'>>;
  status: DeliveryStatus;
  /** Counted as an attempt (false: released without trying, e.g. circuit open). */
  attempted: boolean;
  nextAttemptAt?: number;
  statusCode: number | null;
  /** Attempt trace outcome: delivered | retry | throttled | rejected | skipped | dead | timeout | network */
  outcome: string;
  message: string | null;
}

/**
 * Writes a batch's outcomes: delivery rows (only while this worker still holds the lease), the attempt
 * trace, and erasure of personal data for events with no pending delivery left. One transaction of a few
 * statements whatever the batch holds: one UPDATE for every delivery row (its values joined in as a
 * list), one INSERT for the attempts that are not a plain success, one erasure. `webhooks`: the outcome
 * messages for an org with subscribed endpoints (webhooks/delivery-events.ts), written in the same
 * transaction; absent for every other org, which pays no statement for it.
 */
export async function recordOutcomes(
  db: DB,
  dialect: Dialect,
  input: {
    owner: string;
    now: number;
    outcomes: DeliveryOutcome[];
    webhooks?: readonly WebhookFanout[];
    /** The destination the deliveries were leased for (every delivery of a batch is one destination's). */
    destination?: LeasedDestination;
  },
): Promise<{ refusedWebhookEndpoints: string[] }> {
  const { owner, now, outcomes } = input;
  const refusedWebhookEndpoints: string[] = [];
  if (outcomes.length === 0) return { refusedWebhookEndpoints };
  const finalPks = new Set<string>();
  for (const o of outcomes) if (o.status !== 'pending') finalPks.add(o.delivery.event_pk);
  const eventPks = [...finalPks].sort();
  const days = eventDays(dialect, outcomes);
  await db.transaction().execute(async (trx) => {
    if (dialect === 'postgres' && eventPks.length > 0) {
      // Two workers finishing the same event's deliveries (one per platform) would each still see the
      // other's delivery pending and neither would erase its personal data. Locking the event rows (in id
      // order, so no deadlock) makes the second wait and then see the first's committed outcome.
      await trx
        .selectFrom('events')
        .select('id')
        .where(inList(dialect, 'id', eventPks))
        .where(inDays('received_at', days))
        .orderBy('id')
        .forUpdate()
        .execute();
    }
    await updateDeliveries(trx, dialect, owner, now, outcomes, days, input.destination);
    // A successful attempt is not written: the delivery row itself records it (status, attempts, code,
    // final_at), and traces are completed from it (withDeliveredAttempt). Most attempts succeed, so this
    // halves the rows a drain writes.
    const attempts: DeliveryAttempt[] = [];
    for (const o of outcomes) {
      if (o.status === 'delivered' || (!o.attempted && o.status === 'pending')) continue;
      attempts.push({
        id: newId('att', now),
        delivery_id: o.delivery.id,
        attempt: o.delivery.attempts + (o.attempted ? 1 : 0),
        at: now,
        status_code: o.statusCode,
        outcome: o.outcome,
        message: o.message,
      });
    }
    // 7 values a row: within both dialects' limit on bound parameters.
    for (let i = 0; i < attempts.length; i += 2000) {
      await trx
        .insertInto('delivery_attempts')
        .values(attempts.slice(i, i + 2000))
        .execute();
    }
    if (eventPks.length > 0) await eraseWhenFinal(trx, dialect, eventPks, now, days);
    for (const fanout of input.webhooks ?? []) {
      const { refusedEndpointIds } = await enqueueWebhookEvents(trx, { ...fanout, now });
      refusedWebhookEndpoints.push(...refusedEndpointIds);
    }
  });
  return { refusedWebhookEndpoints };
}

/**
 * PostgreSQL's day partitions: the range of event times (`event_received_at`) a batch's deliveries carry,
 * so its statements name only those days' partitions. Null (no bound): SQLite, or a delivery without a
 * time (written by a previous release, or an outcome built elsewhere).
 */
type EventDays = { min: number; max: number } | null;

function eventDays(dialect: Dialect, outcomes: readonly DeliveryOutcome[]): EventDays {
  if (dialect !== 'postgres') return null;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { delivery } of outcomes) {
    const at = delivery.event_received_at;
    if (at == null) return null;
    if (at < min) min = at;
    if (at > max) max = at;
  }
  return { min, max };
}

/** `column` within the batch's days, plus the rows without a day (those live in the default partition). */
function inDays(column: string, days: EventDays) {
  if (days === null) return sql<boolean>`true`;
  return sql<boolean>`(${sql.ref(column)} between ${days.min} and ${days.max} or ${sql.ref(column)} is null)`;
}

/** Erases the sealed personal data of the given events once none of their deliveries is pending. */
async function eraseWhenFinal(db: DB, dialect: Dialect, eventPks: string[], now: number, days: EventDays) {
  const erased = await erasure(db, now, days)
    .where(inList(dialect, 'id', eventPks))
    .where(inDays('received_at', days))
    .returning('pii_group')
    .execute();
  await releaseSlots(
    db,
    erased.map((row) => row.pii_group),
  );
}

/**
 * The erasure statement, to be narrowed to some events: sealed data goes once no delivery is pending. The
 * caller releases the group slots it returns (pii-groups.ts releaseSlots), in the same transaction.
 */
function erasure(db: DB, now: number, days: EventDays = null) {
  return db
    .updateTable('events')
    .set({ pii_sealed: null, pii_slot: null, pii_erased_at: now })
    .where((eb) => sealedAndFinal(eb, days));
}

/**
 * An event whose sealed data is still there although none of its deliveries is pending any more. `days`:
 * an event's deliveries share its time (or have none: a previous release's rows), so only those days'
 * partitions are probed.
 */
function sealedAndFinal(eb: ExpressionBuilder<Database, 'events'>, days: EventDays = null) {
  return eb.and([
    eb.or([eb('pii_sealed', 'is not', null), eb('pii_slot', 'is not', null)]),
    eb.not(
      eb.exists(
        eb
          .selectFrom('deliveries')
          .select(sql`1`.as('one'))
          .whereRef('deliveries.event_pk', '=', 'events.id')
          .where('deliveries.status', '=', 'pending')
          .where(inDays('deliveries.event_received_at', days)),
      ),
    ),
  ]);
}

/**
 * A batch's outcomes in a few UPDATEs: one per group of plain successes (`markDelivered`), one for the rest
 * (`updateEach`). Rows this owner no longer holds (its lease expired and was taken over) are left alone.
 */
async function updateDeliveries(
  db: DB,
  dialect: Dialect,
  owner: string,
  now: number,
  outcomes: DeliveryOutcome[],
  days: EventDays,
  destination: LeasedDestination | undefined,
): Promise<void> {
  const { successes, others } = splitSuccesses(outcomes);
  const fromLease =
    dialect === 'sqlite' && destination !== undefined && successes.size > 0
      ? await markDeliveredFromLease(db, owner, now, [...successes.values()], destination)
      : null;
  const moved: MovedDelivery[] = fromLease ?? [];
  if (fromLease === null) {
    for (const success of successes.values()) {
      moved.push(...(await markDelivered(db, dialect, owner, now, success, days)));
    }
  }
  if (others.length > 0) moved.push(...(await updateEach(db, dialect, owner, now, others, days)));
  // One upsert of the counters for every row moved, whichever statement moved it.
  await countMoves(db, moved, 'pending');
}

/** Plain successes that share their new values: one platform request's status code and message. */
interface SuccessGroup {
  statusCode: number | null;
  message: string | null;
  ids: string[];
  deliveries: DeliveryOutcome['delivery'][];
}

/** The destination of a leased batch, as the counters record it. */
export interface LeasedDestination {
  id: string;
  org_id: string;
  domain_id: string;
  type: string;
}

/**
 * Nearly every outcome of a drain is a plain success, and the deliveries of one platform request share
 * everything they write. Those are grouped, so each group is one UPDATE by a list of ids with constant
 * values; only the rest (failures, retries, releases) pays for a list of per-row values.
 */
function splitSuccesses(outcomes: readonly DeliveryOutcome[]): {
  successes: Map<string, SuccessGroup>;
  others: DeliveryOutcome[];
} {
  const successes = new Map<string, SuccessGroup>();
  const others: DeliveryOutcome[] = [];
  for (const o of outcomes) {
    if (o.status !== 'delivered' || !o.attempted || o.nextAttemptAt !== undefined) {
      others.push(o);
      continue;
    }
    const key = `${o.statusCode}\u0000${o.message}`;
    let group = successes.get(key);
    if (!group) {
      group = { statusCode: o.statusCode, message: o.message, ids: [], deliveries: [] };
      successes.set(key, group);
    }
    group.ids.push(o.delivery.id);
    group.deliveries.push(o.delivery);
  }
  return { successes, others };
}

/** The same values `updateEach` writes for a delivered outcome, as constants for the whole group. */
async function markDelivered(
  db: DB,
  dialect: Dialect,
  owner: string,
  now: number,
  group: SuccessGroup,
  days: EventDays,
): Promise<MovedDelivery[]> {
  return markDeliveredUpdate(db, dialect, owner, now, group, days).returning(COUNTED_COLUMNS).execute();
}

/**
 * SQLite: a batch's successes without RETURNING, counted from what the lease read. On SQLite the RETURNING
 * cost about as much as the update itself (~3 µs a row, better-sqlite3 on the bench's schema), and what the
 * counters need of a row does not change while it is leased: its destination (the batch's), creation time,
 * carried identifiers and score. That holds only if every row moved, so a savepoint undoes the updates when
 * one did not (its lease expired and another worker took it over) and `null` tells the caller to run the
 * RETURNING ones, which say which rows did. Null as well when a delivery lacks what the lease reads.
 */
async function markDeliveredFromLease(
  db: DB,
  owner: string,
  now: number,
  groups: readonly SuccessGroup[],
  destination: LeasedDestination,
): Promise<MovedDelivery[] | null> {
  for (const group of groups) for (const d of group.deliveries) if (d.created_at === undefined) return null;
  await sql`savepoint mark_delivered`.execute(db);
  for (const group of groups) {
    const result = await markDeliveredUpdate(db, 'sqlite', owner, now, group, null).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== group.ids.length) {
      await sql`rollback to mark_delivered`.execute(db);
      await sql`release mark_delivered`.execute(db);
      return null;
    }
  }
  await sql`release mark_delivered`.execute(db);
  const moved: MovedDelivery[] = [];
  for (const group of groups) {
    for (const d of group.deliveries) {
      moved.push({
        org_id: destination.org_id,
        domain_id: destination.domain_id,
        destination_id: destination.id,
        destination_type: destination.type,
        created_at: d.created_at!,
        sent_keys: d.sent_keys ?? null,
        match_score: d.match_score ?? null,
        status: 'delivered',
        last_error: group.message,
        final_at: now,
      });
    }
  }
  return moved;
}

function markDeliveredUpdate(
  db: DB,
  dialect: Dialect,
  owner: string,
  now: number,
  group: SuccessGroup,
  days: EventDays,
) {
  return db
    .updateTable('deliveries')
    .set((eb) => ({
      status: 'delivered',
      attempts: eb('attempts', '+', 1),
      next_attempt_at: now,
      lease_owner: null,
      lease_expires_at: null,
      last_status_code: group.statusCode,
      last_error: group.message,
      updated_at: now,
      final_at: now,
    }))
    .where(inList(dialect, 'id', group.ids))
    .where(unindexed(dialect, 'lease_owner'), '=', owner)
    .where(unindexed(dialect, 'status'), '=', 'pending')
    .where(inDays('event_received_at', days));
}

/** Outcomes with values of their own: one UPDATE, the new values of every row joined in as one list. */
async function updateEach(
  db: DB,
  dialect: Dialect,
  owner: string,
  now: number,
  outcomes: DeliveryOutcome[],
  days: EventDays,
): Promise<MovedDelivery[]> {
  const n = outcomes.length;
  const ids = new Array<string>(n);
  const statuses = new Array<string>(n);
  const attempted = new Array<number>(n);
  const nexts = new Array<number>(n);
  const codes = new Array<number | null>(n);
  const messages = new Array<string | null>(n);
  const finals = new Array<number>(n);
  for (let i = 0; i < n; i += 1) {
    const o = outcomes[i]!;
    const final = o.status !== 'pending';
    ids[i] = o.delivery.id;
    statuses[i] = o.status;
    attempted[i] = o.attempted ? 1 : 0;
    nexts[i] = o.nextAttemptAt ?? now;
    codes[i] = o.statusCode;
    messages[i] = o.message;
    finals[i] = final ? 1 : 0;
  }
  const set = sql`
    status = v.status,
    attempts = attempts + v.attempted,
    next_attempt_at = v.next_attempt_at,
    lease_owner = null,
    lease_expires_at = null,
    last_status_code = case when v.attempted = 1 then v.status_code else last_status_code end,
    last_error = case when v.attempted = 1 or v.final = 1 then v.message else last_error end,
    updated_at = ${now},
    final_at = case when v.final = 1 then cast(${now} as bigint) else null end`;
  if (dialect === 'postgres') {
    const moved = await sql<MovedDelivery>`
      update deliveries set ${set}
      from unnest(${ids}::text[], ${statuses}::text[], ${attempted}::int[], ${nexts}::int8[],
                  ${codes}::int[], ${messages}::text[], ${finals}::int[])
        as v(id, status, attempted, next_attempt_at, status_code, message, final)
      where deliveries.id = v.id and deliveries.lease_owner = ${owner} and deliveries.status = 'pending'
        and ${inDays('deliveries.event_received_at', days)}
      returning ${COUNTED_RETURNING}`.execute(db);
    return moved.rows;
  }
  const rows = ids.map((id, i) => [
    id,
    statuses[i],
    attempted[i],
    nexts[i],
    codes[i],
    messages[i],
    finals[i],
  ]);
  // `+lease_owner`, `+status`: the join on the primary key drives the statement, not the status index.
  const moved = await sql<MovedDelivery>`
    update deliveries set ${set}
    from (select value ->> 0 as id, value ->> 1 as status, value ->> 2 as attempted,
                 value ->> 3 as next_attempt_at, value ->> 4 as status_code, value ->> 5 as message,
                 value ->> 6 as final
          from json_each(${JSON.stringify(rows)})) as v
    where deliveries.id = v.id and +deliveries.lease_owner = ${owner} and +deliveries.status = 'pending'
    returning ${COUNTED_RETURNING}`.execute(db);
  return moved.rows;
}

/** What an UPDATE returns of each row it changed so the counters can move it (delivery-counts.ts). */
export const COUNTED_COLUMNS = [
  'org_id',
  'domain_id',
  'destination_id',
  'destination_type',
  'created_at',
  'sent_keys',
  'match_score',
  'status',
  'last_error',
  'final_at',
] as const;
type MovedDelivery = CountedDelivery & { status: string; last_error: string | null; final_at: number | null };
const COUNTED_RETURNING = sql.join(COUNTED_COLUMNS.map((c) => sql.ref(`deliveries.${c}`)));

/** Moves `rows`, which were in status `from`, to the status they now have (one upsert a batch). */
export async function countMoves(db: DB, rows: readonly MovedDelivery[], from: string): Promise<void> {
  const counts = new CountDeltas();
  for (const row of rows) counts.move(row, from);
  await addDeliveryCounts(db, counts.list());
}

/**
 * Erases the sealed personal data of the given events once none of their deliveries is pending. One
 * statement per 5,000 events (within both dialects' limit on bound parameters).
 */
export async function erasePersonalData(db: DB, eventPks: string[], now: number): Promise<void> {
  if (eventPks.length === 0) return;
  // The erasure and its groups' counts move together.
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => erasePersonalData(trx, eventPks, now));
    return;
  }
  for (let i = 0; i < eventPks.length; i += 5000) {
    const erased = await erasure(db, now)
      .where('id', 'in', eventPks.slice(i, i + 5000))
      .returning('pii_group')
      .execute();
    await releaseSlots(
      db,
      erased.map((row) => row.pii_group),
    );
  }
}

/** Gives back this worker's leases (graceful shutdown) so another worker can take them at once. */
export async function releaseLeases(db: DB, owner: string): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({ lease_owner: null, lease_expires_at: null })
    .where('lease_owner', '=', owner)
    .where('status', '=', PENDING)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface ExpiredDelivery {
  id: string;
  event_pk: string;
  attempts: number;
  org_id: string;
  destination_id: string;
}

/**
 * Pending deliveries past their retry horizon become dead; their events' personal data is erased.
 * `onExpired` runs in the same transaction with the rows that died (the worker queues `event.failed`
 * webhooks there for orgs that subscribe).
 */
export async function expireDeliveries(
  db: DB,
  now: number,
  onExpired?: (trx: DB, expired: ExpiredDelivery[]) => Promise<void>,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const expired = await trx
      .updateTable('deliveries')
      .set({
        status: 'dead',
        final_at: now,
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
        last_error: sql`coalesce(last_error, 'retry horizon reached before delivery')`,
      })
      .where('status', '=', PENDING)
      .where('give_up_at', '<=', now)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
      .returning(['id', 'event_pk', 'attempts', ...COUNTED_COLUMNS])
      .execute();
    if (expired.length === 0) return 0;
    await countMoves(trx, expired, 'pending');
    if (onExpired) await onExpired(trx, expired);
    for (let i = 0; i < expired.length; i += 400) {
      await trx
        .insertInto('delivery_attempts')
        .values(
          expired.slice(i, i + 400).map((row) => ({
            id: newId('att', now),
            delivery_id: row.id,
            attempt: row.attempts,
            at: now,
            status_code: null,
            outcome: 'dead',
            message: 'retry horizon reached before delivery',
          })),
        )
        .execute();
    }
    await erasePersonalData(trx, [...new Set(expired.map((r) => r.event_pk))], now);
    return expired.length;
  });
}

/**
 * Catch-all erasure: events whose deliveries are all final but whose sealed data survived (e.g. a worker
 * died between its last outcome and the erasure). Bounded per call.
 */
export async function eraseFinishedEvents(db: DB, now: number, limit = 1000): Promise<void> {
  const rows = await db.selectFrom('events').select('id').where(sealedAndFinal).limit(limit).execute();
  await erasePersonalData(
    db,
    rows.map((r) => r.id),
    now,
  );
}

export async function deleteExpiredDedupKeys(db: DB, now: number): Promise<number> {
  const result = await db.deleteFrom('dedup_keys').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface DeliveryListFilter {
  status?: DeliveryStatus;
  orgId?: string;
  domainId?: string;
  limit?: number;
}

/**
 * The newest deliveries (operators' `deliveries list`). Driven by the events' `(org_id | domain_id,
 * received_at)` indexes, newest first (a delivery's created_at is its event's arrival): `deliveries` keeps
 * no index by time since the hourly counters replaced its statistics indexes (migration 0013).
 */
export async function listDeliveries(db: DB, filter: DeliveryListFilter): Promise<Delivery[]> {
  let query = db
    .selectFrom('events as e')
    .innerJoin('deliveries as d', 'd.event_pk', 'e.id')
    .selectAll('d')
    .orderBy('e.received_at', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.status) query = query.where('d.status', '=', filter.status);
  if (filter.orgId) query = query.where('e.org_id', '=', filter.orgId);
  if (filter.domainId) query = query.where('e.domain_id', '=', filter.domainId);
  return query.execute();
}

export async function attemptsOf(db: DB, deliveryId: string): Promise<DeliveryAttempt[]> {
  const delivery = await db
    .selectFrom('deliveries')
    .selectAll()
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  if (!delivery) return [];
  const rows = await db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('at')
    .orderBy('attempt')
    .execute();
  return withDeliveredAttempt(delivery, rows);
}

/** A delivery's full trace: its recorded attempts plus the successful one, which lives on the row itself. */
export function withDeliveredAttempt(delivery: Delivery, attempts: DeliveryAttempt[]): DeliveryAttempt[] {
  if (delivery.status !== 'delivered' || attempts.some((a) => a.outcome === 'delivered')) return attempts;
  return [
    ...attempts,
    {
      id: `${delivery.id}:delivered`,
      delivery_id: delivery.id,
      attempt: delivery.attempts,
      at: delivery.final_at ?? delivery.updated_at,
      status_code: delivery.last_status_code,
      outcome: 'delivered',
      // What the platform said on success (Google Ads' request id), kept as the delivery's last message.
      message: delivery.last_error,
    },
  ];
}

/** A delivery by id across orgs (operator lookups). */
export async function getDeliveryById(db: DB, deliveryId: string): Promise<Delivery | undefined> {
  return db.selectFrom('deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
}

/** What an outcome webhook names besides the delivery: the events' ids and names, the destinations. */
export async function outcomeWebhookContext(
  db: DB,
  dialect: Dialect,
  input: { eventPks: string[]; destinationIds: string[] },
): Promise<{
  events: Map<string, { eventId: string; eventName: string }>;
  destinations: Map<
    string,
    Pick<Selectable<Database['destinations']>, 'id' | 'org_id' | 'domain_id' | 'type'>
  >;
}> {
  const events = new Map<string, { eventId: string; eventName: string }>();
  const destinations = new Map<
    string,
    Pick<Selectable<Database['destinations']>, 'id' | 'org_id' | 'domain_id' | 'type'>
  >();
  if (input.eventPks.length > 0) {
    const rows = await db
      .selectFrom('events')
      .select(['id', 'event_id', 'event_name', 'custom_event_name'])
      .where(inList(dialect, 'id', input.eventPks))
      .execute();
    for (const r of rows)
      events.set(r.id, { eventId: r.event_id, eventName: r.custom_event_name ?? r.event_name });
  }
  if (input.destinationIds.length > 0) {
    const rows = await db
      .selectFrom('destinations')
      .select(['id', 'org_id', 'domain_id', 'type'])
      .where(inList(dialect, 'id', input.destinationIds))
      .execute();
    for (const r of rows) destinations.set(r.id, r);
  }
  return { events, destinations };
}
