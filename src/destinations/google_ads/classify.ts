import type { Classification, HttpRequest, HttpResponse, JsonValue } from '../contract.js';
import { isJsonObject, type JsonObject } from '../shared/json.js';
import {
  classifyByStatus,
  jsonBody,
  retry,
  statusMessage,
  stringField,
  throttled,
  truncate,
} from '../shared/response.js';

function details(error: JsonObject): JsonObject[] {
  const list: JsonValue | undefined = error.details;
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

/** `BadRequest.fieldViolations` as `events[3].eventTimestamp: <description>`. */
function fieldViolations(error: JsonObject): string[] {
  return details(error).flatMap((detail) => {
    const violations: JsonValue | undefined = detail.fieldViolations;
    if (!Array.isArray(violations)) return [];
    return violations.filter(isJsonObject).map((violation) => {
      const field = stringField(violation, 'field');
      const description = stringField(violation, 'description') ?? 'invalid';
      return field === undefined ? description : `${field}: ${description}`;
    });
  });
}

/** `INVALID_ARGUMENT: Request contains an invalid argument. (events[0].eventTimestamp: …)` */
function errorMessage(error: JsonObject, response: HttpResponse): string {
  const status = stringField(error, 'status');
  const message = stringField(error, 'message') ?? `HTTP ${response.status}`;
  const violations = fieldViolations(error);
  return truncate(
    `${status === undefined ? '' : `${status}: `}${message}${violations.length > 0 ? ` (${violations.join('; ')})` : ''}`,
  );
}

function validatedOnly(request: HttpRequest): boolean {
  return isJsonObject(request.body) && request.body.validateOnly === true;
}

/**
 * Data Manager answers 200 `{requestId}` when it took the request (the per-record outcome comes later,
 * asynchronously, from `requestStatus:retrieve`, which is not polled yet), and a Google error
 * `{error: {code, message, status, details}}` otherwise (reference §2.1). It fails fast: one bad record
 * rejects the whole request (400 INVALID_ARGUMENT, not the credentials), so the worker bisects it down to
 * that record, which keeps Google's field violation as its outcome.
 */
export function classifyGoogleAds(response: HttpResponse, request: HttpRequest): Classification {
  const body = jsonBody(response);
  const ok = response.status >= 200 && response.status < 300;
  if (ok) {
    const requestId = stringField(body, 'requestId');
    if (validatedOnly(request)) {
      return {
        kind: 'delivered',
        message: `validated only (validateOnly): Google found no error and recorded nothing${requestId === undefined ? '' : `; request ${requestId}`}`,
      };
    }
    return requestId === undefined
      ? { kind: 'delivered' }
      : { kind: 'delivered', message: `request ${requestId}` };
  }
  const error = isJsonObject(body?.error) ? body.error : undefined;
  if (error === undefined) return classifyByStatus(response, statusMessage(response));
  const message = errorMessage(error, response);
  switch (stringField(error, 'status')) {
    case 'INVALID_ARGUMENT':
      return { kind: 'rejected', message, credentials: false };
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
      return { kind: 'rejected', message, credentials: true };
    case 'RESOURCE_EXHAUSTED':
      return throttled(response, message);
    case 'DEADLINE_EXCEEDED':
    case 'UNAVAILABLE':
    case 'INTERNAL':
    case 'ABORTED':
      return retry(response, message);
    default:
      return classifyByStatus(response, message);
  }
}
