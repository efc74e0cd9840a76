/**
 * The event log: an org's events, newest first, with their per-destination outcomes and attempt traces;
 * and the replay of failed or dead deliveries chosen by the same filters. Pagination is keyset over
 * (received_at, id) — both fixed at ingest and unique together — so a page boundary never moves: rows
 * inserted while someone pages land above the first page, and nothing is repeated or skipped.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { DB } from '../db.js';
import { canRebuildEvent } from '../event-rebuild.js';
import type { Database, Delivery, DeliveryAttempt, EventsTable } from '../schema.js';
import { COUNTED_COLUMNS, countMoves, type DeliveryStatus, withDeliveredAttempt } from './deliveries.js';

export interface EventLogFilter {
  orgId: string;
  domainId?: string;
  eventName?: string;
  /**
   * The shop's event id. No index of its own (every byte per event counts, docs/architecture.md): the
   * listing walks the org's events newest first, so a time range keeps a search in a large org short.
   */
  eventId?: string;
  source?: string;
  /** Events with at least one delivery in this status (of `destinationType`, when given). */
  outcome?: DeliveryStatus;
  /** Events with a delivery to this destination type. */
  destinationType?: string;
  /** received_at ≥ from (ms). */
  from?: number;
  /** received_at < to (ms). */
  to?: number;
}

export interface EventLogCursor {
  receivedAt: number;
  id: string;
}

type EventScope = ExpressionBuilder<Database & { e: EventsTable }, 'e'>;

function eventConditions(eb: EventScope, filter: EventLogFilter): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [eb('e.org_id', '=', filter.orgId)];
  if (filter.domainId) conditions.push(eb('e.domain_id', '=', filter.domainId));
  if (filter.eventName) conditions.push(eb('e.event_name', '=', filter.eventName));
  if (filter.eventId) conditions.push(eb('e.event_id', '=', filter.eventId));
  if (filter.source) conditions.push(eb('e.source', '=', filter.source));
  if (filter.from !== undefined) conditions.push(eb('e.received_at', '>=', filter.from));
  if (filter.to !== undefined) conditions.push(eb('e.received_at', '<', filter.to));
  if (filter.outcome || filter.destinationType) {
    let deliveries = eb
      .selectFrom('deliveries as fd')
      .select(sql<number>`1`.as('one'))
      .whereRef('fd.event_pk', '=', 'e.id');
    if (filter.outcome) deliveries = deliveries.where('fd.status', '=', filter.outcome);
    if (filter.destinationType)
      deliveries = deliveries.where('fd.destination_type', '=', filter.destinationType);
    conditions.push(eb.exists(deliveries));
  }
  return eb.and(conditions);
}

export interface EventLogRow {
  id: string;
  domain_id: string;
  host: string | null;
  deleted_host: string | null;
  event_name: string;
  custom_event_name: string | null;
  event_id: string;
  source: string;
  event_time: number;
  received_at: number;
  event_source_url: string | null;
  custom_data: string | null;
  match_keys: string;
  consent: string | null;
  sealed: boolean;
  pii_erased_at: number | null;
}

export interface EventLogEntry {
  event: EventLogRow;
  deliveries: Array<{ delivery: Delivery; attempts: DeliveryAttempt[] }>;
}

export interface EventLogPage {
  entries: EventLogEntry[];
  /** Where the next page starts; null on the last page. */
  next: EventLogCursor | null;
}

const CHUNK = 500;

