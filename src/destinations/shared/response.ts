import type { Classification, HttpResponse } from '../contract.js';
import { isJsonObject, type JsonObject } from './json.js';

const MAX_MESSAGE = 500;

/** The response body as a JSON object, or undefined when it is empty, not JSON or not an object. */
export function jsonBody(response: HttpResponse): JsonObject | undefined {
  try {
    const parsed: unknown = JSON.parse(response.body);
    return isJsonObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function stringField(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function numberField(object: JsonObject | undefined, key: string): number | undefined {
  const value = object?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A message for the event outcome: the platform's words, bounded so a huge HTML page cannot flood it. */
export function truncate(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
}

/** `HTTP 503: <body start>` for responses whose body has no structured message. */
export function statusMessage(response: HttpResponse): string {
  const body = response.body.trim().replace(/\s+/gu, ' ');
  return truncate(body === '' ? `HTTP ${response.status}` : `HTTP ${response.status}: ${body}`);
}

/**
 * `Retry-After` in milliseconds: delta-seconds, or an HTTP date measured against the response's own
 * `Date` header (so classification needs no clock), falling back to the current time.
 */
export function retryAfterMs(response: HttpResponse): number | undefined {
  const value = response.headers['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(?:\.\d+)?$/u.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const sent = response.headers.date === undefined ? Number.NaN : Date.parse(response.headers.date);
  const now = Number.isNaN(sent) ? Date.now() : sent;
  return Math.max(0, at - now);
}

export function throttled(response: HttpResponse, message: string): Classification {
  const delay = retryAfterMs(response);
  return delay === undefined
    ? { kind: 'throttled', message }
    : { kind: 'throttled', message, retryAfterMs: delay };
}

export function retry(response: HttpResponse, message: string): Classification {
  const delay = retryAfterMs(response);
  return delay === undefined ? { kind: 'retry', message } : { kind: 'retry', message, retryAfterMs: delay };
}

/**
 * The verdict from the HTTP status alone, for responses a platform-specific rule did not settle:
 * 2xx delivered; 429 throttled; 401/403 bad credentials; 408 and 5xx retry; other 4xx permanent;
 * anything else (1xx/3xx, odd proxies) unknown, hence retry.
 */
export function classifyByStatus(response: HttpResponse, message: string): Classification {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 429) return throttled(response, message);
  if (status === 401 || status === 403) return { kind: 'rejected', message, credentials: true };
  if (status === 408 || status >= 500) return retry(response, message);
  if (status >= 400) return { kind: 'rejected', message, credentials: false };
  return retry(response, message);
}
