import type { BuildResult, HttpRequest, OutboundEvent } from '../types.js';
import { chunk } from './batch.js';
import type { JsonObject } from './json.js';

/** What an adapter makes of one event: the platform's event object, or the reason it is not sent. */
export type Mapped = { event: JsonObject } | { skip: string };

/** The per-request part an adapter supplies: where to send a batch of platform events, and how. */
export interface Envelope {
  url: string;
  headers: Record<string, string>;
  body: JsonObject;
}

/**
 * The shape every adapter's `build` shares: map each event (or skip it), then cut the mapped events
 * into requests of at most `maxBatchSize`, each carrying its refs in body order.
 */
export function buildBatches(
  events: readonly OutboundEvent[],
  maxBatchSize: number,
  map: (event: OutboundEvent) => Mapped,
  envelope: (batch: JsonObject[]) => Envelope,
): BuildResult {
  const mapped: Array<{ ref: string; event: JsonObject }> = [];
  const skipped: BuildResult['skipped'] = [];
  for (const event of events) {
    const result = map(event);
    if ('skip' in result) skipped.push({ ref: event.ref, reason: result.skip });
    else mapped.push({ ref: event.ref, event: result.event });
  }
  const requests = chunk(mapped, maxBatchSize).map((batch): HttpRequest => {
    const { url, headers, body } = envelope(batch.map((item) => item.event));
    return { method: 'POST', url, headers, body, refs: batch.map((item) => item.ref) };
  });
  return { requests, skipped };
}

/** The platform origin without trailing slashes, so `${origin}/v5/…` never has `//`. */
export function origin(baseUrl: string): string {
  return baseUrl.replace(/\/+$/u, '');
}

export const JSON_CONTENT_TYPE = { 'content-type': 'application/json' } as const;

/**
 * The test code used when test mode is forced (the dashboard's "send test event") and the config
 * holds none. Meta and TikTok show events under the code they were sent with.
 */
export const FORCED_TEST_CODE = 'TEST_TAGBRIDGE';