export async function listEventLog(
  db: DB,
  filter: EventLogFilter,
  page: { cursor?: EventLogCursor; limit: number },
): Promise<EventLogPage> {
  let query = db
    .selectFrom('events as e')
    .leftJoin('domains as dom', 'dom.id', 'e.domain_id')
    .select([
      'e.id',
      'e.domain_id',
      'dom.host',
      'dom.deleted_host',
      'e.event_name',
      'e.custom_event_name',
      'e.event_id',
      'e.source',
      'e.event_time',
      'e.received_at',
      'e.event_source_url',
      'e.custom_data',
      'e.match_keys',
      'e.consent',
      'e.pii_erased_at',
      // Whether sealed personal data remains, never the blob itself.
      sql<number>`case when e.pii_sealed is null and e.pii_slot is null then 0 else 1 end`.as('sealed'),
    ])
    .where((eb) => eventConditions(eb, filter));
  const cursor = page.cursor;
  if (cursor) {
    query = query.where((eb) =>
      eb.or([
        eb('e.received_at', '<', cursor.receivedAt),
        eb.and([eb('e.received_at', '=', cursor.receivedAt), eb('e.id', '<', cursor.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('e.received_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const more = rows.length > page.limit;
  const events: EventLogRow[] = rows.slice(0, page.limit).map((row) => ({
    ...row,
    event_time: Number(row.event_time),
    received_at: Number(row.received_at),
    pii_erased_at: row.pii_erased_at === null ? null : Number(row.pii_erased_at),
    sealed: Number(row.sealed) === 1,
  }));

  const deliveries: Delivery[] = [];
  const pks = events.map((e) => e.id);
  for (let i = 0; i < pks.length; i += CHUNK) {
    deliveries.push(
      ...(await db
        .selectFrom('deliveries')
        .selectAll()
        .where('org_id', '=', filter.orgId)
        .where('event_pk', 'in', pks.slice(i, i + CHUNK))
        .orderBy('destination_type')
        .execute()),
    );
  }
  const attempts = new Map<string, DeliveryAttempt[]>();
  const deliveryIds = deliveries.map((d) => d.id);
  for (let i = 0; i < deliveryIds.length; i += CHUNK) {
    const rows = await db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('delivery_id', 'in', deliveryIds.slice(i, i + CHUNK))
      .orderBy('at')
      .orderBy('attempt')
      .execute();
    for (const row of rows) {
      const list = attempts.get(row.delivery_id) ?? [];
      list.push(row);
      attempts.set(row.delivery_id, list);
    }
  }
  const byEvent = new Map<string, EventLogEntry['deliveries']>();
  for (const delivery of deliveries) {
    const list = byEvent.get(delivery.event_pk) ?? [];
    list.push({ delivery, attempts: withDeliveredAttempt(delivery, attempts.get(delivery.id) ?? []) });
    byEvent.set(delivery.event_pk, list);
  }
  const last = events[events.length - 1];
  return {
    entries: events.map((event) => ({ event, deliveries: byEvent.get(event.id) ?? [] })),
    next: more && last ? { receivedAt: last.received_at, id: last.id } : null,
  };
}

/** Which of `ids` are not the org's (rows of `table`): another org's ids are reported, never touched. */
export async function foreignIds(
  db: DB,
  orgId: string,
  table: 'events' | 'deliveries',
  ids: string[],
): Promise<string[]> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom(table)
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute();
    for (const row of rows) found.add(row.id);
  }
  return [...new Set(ids)].filter((id) => !found.has(id));
}

export const REPLAYABLE_STATUSES = ['failed', 'dead'] as const;

export interface ReplayResult {
  /** Failed or dead deliveries the selection matched. */
  matched: number;
  /** Back to pending, due now. */
  replayed: number;
  /** Could not be replayed: personal data already erased, or the destination was removed. */
  unavailable: number;
}

/**
 * Replays the org's failed or dead deliveries that match the filter and/or the explicit ids: back to
 * pending, due now, with a fresh retry horizon. An event whose sealed data was erased cannot be rebuilt
 * (`canRebuildEvent`), and a delivery to a destination that no longer exists has nowhere to go.
 */
export async function replayOrgDeliveries(
  db: DB,
  input: {
    filter: EventLogFilter;
    deliveryIds?: string[];
    eventIds?: string[];
    now: number;
    retryHorizonMs: number;
  },
): Promise<ReplayResult> {
  const { filter } = input;
  const statuses =
    filter.outcome === 'failed' || filter.outcome === 'dead' ? [filter.outcome] : [...REPLAYABLE_STATUSES];
  let query = db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_pk')
    .leftJoin('destinations as dst', 'dst.id', 'd.destination_id')
    .select([
      'd.id',
      'e.match_keys',
      'e.source',
      'dst.id as destination_exists',
      sql<number>`case when e.pii_sealed is null and e.pii_slot is null then 0 else 1 end`.as('sealed'),
    ])
    .where('d.org_id', '=', filter.orgId)
    // The replayable statuses as constants too: the (org_id, status) index holds only those rows
    // (partial, migration 0005) and SQLite uses it only when the query repeats its condition.
    .where(sql<boolean>`d.status in (${sql.join(REPLAYABLE_STATUSES.map((s) => sql.lit(s)))})`)
    .where('d.status', 'in', statuses)
    // Outcome and destination type select deliveries here, not events.
    .where((eb) => eventConditions(eb, { ...filter, outcome: undefined, destinationType: undefined }));
  if (filter.destinationType) query = query.where('d.destination_type', '=', filter.destinationType);
  if (input.deliveryIds)
    query = query.where('d.id', 'in', input.deliveryIds.length ? input.deliveryIds : ['']);
  if (input.eventIds) query = query.where('d.event_pk', 'in', input.eventIds.length ? input.eventIds : ['']);
  const rows = await query.execute();
  const replayable = rows
    .filter((r) => r.destination_exists !== null)
    .filter((r) =>
      canRebuildEvent({ sealed: Number(r.sealed) === 1, matchKeys: r.match_keys, source: r.source }),
    )
    .map((r) => r.id);
  let replayed = 0;
  for (let i = 0; i < replayable.length; i += CHUNK) {
    // One statement per former status, so the counters know which one each row leaves.
    for (const status of statuses) {
      const moved = await db
        .updateTable('deliveries')
        .set({
          status: 'pending',
          next_attempt_at: input.now,
          give_up_at: input.now + input.retryHorizonMs,
          final_at: null,
          lease_owner: null,
          lease_expires_at: null,
          updated_at: input.now,
        })
        .where('id', 'in', replayable.slice(i, i + CHUNK))
        .where('org_id', '=', filter.orgId)
        // A concurrent replay of the same rows counts them once.
        .where('status', '=', status)
        .returning(COUNTED_COLUMNS)
        .execute();
      await countMoves(db, moved, status);
      replayed += moved.length;
    }
  }
  return { matched: rows.length, replayed, unavailable: rows.length - replayable.length };
}
