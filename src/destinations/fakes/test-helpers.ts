/** Helpers for the fakes' own tests (not a test file itself). */
import { createHash } from 'node:crypto';

/** A fixed clock, so event-age tests don't depend on when they run. */
export const NOW_MS = Date.UTC(2026, 10, 22, 12, 0, 0);
export const NOW_S = Math.floor(NOW_MS / 1000);
export const clock = (): number => NOW_MS;
export const HOUR_S = 3600;
export const DAY_S = 24 * HOUR_S;

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export const EMAIL_HASH = sha256('john_smith@gmail.com');
export const PHONE_HASH = sha256('16505551212');
export const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15';
export const IP = '203.0.113.42';

export interface TestResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function post(
  url: string,
  body: unknown,
  init: { headers?: Record<string, string>; raw?: string; signal?: AbortSignal } = {},
): Promise<TestResponse> {
  const request: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ?? JSON.stringify(body),
  };
  if (init.signal !== undefined) request.signal = init.signal;
  const response = await fetch(url, request);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // Keep the text: some assertions are about non-JSON answers.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** `pick(body, 'error.code')`, `pick(body, 'events.0.status')`. */
export function pick(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The message text a test asserts on: the whole body, so any field naming the problem counts. */
export function text(value: unknown): string {
  return JSON.stringify(value);
}

export function repeat<T>(count: number, make: (i: number) => T): T[] {
  return Array.from({ length: count }, (_, i) => make(i));
}
