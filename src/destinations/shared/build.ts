import type { BatchPlan, BuildResult, HttpRequest, OutboundEvent } from '../contract.js';
import { HashMemo, withHashMemo } from '../normalize/hash.js';
import { chunk } from './batch.js';
import type { JsonObject } from './json.js';

export type { BatchPlan, Envelope, Mapped } from '../contract.js';

/** The shape every adapter's `build` shares: the plan run over all events in one go. */
export function buildBatches(events: readonly OutboundEvent[], plan: BatchPlan): BuildResult {
  const memo = new HashMemo();
  const mapped: Array<{ ref: string; event: JsonObject }> = [];
  const skipped: BuildResult['skipped'] = [];
  withHashMemo(memo, () => {
    for (const event of events) mapInto(plan, event, mapped, skipped);
  });
  return { requests: envelopes(plan, mapped), skipped };
}

/**
 * The same requests as `buildBatches`, with `pause()` awaited after every `chunkSize` events (the worker
 * passes a turn of the event loop, so requests arriving meanwhile are served).
 */
export async function buildInChunks(
  events: readonly OutboundEvent[],
  plan: BatchPlan,
  pause: () => Promise<void>,
  chunkSize: number,
): Promise<BuildResult> {
  const memo = new HashMemo();
  const mapped: Array<{ ref: string; event: JsonObject }> = [];
  const skipped: BuildResult['skipped'] = [];
  for (let start = 0; start < events.length; start += chunkSize) {
    if (start > 0) await pause();
    withHashMemo(memo, () => {
      const end = Math.min(events.length, start + chunkSize);
      for (let i = start; i < end; i += 1) mapInto(plan, events[i]!, mapped, skipped);
    });
  }
  return { requests: envelopes(plan, mapped), skipped };
}

function mapInto(
  plan: BatchPlan,
  event: OutboundEvent,
  mapped: Array<{ ref: string; event: JsonObject }>,
  skipped: BuildResult['skipped'],
): void {
  const result = plan.map(event);
  if ('skip' in result) skipped.push({ ref: event.ref, reason: result.skip });
  else mapped.push({ ref: event.ref, event: result.event });
}

/**
 * Mapped events cut into request-sized batches: consecutive runs of at most `maxBatchSize`, or, when the
 * plan keys its batches, the same per key (keys in order of first appearance, events in input order).
 */
export function batchesOf<T>(plan: BatchPlan, items: readonly T[], eventOf: (item: T) => JsonObject): T[][] {
  const { batchKey } = plan;
  if (batchKey === undefined) return chunk(items, plan.maxBatchSize);
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = batchKey(eventOf(item));
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return [...groups.values()].flatMap((group) => chunk(group, plan.maxBatchSize));
}

function envelopes(plan: BatchPlan, mapped: Array<{ ref: string; event: JsonObject }>): HttpRequest[] {
  return batchesOf(plan, mapped, (item) => item.event).map((batch): HttpRequest => {
    const { url, headers, body } = plan.envelope(batch.map((item) => item.event));
    return { method: 'POST', url, headers, body, refs: batch.map((item) => item.ref) };
  });
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
