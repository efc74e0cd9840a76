import type { Classification, HttpResponse } from '../contract.js';
import { isJsonObject, type JsonObject } from '../shared/json.js';
import { classifyByStatus, jsonBody, statusMessage, stringField, truncate } from '../shared/response.js';

/** Reddit's message: top-level `message`, `error.explanation`/`reason`, plus each invalid event's error. */
function redditMessage(body: JsonObject | undefined, response: HttpResponse): string {
  if (body === undefined) return statusMessage(response);
  const error = isJsonObject(body.error) ? body.error : undefined;
  const head =
    stringField(body, 'message') ??
    stringField(error, 'explanation') ??
    stringField(error, 'message') ??
    stringField(error, 'reason') ??
    stringField(body, 'error');
  if (head === undefined) return statusMessage(response);
  const invalid = Array.isArray(body.invalid_events) ? body.invalid_events : [];
  const reasons = invalid
    .map((item) => (isJsonObject(item) ? stringField(item, 'error_message') : undefined))
    .filter((reason): reason is string => reason !== undefined);
  return truncate(reasons.length === 0 ? head : `${head} ${reasons.join('; ')}`);
}

/**
 * Reddit v3 error bodies are unconfirmed (reference §5); the HTTP status decides: 401/403 credentials,
 * 400 permanent, 429 throttled, 5xx retried. A 2xx listing invalid events means none were processed
 * (Reddit fails the batch as a whole), so it is permanent too.
 */
export function classifyReddit(response: HttpResponse): Classification {
  const body = jsonBody(response);
  const message = redditMessage(body, response);
  const invalid = body?.invalid_events;
  if (response.status >= 200 && response.status < 300 && Array.isArray(invalid) && invalid.length > 0) {
    return { kind: 'rejected', message, credentials: false };
  }
  return classifyByStatus(response, message);
}
