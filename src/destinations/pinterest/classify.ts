import type { Classification, HttpRequest, HttpResponse } from '../contract.js';
import { isJsonObject, type JsonObject } from '../shared/json.js';
import {
  classifyByStatus,
  jsonBody,
  numberField,
  retry,
  statusMessage,
  stringField,
  throttled,
  truncate,
} from '../shared/response.js';

function pinterestMessage(body: JsonObject | undefined, response: HttpResponse): string {
  const message = stringField(body, 'message');
  if (message === undefined) return statusMessage(response);
  const code = numberField(body, 'code');
  const details = body?.details;
  const detail = Array.isArray(details) && details.length > 0 ? ` ${JSON.stringify(details)}` : '';
  return truncate(`${message}${code === undefined ? '' : ` (code ${code})`}${detail}`);
}

/**
 * 200 carries one result per event (`events[i]` answers `data[i]`): failed ones are reported per
 * event, the rest are delivered. 401/403 are credentials, 400/422 permanent, 429 throttled,
 * 5xx (503 "ramped down" included) retried.
 */
export function classifyPinterest(response: HttpResponse, request: HttpRequest): Classification {
  const body = jsonBody(response);
  if (response.status >= 200 && response.status < 300) {
    const results = body?.events;
    if (!Array.isArray(results)) return { kind: 'delivered' };
    const failures: Array<{ ref: string; message: string }> = [];
    results.forEach((result, index) => {
      const ref = request.refs[index];
      if (ref === undefined || !isJsonObject(result) || result.status !== 'failed') return;
      failures.push({ ref, message: truncate(stringField(result, 'error_message') ?? 'event failed') });
    });
    return failures.length === 0 ? { kind: 'delivered' } : { kind: 'partial', failures };
  }
  const message = pinterestMessage(body, response);
  if (response.status === 429) return throttled(response, message);
  if (response.status >= 500) return retry(response, message);
  return classifyByStatus(response, message);
}
