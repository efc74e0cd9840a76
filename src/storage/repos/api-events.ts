/**
 * Reads of the public API's event log: newest first by (received_at, id), a keyset that stays stable while
 * events keep arriving (new events are newer than any cursor, so pages neither repeat nor skip). Personal
 * data is never selected: only the names of the match keys that were present.
 */
import type { DB } from '../db.js';

export interface EventListFilter {
  orgId: string;
  domainId?: string | undefined;
  /** A standard type (`event_name`) or a custom event's name (`custom_event_name`). */
  eventName?: { eventName: string } | { customEventName: string } | undefined;
  source?: string | undefined;
  /** received_at ≥ from (ms). */
  from?: number | undefined;
  /** received_at < to (ms). */
  to?: number | undefined;
  /** Entries strictly older than this position. */
  before?: { receivedAt: number; id: string } | undefined;
  limit: number;
}

export interface EventListRow {
  id: string;
  domain_id: string;
  event_name: string;
  custom_event_name: string | null;
  event_id: string;
  source: string;
  event_time: number;
  received_at: number;
  event_source_url: string | null;
  custom_data: string | null;
  custom_data_sent: string | null;
  match_keys: string;
  consent: string | null;
}

export async function listEventsPage(db: DB, filter: EventListFilter): Promise<EventListRow[]> {
  let query = db
    .selectFrom('events')
    .select([
      'id',
      'domain_id',
      'event_name',
      'custom_event_name',
      'event_id',
      'source',
      'event_time',
      'received_at',
      'event_source_url',
      'custom_data',
      'custom_data_sent',
      'match_keys',
      'consent',
    ])
    .where('org_id', '=', filter.orgId);
  if (filter.domainId !== undefined) query = query.where('domain_id', '=', filter.domainId);
  const name = filter.eventName;
  if (name && 'eventName' in name) query = query.where('event_name', '=', name.eventName);
  if (name && 'customEventName' in name) {
    query = query.where('event_name', '=', 'Custom').where('custom_event_name', '=', name.customEventName);
  }
  if (filter.source !== undefined) query = query.where('source', '=', filter.source);
  if (filter.from !== undefined) query = query.where('received_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('received_at', '<', filter.to);
  const before = filter.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('received_at', '<', before.receivedAt),
        eb.and([eb('received_at', '=', before.receivedAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  return query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export interface DeliverySummary {
  id: string;
  event_pk: string;
  destination_id: string;
  destination_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  updated_at: number;
}

/** Each listed event's deliveries (one per destination), scoped to the org. */
export async function deliveriesOfEvents(
  db: DB,
  orgId: string,
  eventPks: string[],
): Promise<Map<string, DeliverySummary[]>> {
  const out = new Map<string, DeliverySummary[]>();
  if (eventPks.length === 0) return out;
  const rows = await db
    .selectFrom('deliveries')
    .select([
      'id',
      'event_pk',
      'destination_id',
      'destination_type',
      'status',
      'attempts',
      'last_status_code',
      'last_error',
      'updated_at',
    ])
    .where('org_id', '=', orgId)
    .where('event_pk', 'in', eventPks)
    .orderBy('destination_type')
    .execute();
  for (const row of rows) {
    const list = out.get(row.event_pk) ?? [];
    list.push(row);
    out.set(row.event_pk, list);
  }
  return out;
}

/** Whether the org has this domain (deleted ones too: their events stay readable); another org's is not. */
export async function orgDomainExists(db: DB, orgId: string, domainId: string): Promise<boolean> {
  const row = await db
    .selectFrom('domains')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', '=', domainId)
    .executeTakeFirst();
  return row !== undefined;
}
