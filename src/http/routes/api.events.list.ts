import { type Static, Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { DESTINATION_TYPES } from '../../destinations/types.js';
import { ApiError } from '../../errors.js';
import { ConsentViewSchema, consentView } from '../../ingest/consent.js';
import { EVENT_SOURCES } from '../../ingest/prepare.js';
import { matchKeyNames } from '../../ingest/sealed-payload.js';
import { readDomainScope } from '../../public-api/domain-scope.js';
import { canonicalEventName } from '../../public-api/event-schema.js';
import { decodeEventCursor, encodeEventCursor, parseTimeBound } from '../../public-api/query.js';
import { redactUrl } from '../../public-api/redact.js';
import { API_ERROR_RESPONSES, API_TAG, BEARER_SECURITY } from '../../public-api/schemas.js';
import { deliveriesOfEvents, listEventsPage } from '../../storage/repos/api-events.js';
import { auditApiRead } from '../audit-read.js';
import { requireApiKey, withoutCors } from '../auth/api-key.js';
import type { App } from '../types.js';

// MERGED: an event seen by the browser pixel and the server, merged into one (reserved; none yet).
export const EVENT_LIST_SOURCES = [...EVENT_SOURCES, 'MERGED'] as const;

export const ApiEventsListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'pagination.nextCursor of the previous page, unchanged.' }),
    ),
    eventName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'A standard type or a custom event name.' }),
    ),
    from: Type.Optional(
      Type.String({
        description: 'Arrived at or after: ISO date (start of that UTC day) or date-time with offset.',
      }),
    ),
    to: Type.Optional(
      Type.String({
        description: 'Arrived before: ISO date (through the end of that UTC day) or date-time.',
      }),
    ),
    source: Type.Optional(Type.Enum([...EVENT_LIST_SOURCES], { description: 'Where the event came from.' })),
    domainId: Type.Optional(
      Type.String({ maxLength: 100, description: 'Only this domain (org-wide keys).' }),
    ),
  },
  { additionalProperties: false },
);

export const ApiEventView = Type.Object({
  id: Type.String({ description: 'Tagbridge’s id of the stored event (evt_…).' }),
  eventId: Type.String({ description: 'The dedup id shared with the browser pixel.' }),
  eventName: Type.String({ description: 'Standard type, or Custom (see customEventName).' }),
  customEventName: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  domainId: Type.String(),
  eventTime: Type.Integer({ description: 'Unix seconds, as sent.' }),
  receivedAt: Type.String({ format: 'date-time' }),
  eventSourceUrl: Type.Union([Type.String(), Type.Null()], {
    description: 'Without click-id and e-mail query parameters.',
  }),
  matchKeys: Type.Array(Type.String(), {
    description: 'Names of the personal fields that were present (never their values).',
  }),
  customData: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'Exactly as sent.',
  }),
  consent: ConsentViewSchema,
  destinations: Type.Array(
    Type.Object({
      destinationId: Type.String(),
      type: Type.String({ description: `One of ${DESTINATION_TYPES.join(', ')}.` }),
      status: Type.String({ description: 'pending, delivered, failed, skipped or dead' }),
      attempts: Type.Integer(),
      lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
      lastError: Type.Union([Type.String(), Type.Null()], { description: 'The platform’s own message.' }),
      updatedAt: Type.String({ format: 'date-time' }),
    }),
  ),
});

export const ApiEventsListResponse = Type.Object({
  data: Type.Array(ApiEventView),
  pagination: Type.Object({
    limit: Type.Integer(),
    hasMore: Type.Boolean(),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Opaque; null on the last page.' }),
  }),
});
type ApiEventsListResponse = Static<typeof ApiEventsListResponse>;

export function registerApiEventsList(app: App, deps: AppDeps): void {
  app.get(
    '/api/v1/events',
    {
      onRequest: requireApiKey(deps, 'events:read'),
      onSend: withoutCors,
      schema: {
        summary: 'Read events, newest first',
        description:
          'Cursor-paginated event log with each destination’s outcome. Never returns cleartext personal data or click ids; customData is returned exactly as sent. Every read is recorded in the org’s audit log. Requires events:read.',
        tags: [API_TAG],
        security: BEARER_SECURITY,
        querystring: ApiEventsListQuery,
        response: { 200: ApiEventsListResponse, ...API_ERROR_RESPONSES },
      },
    },
    async (request): Promise<ApiEventsListResponse> => {
      const auth = request.apiKey!;
      const query = request.query;
      const limit = query.limit ?? 50;
      const { db } = deps.storage;
      const domainId = await readDomainScope(db, auth, query.domainId);
      const from = query.from !== undefined ? parseTimeBound(query.from, 'from') : undefined;
      const to = query.to !== undefined ? parseTimeBound(query.to, 'to') : undefined;
      if (from !== undefined && to !== undefined && from >= to) {
        throw new ApiError('validation_failed', 'from must be before to', { field: 'from' });
      }
      const rows = await listEventsPage(db, {
        orgId: auth.orgId,
        domainId,
        eventName: query.eventName !== undefined ? canonicalEventName(query.eventName) : undefined,
        source: query.source,
        from,
        to,
        before: query.cursor !== undefined ? decodeEventCursor(query.cursor) : undefined,
        // One more than asked says whether another page follows.
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const deliveries = await deliveriesOfEvents(
        db,
        auth.orgId,
        page.map((r) => r.id),
      );
      const last = page[page.length - 1];
      const hasMore = rows.length > limit;
      await auditApiRead(deps, request, {
        action: 'api.events.read',
        endpoint: 'GET /api/v1/events',
        filters: {
          limit,
          eventName: query.eventName,
          from: query.from,
          to: query.to,
          source: query.source,
          domainId: query.domainId,
          cursor: query.cursor !== undefined ? true : undefined,
        },
        rowCount: page.length,
      });
      return {
        data: page.map((row) => {
          const customData = row.custom_data_sent ?? row.custom_data;
          return {
            id: row.id,
            eventId: row.event_id,
            eventName: row.event_name,
            customEventName: row.custom_event_name,
            source: row.source,
            domainId: row.domain_id,
            eventTime: Number(row.event_time),
            receivedAt: new Date(Number(row.received_at)).toISOString(),
            eventSourceUrl: row.event_source_url ? redactUrl(row.event_source_url) : null,
            matchKeys: matchKeyNames(row.match_keys),
            customData: customData ? (JSON.parse(customData) as Record<string, unknown>) : null,
            consent: consentView(row.consent),
            destinations: (deliveries.get(row.id) ?? []).map((d) => ({
              destinationId: d.destination_id,
              type: d.destination_type,
              status: d.status,
              attempts: d.attempts,
              lastStatusCode: d.last_status_code,
              lastError: d.last_error,
              updatedAt: new Date(Number(d.updated_at)).toISOString(),
            })),
          };
        }),
        pagination: {
          limit,
          hasMore,
          nextCursor:
            hasMore && last ? encodeEventCursor({ receivedAt: Number(last.received_at), id: last.id }) : null,
        },
      };
    },
  );
}
