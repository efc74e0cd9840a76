/**
 * The event log as the management API shows it: commerce data as sent, the *names* of the match keys that
 * were present, and per-destination outcomes with their attempt traces. Personal data never appears: it
 * is sealed in the database, and only whether it is still held is said. Query strings are cut from page
 * URLs, because shops put e-mail addresses and order keys there.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { EVENT_NAMES } from '../../destinations/types.js';
import { ApiError } from '../../errors.js';
import { ConsentViewSchema, consentView } from '../../ingest/consent.js';
import { EVENT_SOURCES } from '../../ingest/prepare.js';
import { matchKeyNames } from '../../ingest/sealed-payload.js';
import { decodePageCursor, encodePageCursor } from '../../lib/page-cursor.js';
import type { EventLogCursor, EventLogEntry, EventLogFilter } from '../../storage/repos/event-log.js';
import { iso } from '../domains/views.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'skipped', 'dead'] as const;

/** The filters shared by the list's query string and the replay body. */
export const EventFilterFields = {
  domainId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'Only this domain (dom_…).' }),
  ),
  eventName: Type.Optional(Type.Union(EVENT_NAMES.map((n) => Type.Literal(n)))),
  eventId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Only events with this dedup id (eventId as sent).',
    }),
  ),
  source: Type.Optional(
    Type.Union(
      EVENT_SOURCES.map((s) => Type.Literal(s)),
      {
        description: 'PROXY (/v1/events), PMW (/v1/pmw-events), SYNC (plugin backend), API, PIXEL, WEBHOOK.',
      },
    ),
  ),
  outcome: Type.Optional(
    Type.Union(
      DELIVERY_STATUSES.map((s) => Type.Literal(s)),
      { description: 'Events with at least one delivery in this state (to destinationType, when given).' },
    ),
  ),
  destinationType: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9_.-]{1,40}$',
      description: 'Events with a delivery to this type (meta, …).',
    }),
  ),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or after (ISO 8601).' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Received before (ISO 8601).' })),
};

export interface FilterInput {
  domainId?: string | undefined;
  eventName?: string | undefined;
  eventId?: string | undefined;
  source?: string | undefined;
  outcome?: (typeof DELIVERY_STATUSES)[number] | undefined;
  destinationType?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function toFilter(orgId: string, input: FilterInput): EventLogFilter {
  const filter: EventLogFilter = { orgId };
  if (input.domainId) filter.domainId = input.domainId;
  if (input.eventName) filter.eventName = input.eventName;
  if (input.eventId) filter.eventId = input.eventId;
  if (input.source) filter.source = input.source;
  if (input.outcome) filter.outcome = input.outcome;
  if (input.destinationType) filter.destinationType = input.destinationType;
  if (input.from) filter.from = Date.parse(input.from);
  if (input.to) filter.to = Date.parse(input.to);
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
    throw new ApiError('validation_failed', 'from must be before to', { field: 'from', reason: 'from ≥ to' });
  }
  return filter;
}

/** Opaque to clients (src/lib/page-cursor.ts). */
export function encodeCursor(cursor: EventLogCursor): string {
  return encodePageCursor({ at: cursor.receivedAt, id: cursor.id });
}

export function decodeCursor(value: string): EventLogCursor {
  const position = decodePageCursor(value, 'evt');
  if (!position)
    throw new ApiError('validation_failed', 'cursor is not valid', {
      field: 'cursor',
      reason: 'not a cursor',
    });
  return { receivedAt: position.at, id: position.id };
}

const AttemptSchema = Type.Object({
  attempt: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  statusCode: Nullable(Type.Integer()),
  outcome: Type.String({
    description: 'delivered, retry, throttled, rejected, skipped, dead, timeout or network',
  }),
  message: Nullable(Type.String({ description: 'The platform’s own message, or why.' })),
});

export const EventDeliverySchema = Type.Object({
  id: Type.String({ description: 'dlv_…' }),
  destinationId: Type.String(),
  destinationType: Type.String(),
  status: Type.String({ description: 'pending, delivered, failed, skipped or dead' }),
  attempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time', description: 'While pending.' })),
  finalAt: Nullable(Type.String({ format: 'date-time' })),
  trace: Type.Array(AttemptSchema),
});

export const EventLogItemSchema = Type.Object({
  id: Type.String({ description: 'evt_…' }),
  eventId: Type.String({ description: 'The dedup id shared with the browser pixel.' }),
  eventName: Type.String(),
  customEventName: Nullable(Type.String()),
  source: Type.String(),
  domain: Type.Object({ id: Type.String(), host: Nullable(Type.String()) }),
  eventTime: Type.String({ format: 'date-time' }),
  receivedAt: Type.String({ format: 'date-time' }),
  eventSourceUrl: Nullable(Type.String({ description: 'Without query string and fragment.' })),
  customData: Nullable(Type.Unknown({ description: 'Commerce data as sent.' })),
  matchKeys: Type.Array(Type.String(), {
    description: 'Names of the personal fields that were present (no values).',
  }),
  consent: ConsentViewSchema,
  personalData: Type.Union([Type.Literal('sealed'), Type.Literal('erased'), Type.Literal('none')], {
    description: 'sealed: still held encrypted for pending deliveries; erased: deleted once all were final.',
  }),
  deliveries: Type.Array(EventDeliverySchema),
});
export type EventLogItem = Static<typeof EventLogItemSchema>;

function pageUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url.split(/[?#]/)[0] ?? null;
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function eventLogItem(entry: EventLogEntry): EventLogItem {
  const { event } = entry;
  return {
    id: event.id,
    eventId: event.event_id,
    eventName: event.event_name,
    customEventName: event.custom_event_name,
    source: event.source,
    domain: { id: event.domain_id, host: event.deleted_host ?? event.host },
    eventTime: iso(event.event_time * 1000)!,
    receivedAt: iso(event.received_at)!,
    eventSourceUrl: pageUrl(event.event_source_url),
    customData: parseJson(event.custom_data),
    matchKeys: matchKeyNames(event.match_keys),
    consent: consentView(event.consent),
    personalData: event.sealed ? 'sealed' : event.pii_erased_at !== null ? 'erased' : 'none',
    deliveries: entry.deliveries.map(({ delivery, attempts }) => ({
      id: delivery.id,
      destinationId: delivery.destination_id,
      destinationType: delivery.destination_type,
      status: delivery.status,
      attempts: delivery.attempts,
      lastStatusCode: delivery.last_status_code,
      lastError: delivery.last_error,
      nextAttemptAt: delivery.status === 'pending' ? iso(delivery.next_attempt_at) : null,
      finalAt: iso(delivery.final_at),
      trace: attempts.map((a) => ({
        attempt: a.attempt,
        at: iso(a.at)!,
        statusCode: a.status_code,
        outcome: a.outcome,
        message: a.message,
      })),
    })),
  };
}
