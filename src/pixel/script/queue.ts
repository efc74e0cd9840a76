/**
 * The pixel's sending rules as pure functions (no DOM), so node tests can check them: how much of the
 * queue goes in one request, how long to wait before a retry, which answers are worth retrying.
 */

/** Events held in memory at most (before consent, or while the network fails); the oldest go first. */
export const MAX_QUEUE = 200;
/** Events per request: the collect endpoint takes 1..50. */
export const MAX_BATCH_EVENTS = 50;
/** Serialized events per request: well under the endpoint's 64 KB and keepalive's 64 KB in-flight budget. */
export const MAX_BATCH_BYTES = 40_000;
/** Attempts of one batch before it is given up (and counted as an error). */
export const MAX_ATTEMPTS = 5;
/** How long events wait for company before a request leaves (ms). */
export const FLUSH_DELAY_MS = 250;

/** What is sent as `page`: the URL the events happened on (click ids and UTM are read from it). */
export interface Page {
  url: string;
  referrer: string;
  title: string;
}

export interface QueuedEvent {
  page: Page;
  /** The event as JSON (serialized once, when tracked: a later change to the caller's object cannot leak in). */
  json: string;
}

/** Appends `item`; beyond `max` drops from the head (the oldest). Returns how many were dropped. */
export function pushBounded<T>(list: T[], item: T, max: number): number {
  list.push(item);
  const over = list.length - max;
  if (over > 0) list.splice(0, over);
  return Math.max(over, 0);
}

/**
 * How many events from the head make the next request: those on the same page as the first (a request
 * carries one `page`, and the server reads click ids from it), at most `maxEvents`, at most `maxBytes` of
 * event JSON — but always at least one, so an oversized event is sent (and refused) rather than stuck.
 */
export function batchLength(
  queue: readonly QueuedEvent[],
  maxEvents = MAX_BATCH_EVENTS,
  maxBytes = MAX_BATCH_BYTES,
): number {
  const first = queue[0];
  if (!first) return 0;
  let bytes = first.json.length;
  let n = 1;
  while (n < queue.length && n < maxEvents) {
    const next = queue[n]!;
    if (next.page.url !== first.page.url || bytes + next.json.length > maxBytes) break;
    bytes += next.json.length;
    n++;
  }
  return n;
}

/** Network failures (status 0), timeouts, throttling and server errors are retried; other answers are final. */
export function retryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/**
 * Wait before attempt `attempt + 1` (attempt ≥ 1): 1 s, 2 s, 4 s… capped at 30 s, with ±25 % jitter from
 * `random` ∈ [0, 1) so many pages do not retry in step; a longer Retry-After (seconds) wins, up to 60 s.
 */
export function retryDelay(attempt: number, retryAfter: string | null, random: number): number {
  const base = Math.min(30_000, 1000 * 2 ** (attempt - 1));
  const jittered = Math.round(base * (0.75 + random * 0.5));
  const asked = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
  return Math.max(jittered, Math.min(asked, 60_000));
}
