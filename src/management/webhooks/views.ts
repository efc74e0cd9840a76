/** What the management API and the CLI show of webhook endpoints, messages and attempts. */
import { type Static, Type } from 'typebox';
import type {
  WebhookAttemptRow,
  WebhookEndpointRow,
  WebhookMessageRow,
} from '../../storage/repos/webhooks.js';
import { WEBHOOK_EVENT_TYPE_NAMES, WEBHOOK_EVENT_TYPES } from '../../webhooks/events.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const WebhookEventTypeSchema = Type.Enum([...WEBHOOK_EVENT_TYPE_NAMES], {
  description: WEBHOOK_EVENT_TYPE_NAMES.map((t) => `${t}: ${WEBHOOK_EVENT_TYPES[t]}`).join(' '),
});

export const WebhookEndpointSchema = Type.Object({
  id: Type.String({ description: 'whe_…' }),
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(WebhookEventTypeSchema),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.Literal('gone'), Type.Literal('failing'), Type.Null()], {
    description:
      'Why Tagbridge disabled it: gone (it answered 410), failing (no success for 5 days); null when enabled or disabled by a person.',
  }),
  failingSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'First failed attempt since the last success.',
  }),
  previousSecretValidUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'After a rotation: until then, messages carry a second signature made with the old secret.',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type WebhookEndpointBody = Static<typeof WebhookEndpointSchema>;

export function webhookEndpointBody(row: WebhookEndpointRow, now: number): WebhookEndpointBody {
  const previous = row.previous_secret_expires_at;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types.split(',').filter(Boolean) as WebhookEndpointBody['eventTypes'],
    enabled: row.enabled === 1,
    disabledReason:
      row.disabled_reason === 'gone' || row.disabled_reason === 'failing' ? row.disabled_reason : null,
    failingSince: isoOrNull(row.failing_since),
    previousSecretValidUntil:
      row.previous_secret_sealed !== null && previous !== null && previous > now ? iso(previous) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export const WebhookMessageSchema = Type.Object({
  id: Type.String({ description: 'msg_…: the webhook-id header, the same on every attempt.' }),
  endpointId: Type.String(),
  eventType: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: NullableTime,
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  finalAt: NullableTime,
  payload: Type.Unknown({ description: 'The body as sent: {"type","timestamp","data"}.' }),
});
export type WebhookMessageBody = Static<typeof WebhookMessageSchema>;

export function webhookMessageBody(row: WebhookMessageRow): WebhookMessageBody {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventType: row.event_type,
    status: row.status as WebhookMessageBody['status'],
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    finalAt: isoOrNull(row.final_at),
    payload: JSON.parse(row.payload) as unknown,
  };
}

export const WebhookAttemptSchema = Type.Object({
  id: Type.String(),
  messageId: Type.String(),
  attempt: Type.Integer({ description: '1 for the first attempt of the message.' }),
  at: Type.String({ format: 'date-time' }),
  statusCode: Type.Union([Type.Integer(), Type.Null()], {
    description: 'null: no answer (network, timeout).',
  }),
  durationMs: Type.Integer(),
  outcome: Type.Union([
    Type.Literal('delivered'),
    Type.Literal('retry'),
    Type.Literal('failed'),
    Type.Literal('gone'),
  ]),
  responseBody: Type.Union([Type.String(), Type.Null()], { description: 'The first 1 KB of the answer.' }),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type WebhookAttemptBody = Static<typeof WebhookAttemptSchema>;

export function webhookAttemptBody(row: WebhookAttemptRow): WebhookAttemptBody {
  return {
    id: row.id,
    messageId: row.message_id,
    attempt: row.attempt,
    at: iso(row.at),
    statusCode: row.status_code,
    durationMs: row.duration_ms,
    outcome: row.outcome as WebhookAttemptBody['outcome'],
    responseBody: row.response_body,
    error: row.error,
  };
}
