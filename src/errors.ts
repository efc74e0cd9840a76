/**
 * The one error model of every surface: `{"error":{"code","message","details"}}`. Codes are a closed set;
 * each has one HTTP status. The README's error table is checked against this list by a test.
 */
export const ERROR_CODES = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  validation_failed: 400,
  invalid_payload: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_conflict: 422,
  event_not_found: 404,
  rate_limited: 429,
  request_limit_exceeded: 429,
  domain_not_configured: 404,
  subscription_inactive: 403,
  internal_error: 500,
  service_unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  unauthenticated: 'Missing or wrong credentials (X-SSP-Token, API key, session).',
  forbidden: 'Authenticated, but not allowed to do this.',
  not_found: 'No such resource in your organization.',
  validation_failed: 'The request does not match the documented schema.',
  invalid_payload: 'Proxy: the body exceeds 100 KB, is not JSON, or fails validation.',
  payload_too_large: 'The body exceeds the endpoint limit.',
  unsupported_media_type: 'Content-Type must be application/json.',
  idempotency_conflict: 'The Idempotency-Key was used with a different body.',
  event_not_found:
    'Public API (per event, in `results`): a custom event name that is not defined and active for the org.',
  rate_limited: 'Too many requests in the current window; see Retry-After.',
  request_limit_exceeded: 'The monthly request quota of the plan is exhausted.',
  domain_not_configured: 'No domain is configured for this hostname.',
  subscription_inactive: 'The subscription is suspended or expired.',
  internal_error: 'Something broke on our side; the request was not applied.',
  service_unavailable: 'A dependency (database) is unavailable; retry later.',
};

export type ErrorDetails = Record<string, unknown>;

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.statusCode = ERROR_CODES[code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: ErrorDetails };
}

export function errorBody(code: ErrorCode, message: string, details: ErrorDetails = {}): ErrorBody {
  return { error: { code, message, details } };
}
