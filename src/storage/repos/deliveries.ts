/**
 * The outbox queue's SQL. A delivery is leased by setting lease_owner/lease_expires_at on pending rows; a
 * lease that expires (crashed worker) makes the row due again. On PostgreSQL the candidate rows are locked
 * with FOR UPDATE SKIP LOCKED so several workers share the queue without waiting on each other; SQLite
 * serializes writers, so the same statement is atomic there.
 */
import { sql } from 'kysely';
import { newId } from '../../lib/ids.js';
import type { DB, Dialect } from '../db.js';
import type { Delivery, DeliveryAttempt, EventRow } from '../schema.js';

export const FINAL_STATUSES = ['delivered', 'failed', 'skipped', 'dead'] as const;
export type DeliveryStatus = 'pending' | (typeof FINAL_STATUSES)[number];

/**
 * On SQLite, `+column` stops the planner from driving a statement by that column's index, so the `id IN
 * (…)` list drives it instead: with a long queue, the `status` index would make it scan every pending row.
 */
function unindexed(dialect: Dialect, column: 'status' | 'lease_owner') {
  return dialect === 'sqlite' ? sql<string>`+${sql.ref(column)}` : sql<string>`${sql.ref(column)}`;
}

/** Active, enabled destinations with at least one due, unleased delivery (an index probe each). */
export async function dueDestinationIds(db: DB, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('destinations as dst')
    .select('dst.id')
    .where('dst.status', '=', 'active')
    .where('dst.enabled', '=', 1)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('deliveries as d')
          .select(sql`1`.as('one'))
          .where('d.status', '=', 'pending')
          .whereRef('d.destination_id', '=', 'dst.id')
          .where('d.next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('d.lease_expires_at', 'is', null), eb('d.lease_expires_at', '<=', now)])),
      ),
    )
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function leaseDeliveries(
  db: DB,
  dialect: Dialect,
  input: { destinationId: string; owner: string; now: number; leaseMs: number; limit: number },
): Promise<Delivery[]> {
  const { destinationId, owner, now, leaseMs, limit } = input;
  const candidates = db
    .selectFrom('deliveries')
    .select('id')
    .where('destination_id', '=', destinationId)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
    .orderBy('next_attempt_at')
    .limit(limit);
  if (dialect === 'postgres') {
    // As `id IN (subquery … LIMIT n FOR UPDATE SKIP LOCKED)` PostgreSQL leased every due row, ignoring the
    // limit (test/lease.test.ts); a materialized CTE runs the locking subquery exactly once.
    return db
      .with(
        (cte) => cte('candidates').materialized(),
        () => candidates.forUpdate().skipLocked(),
      )
      .updateTable('deliveries')
      .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
      .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id'))
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
      .returningAll()
      .execute();
  }
  return (
    db
      .updateTable('deliveries')
      .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
      .where('id', 'in', candidates)
      // Re-checked so a row leased between the subquery and the update (no SKIP LOCKED on SQLite) is not taken.
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
      .returningAll()
      .execute()
  );
}

export async function eventsByPk(db: DB, pks: string[]): Promise<Map<string, EventRow>> {
  const out = new Map<string, EventRow>();
  for (let i = 0; i < pks.length; i += 500) {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('id', 'in', pks.slice(i, i + 500))
      .execute();
    for (const row of rows) out.set(row.id, row);
  }
  return out;
}

