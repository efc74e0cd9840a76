import type { Classification, HttpResponse } from '../contract.js';
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

const OK = 0;
/** "Partial success": [RT] treats it as success; TikTok's semantics are unconfirmed. */
const PARTIAL_OK = 20001;
const TOO_MANY_REQUESTS = 40100;
/** No permission on the pixel (bad pixel/token pairing). */
const NO_PERMISSION = 40001;

/**
 * TikTok answers HTTP 200 even for errors; the JSON `code` is the verdict. The 401xx block other
 * than 40100 is authentication (40105: token incorrect or revoked); other 4xxxx are request errors
 * (40002: parameter error); 5xxxx are TikTok-side failures.
 */
export function classifyTiktok(response: HttpResponse): Classification {
  const body = jsonBody(response);
  const code = numberField(body, 'code');
  if (code === undefined) {
    // TikTok always sends a `code`; a 2xx without one came from something else (a proxy page).
    if (response.status >= 200 && response.status < 300) return retry(response, statusMessage(response));
    return classifyByStatus(response, statusMessage(response));
  }
  if (response.status === 429) return throttled(response, statusMessage(response));
  if (code === OK || code === PARTIAL_OK) return { kind: 'delivered' };

  const requestId = stringField(body, 'request_id');
  const message = truncate(
    `${stringField(body, 'message') ?? 'TikTok error'} (code ${code}${requestId === undefined ? '' : `, request_id ${requestId}`})`,
  );
  if (code === TOO_MANY_REQUESTS) return throttled(response, message);
  if (code === NO_PERMISSION || (code > 40100 && code < 40200))
    return { kind: 'rejected', message, credentials: true };
  if (code >= 40000 && code < 50000) return { kind: 'rejected', message, credentials: false };
  if (code >= 50000 && code < 60000) return retry(response, message);
  // An unknown code: let the HTTP status speak, and retry when it claims success.
  if (response.status >= 200 && response.status < 300) return retry(response, message);
  return classifyByStatus(response, message);
}
