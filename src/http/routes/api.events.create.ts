import { type Static, Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError, ERROR_CODES } from '../../errors.js';
import { ApiEventsBodySchema } from '../../public-api/event-schema.js';
import { ingestApiEvents } from '../../public-api/ingest.js';
import { API_ERROR_RESPONSES, API_TAG, BEARER_SECURITY, ErrorResponse } from '../../public-api/schemas.js';
import { requireApiKey, withoutCors } from '../auth/api-key.js';
import type { App } from '../types.js';
import { compileRouteValidator } from '../validation.js';

const MAX_EVENTS = 100;

export const ApiEventResult = Type.Object({
  index: Type.Integer({ description: 'Position of the event in the request (0 for a single object).' }),
  eventId: Type.Union([Type.String(), Type.Null()], {
    description:
      'The event id used for deduplication. Without one sent: purchase_<orderId> for a Purchase with an orderId, else fp_ + 32 hex characters derived from the event’s fingerprint.',
  }),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('failed')], {
    description:
      'accepted: stored and queued for delivery; duplicate: the same eventId (or, without an eventId, the same event) arrived within 20 minutes — not stored again, not counted, not sent; failed: see error (only in an array: a single event object that fails is answered with the error itself).',
  }),
  error: Type.Optional(
    Type.Object({
      code: Type.Enum(Object.keys(ERROR_CODES)),
      message: Type.String(),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});

export const ApiEventsCreateResponse = Type.Object({
  success: Type.Boolean({
    description:
      'true when no event failed. Accepted events stand either way; resending the whole batch is safe.',
  }),
  duplicate: Type.Boolean({ description: 'true when every event was a duplicate (nothing new was stored).' }),
  summary: Type.Object({
    accepted: Type.Integer(),
    duplicate: Type.Integer(),
    failed: Type.Integer(),
  }),
  results: Type.Array(ApiEventResult),
});
export type ApiEventsCreateResponse = Static<typeof ApiEventsCreateResponse>;

function envelope(body: unknown): unknown[] {
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0 || events.length > MAX_EVENTS) {
    throw new ApiError(
      'validation_failed',
      `Send one event object or an array of 1 to ${MAX_EVENTS} events`,
      {
        field: '(body)',
        count: events.length,
      },
    );
  }
  const bad = events.findIndex((e) => e === null || typeof e !== 'object' || Array.isArray(e));
  if (bad >= 0) {
    throw new ApiError('validation_failed', 'Each event must be a JSON object', {
      field: Array.isArray(body) ? `[${bad}]` : '(body)',
      index: bad,
    });
  }
  return events;
}

export function registerApiEventsCreate(app: App, deps: AppDeps): void {
  app.post(
    '/api/v1/events',
    {
      bodyLimit: deps.config.api.bodyLimitBytes,
      onRequest: requireApiKey(deps, 'events:write'),
      onSend: withoutCors,
      config: { ingestBody: true },
      // Each event is validated on its own (one bad event must not fail the others); the schema below
      // documents the body, the handler checks the envelope.
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : compileRouteValidator(route)),
      schema: {
        summary: 'Create events (one, or up to 100)',
        description:
          'Events flow into the same validation, deduplication, storage and delivery pipeline as the proxy (source API). userData is sent in cleartext and hashed per platform at delivery. eventTime must lie within [now − 86400, now + 300]. The same eventId within 20 minutes is a duplicate; so is the same event sent again without an eventId (its fingerprint). An array answers 200 with one result per event (partial success); a single event object that cannot be accepted answers the error body with its status (400 validation_failed, 404 event_not_found, …). Requires events:write.',
        tags: [API_TAG],
        security: BEARER_SECURITY,
        headers: Type.Object({
          'idempotency-key': Type.Optional(
            Type.String({
              description:
                '1–255 visible ASCII characters. Same key and body within 24 h: the stored response.',
            }),
          ),
        }),
        body: ApiEventsBodySchema,
        response: {
          200: ApiEventsCreateResponse,
          ...API_ERROR_RESPONSES,
          413: ErrorResponse,
          422: ErrorResponse,
        },
      },
    },
    async (request): Promise<ApiEventsCreateResponse> => {
      const auth = request.apiKey!;
      const events = envelope(request.body as unknown);
      const results = await ingestApiEvents(deps, auth, events);
      // One event sent as an object: its failure is the request's failure, with the error's own status —
      // a 200 carrying `success: false` loses events for clients that only look at the status. An array
      // (even of one) is a bulk request and keeps its per-event results.
      const [single] = results;
      if (!Array.isArray(request.body) && single?.status === 'failed' && single.error) {
        const { code, message, details } = single.error;
        throw new ApiError(code, message, details);
      }
      const count = (status: string): number => results.filter((r) => r.status === status).length;
      const summary = { accepted: count('accepted'), duplicate: count('duplicate'), failed: count('failed') };
      return {
        success: summary.failed === 0,
        duplicate: summary.duplicate === results.length,
        summary,
        results,
      };
    },
  );
}