export interface DeliveryOutcome {
  delivery: Delivery;
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
 * trace, and erasure of personal data for events with no pending delivery left. One transaction.
 */
export async function recordOutcomes(
  db: DB,
  dialect: Dialect,
  input: { owner: string; now: number; outcomes: DeliveryOutcome[] },
): Promise<void> {
  const { owner, now, outcomes } = input;
  if (outcomes.length === 0) return;
  const eventPks = [
    ...new Set(outcomes.filter((o) => o.status !== 'pending').map((o) => o.delivery.event_pk)),
  ].sort();
  await db.transaction().execute(async (trx) => {
    if (dialect === 'postgres' && eventPks.length > 0) {
      // Two workers finishing the same event's deliveries (one per platform) would each still see the
      // other's delivery pending and neither would erase its personal data. Locking the event rows (in id
      // order, so no deadlock) makes the second wait and then see the first's committed outcome.
      await trx
        .selectFrom('events')
        .select('id')
        .where('id', 'in', eventPks)
        .orderBy('id')
        .forUpdate()
        .execute();
    }
    // Rows with identical updates share one statement (the common case: a whole batch delivered).
    const groups = new Map<string, { outcome: DeliveryOutcome; ids: string[] }>();
    for (const o of outcomes) {
      const key = JSON.stringify([o.status, o.attempted, o.nextAttemptAt ?? null, o.statusCode, o.message]);
      const group = groups.get(key) ?? { outcome: o, ids: [] };
      group.ids.push(o.delivery.id);
      groups.set(key, group);
    }
    for (const { outcome, ids } of groups.values()) {
      const final = outcome.status !== 'pending';
      for (let i = 0; i < ids.length; i += 500) {
        await trx
          .updateTable('deliveries')
          .set({
            status: outcome.status,
            attempts: outcome.attempted ? sql`attempts + 1` : sql`attempts`,
            next_attempt_at: outcome.nextAttemptAt ?? now,
            lease_owner: null,
            lease_expires_at: null,
            last_status_code: outcome.attempted ? outcome.statusCode : sql`last_status_code`,
            last_error: outcome.attempted || final ? outcome.message : sql`last_error`,
            updated_at: now,
            final_at: final ? now : null,
          })
          .where('id', 'in', ids.slice(i, i + 500))
          .where(unindexed(dialect, 'lease_owner'), '=', owner)
          .where(unindexed(dialect, 'status'), '=', 'pending')
          .execute();
      }
    }
    // A successful attempt is not written: the delivery row itself records it (status, attempts, code,
    // final_at), and traces are completed from it (withDeliveredAttempt). Most attempts succeed, so this
    // halves the rows a drain writes.
    const attempts: DeliveryAttempt[] = outcomes
      .filter((o) => o.status !== 'delivered' && (o.attempted || o.status !== 'pending'))
      .map((o) => ({
        id: newId('att', now),
        delivery_id: o.delivery.id,
        attempt: o.delivery.attempts + (o.attempted ? 1 : 0),
        at: now,
        status_code: o.statusCode,
        outcome: o.outcome,
        message: o.message,
      }));
    for (let i = 0; i < attempts.length; i += 400) {
      await trx
        .insertInto('delivery_attempts')
        .values(attempts.slice(i, i + 400))
        .execute();
    }
    await erasePersonalData(trx, eventPks, now);
  });
}

/** Erases the sealed personal data of the given events once none of their deliveries is pending. */
export async function erasePersonalData(db: DB, eventPks: string[], now: number): Promise<void> {
  for (let i = 0; i < eventPks.length; i += 500) {
    await db
      .updateTable('events')
      .set({ pii_sealed: null, pii_erased_at: now })
      .where('id', 'in', eventPks.slice(i, i + 500))
      .where('pii_sealed', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('deliveries')
              .select(sql`1`.as('one'))
              .whereRef('deliveries.event_pk', '=', 'events.id')
              .where('deliveries.status', '=', 'pending'),
          ),
        ),
      )
      .execute();
  }
}

/** Gives back this worker's leases (graceful shutdown) so another worker can take them at once. */
export async function releaseLeases(db: DB, owner: string): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({ lease_owner: null, lease_expires_at: null })
    .where('lease_owner', '=', owner)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Pending deliveries past their retry horizon become dead; their events' personal data is erased. */
export async function expireDeliveries(db: DB, now: number): Promise<number> {
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
      .where('status', '=', 'pending')
      .where('give_up_at', '<=', now)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
      .returning(['id', 'event_pk', 'attempts'])
      .execute();
    if (expired.length === 0) return 0;
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
  const rows = await db
    .selectFrom('events')
    .select('id')
    .where('pii_sealed', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deliveries')
            .select(sql`1`.as('one'))
            .whereRef('deliveries.event_pk', '=', 'events.id')
            .where('deliveries.status', '=', 'pending'),
        ),
      ),
    )
    .limit(limit)
    .execute();
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

export async function listDeliveries(db: DB, filter: DeliveryListFilter): Promise<Delivery[]> {
  let query = db
    .selectFrom('deliveries')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.orgId) query = query.where('org_id', '=', filter.orgId);
  if (filter.domainId) query = query.where('domain_id', '=', filter.domainId);
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
      message: null,
    },
  ];
}

/** A delivery by id across orgs (operator lookups). */
export async function getDeliveryById(db: DB, deliveryId: string): Promise<Delivery | undefined> {
  return db.selectFrom('deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
}
