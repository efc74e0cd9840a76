import type { Classification, HttpRequest, HttpResponse, JsonValue } from '../contract.js';
import { isJsonObject, type JsonObject } from '../shared/json.js';
import {
  classifyByStatus,
  jsonBody,
  numberField,
  retry,
  statusMessage,
  stringField,
  truncate,
} from '../shared/response.js';

/** `data[3].eventTime` → 3, for details that name the event only in their property path. */
function indexOf(detail: JsonObject): number | undefined {
  const index = numberField(detail, 'index');
  if (index !== undefined) return index;
  const match = /^data\[(\d+)\]/u.exec(stringField(detail, 'propertyName') ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function detailMessage(detail: JsonObject): string {
  const property = stringField(detail, 'propertyName');
  const message = stringField(detail, 'errorMessage') ?? 'invalid';
  return property === undefined ? message : `${property}: ${message}`;
}

function details(error: JsonObject): JsonObject[] {
  const list: JsonValue | undefined = error.details;
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

/** `ValidationError: One or more validation errors occurred. (data[0].eventTime: 'eventTime' must not be empty.)` */
function errorMessage(error: JsonObject, response: HttpResponse): string {
  const code = stringField(error, 'code');
  const message = stringField(error, 'message') ?? `HTTP ${response.status}`;
  const listed = details(error).map(detailMessage);
  return truncate(
    `${code === undefined ? '' : `${code}: `}${message}${listed.length > 0 ? ` (${listed.join('; ')})` : ''}`,
  );
}

/** Per-event failures from `details`, by the request's refs; undefined when no detail names an event. */
function perEvent(
  error: JsonObject,
  request: HttpRequest,
): Array<{ ref: string; message: string }> | undefined {
  const failures = new Map<string, string>();
  for (const detail of details(error)) {
    const index = indexOf(detail);
    const ref = index === undefined ? undefined : request.refs[index];
    if (ref === undefined) return undefined;
    const message = detailMessage(detail);
    const before = failures.get(ref);
    failures.set(ref, truncate(before === undefined ? message : `${before}; ${message}`));
  }
  return failures.size === 0 ? undefined : [...failures].map(([ref, message]) => ({ ref, message }));
}

function continuesOnValidationError(request: HttpRequest): boolean {
  return isJsonObject(request.body) && request.body.continueOnValidationError === true;
}

/**
 * Microsoft answers 200 `{eventsReceived}` on success and `{error: {code, message, details?}}` otherwise
 * (reference §3). A validation error lists the invalid events by index: with `continueOnValidationError`
 * the others were taken, so the answer is per event (whether that answer is a 400 or a 200 is UNCONFIRMED;
 * both are read alike); without it the whole request was voided, and the worker bisects it.
 */
export function classifyMicrosoft(response: HttpResponse, request: HttpRequest): Classification {
  const body = jsonBody(response);
  const error = isJsonObject(body?.error) ? body.error : undefined;
  const ok = response.status >= 200 && response.status < 300;
  if (error === undefined) return classifyByStatus(response, statusMessage(response));

  const message = errorMessage(error, response);
  if (ok || (response.status === 400 && continuesOnValidationError(request))) {
    const failures = perEvent(error, request);
    if (failures !== undefined) return { kind: 'partial', failures };
    // An error on a 2xx that names no event is not a success we can account for.
    if (ok) return retry(response, message);
  }
  return classifyByStatus(response, message);
}
