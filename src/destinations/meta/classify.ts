import type { Classification, HttpResponse } from '../contract.js';
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

// Graph API error codes (Graph "Handling Errors" and the reference's retry table).
/** Rate limiting: 4 app, 17 user, 341 app limit, 613 call rate, 80003 ad account; 368 temporarily blocked. */
const THROTTLE_CODES = new Set([4, 17, 341, 368, 613, 80003]);
/** Unknown (1), service (2), data set upload not ready (21009): Meta says retry. */
const TRANSIENT_CODES = new Set([1, 2, 21009]);
/** Expired or invalid token (190, 102) and missing permission (10): an operator must act. */
const CREDENTIAL_CODES = new Set([10, 102, 190]);
/** `code 100, subcode 33`: the pixel does not exist or the token cannot see it. */
const UNKNOWN_OBJECT_SUBCODE = 33;

function metaMessage(error: JsonObject, response: HttpResponse): string {
  const parts = [stringField(error, 'message') ?? `HTTP ${response.status}`];
  const title = stringField(error, 'error_user_title');
  const detail = stringField(error, 'error_user_msg');
  if (title !== undefined || detail !== undefined)
    parts.push(`— ${[title, detail].filter(Boolean).join(': ')}`);
  const code = numberField(error, 'code');
  const subcode = numberField(error, 'error_subcode');
  const trace = stringField(error, 'fbtrace_id');
  const tags = [
    code === undefined ? undefined : `code ${code}`,
    subcode === undefined ? undefined : `subcode ${subcode}`,
    trace === undefined ? undefined : `fbtrace_id ${trace}`,
  ].filter((tag): tag is string => tag !== undefined);
  if (tags.length > 0) parts.push(`(${tags.join(', ')})`);
  return truncate(parts.join(' '));
}

/**
 * Meta answers `{events_received, …}` on success and `{error: {code, error_subcode, is_transient, …}}`
 * on failure; the code decides the class, the HTTP status only when the code says nothing.
 */
export function classifyMeta(response: HttpResponse): Classification {
  const body = jsonBody(response);
  const error = body?.error;
  if (!isJsonObject(error)) return classifyByStatus(response, statusMessage(response));

  const message = metaMessage(error, response);
  const code = numberField(error, 'code');
  const subcode = numberField(error, 'error_subcode');
  if (response.status === 429 || (code !== undefined && THROTTLE_CODES.has(code))) {
    return throttled(response, message);
  }
  if (error.is_transient === true || (code !== undefined && TRANSIENT_CODES.has(code))) {
    return retry(response, message);
  }
  if (
    code !== undefined &&
    (CREDENTIAL_CODES.has(code) ||
      (code >= 200 && code <= 299) ||
      (code === 100 && subcode === UNKNOWN_OBJECT_SUBCODE))
  ) {
    return { kind: 'rejected', message, credentials: true };
  }
  // Other code-100 errors are validation failures (too old, bad parameter): resending cannot help.
  if (code === 100) return { kind: 'rejected', message, credentials: false };
  // An error object on a 2xx is not a success; an unknown code on a 4xx is a permanent client error.
  if (response.status >= 200 && response.status < 300) return retry(response, message);
  return classifyByStatus(response, message);
}
