import type { Classification, HttpRequest, HttpResponse } from '../contract.js';
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

function errorMessages(source: JsonObject): string[] {
  const errors = source.errors;
  if (!isJsonObject(errors) || !Array.isArray(errors.error_msgs)) return [];
  return errors.error_msgs.filter((item): item is string => typeof item === 'string');
}

function snapMessage(body: JsonObject, response: HttpResponse, request: HttpRequest): string {
  let message =
    stringField(body, 'reason') ?? `Snap answered ${String(body.status ?? `HTTP ${response.status}`)}`;
  const index = body.event;
  if (typeof index === 'number') {
    const ref = request.refs[index];
    message += ref === undefined ? ` (event ${index})` : ` (event ${index}, ref ${ref})`;
  }
  const messages = errorMessages(body);
  if (messages.length > 0) message += `: ${messages.join('; ')}`;
  return truncate(message);
}

/**
 * Snap answers `{status: VALID|INVALID, reason, event?, errors?}`; the validate endpoint adds
 * `event_logs` with one verdict per event, reported per event. An INVALID live request fails as a
 * whole: Snap does not say the other events were kept, so none are claimed delivered.
 */
export function classifySnapchat(response: HttpResponse, request: HttpRequest): Classification {
  const body = jsonBody(response);
  const status = body?.status;
  if (response.status === 429)
    return throttled(response, body ? snapMessage(body, response, request) : statusMessage(response));
  if (response.status >= 500)
    return retry(response, body ? snapMessage(body, response, request) : statusMessage(response));
  if (body === undefined || typeof status !== 'string')
    return classifyByStatus(response, statusMessage(response));

  if (Array.isArray(body.event_logs)) {
    const failures: Array<{ ref: string; message: string }> = [];
    for (const log of body.event_logs) {
      if (!isJsonObject(log) || typeof log.event !== 'number') continue;
      const ref = request.refs[log.event];
      const messages = errorMessages(log);
      if (ref === undefined || (messages.length === 0 && log.status !== 'INVALID')) continue;
      failures.push({ ref, message: truncate(messages.join('; ') || 'INVALID') });
    }
    if (failures.length > 0) return { kind: 'partial', failures };
  }
  if ((status === 'VALID' || status === 'SUCCESS') && response.status < 300) return { kind: 'delivered' };
  const message = snapMessage(body, response, request);
  if (response.status === 401 || response.status === 403)
    return { kind: 'rejected', message, credentials: true };
  return { kind: 'rejected', message, credentials: false };
}
