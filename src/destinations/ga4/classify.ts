import type { Classification, HttpRequest, HttpResponse } from '../contract.js';
import { isJsonObject } from '../shared/json.js';
import { classifyByStatus, jsonBody, statusMessage, stringField, truncate } from '../shared/response.js';

/** The path of GA4's validation endpoint; requests to it are test-mode requests. */
export const GA4_DEBUG_PATH = '/debug/mp/collect';

/**
 * `/mp/collect` answers 2xx for anything it received, valid or not (reference §1): only the status says
 * something. The validation endpoint answers `{validationMessages: [{fieldPath, description,
 * validationCode}]}`; an empty list means valid, any message means Google would drop or misread the
 * events, so the request is rejected with Google's words as the outcome.
 */
export function classifyGa4(response: HttpResponse, request: HttpRequest): Classification {
  const validating = new URL(request.url).pathname.endsWith(GA4_DEBUG_PATH);
  if (!validating || response.status < 200 || response.status >= 300) {
    return classifyByStatus(response, statusMessage(response));
  }
  const messages = jsonBody(response)?.validationMessages;
  // A validation answer without its list is not one we can read: try again rather than call it valid.
  if (!Array.isArray(messages)) return { kind: 'retry', message: statusMessage(response) };
  if (messages.length === 0) return { kind: 'delivered' };
  const described = messages.filter(isJsonObject).map((message) => {
    const code = stringField(message, 'validationCode') ?? 'INVALID';
    const path = stringField(message, 'fieldPath');
    const description = stringField(message, 'description') ?? 'invalid';
    return `${code}${path === undefined ? '' : ` ${path}`}: ${description}`;
  });
  return { kind: 'rejected', message: truncate(described.join('; ')), credentials: false };
}
