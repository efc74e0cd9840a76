import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { buildBatches } from '../destinations/shared/build.js';
import {
  type Classification,
  CONSENT_GRANTED,
  type Destination,
  type HttpRequest,
  type HttpResponse,
  type OutboundEvent,
} from '../destinations/types.js';
import { ManualClock } from '../lib/clock.js';
import { type Attempted, deliverBatch } from './deliver-batch.js';
import type { HttpSender, SendResult } from './http-client.js';

/**
 * A destination reduced to rules a test can read: every event goes in one request except a `Custom` event
 * named `skip`; the answer's status decides the classification (200 delivered, 207 partial with the
 * failed refs in the body, 400 rejected, 401 credentials, 429 throttled with Retry-After seconds, 503 retry).
 */
const adapter: Destination<unknown> = {
  type: 'meta',
  label: 'Test platform',
  configSchema: Type.Object({}),
  limits: { maxBatchSize: 100, maxEventAgeSeconds: 7 * 86400, requestsPerSecond: 10 },
  parseConfig: (raw) => ({ ok: true, config: raw }),
  isTestMode: () => false,
  plan: (_config, env) => ({
    maxBatchSize: 100,
    map: (e) => (e.customEventName === 'skip' ? { skip: 'no identifiers' } : { event: { ref: e.ref } }),
    envelope: (batch) => ({
      url: `${env.baseUrl}/events${env.forceTestMode ? '?test=1' : ''}`,
      headers: {},
      body: { refs: batch.map((e) => e.ref ?? null) },
    }),
  }),
  build: (events, config, env) => buildBatches(events, adapter.plan(config, env)),
  classify: (response: HttpResponse): Classification => {
    switch (response.status) {
      case 200:
        return { kind: 'delivered' };
      case 207:
        return {
          kind: 'partial',
          failures: (JSON.parse(response.body) as string[]).map((ref) => ({ ref, message: `bad ${ref}` })),
        };
      case 400:
        return { kind: 'rejected', message: response.body, credentials: false };
      case 401:
        return { kind: 'rejected', message: 'invalid token', credentials: true };
      case 429: {
        const seconds = response.headers['retry-after'];
        return {
          kind: 'throttled',
          message: 'slow down',
          ...(seconds ? { retryAfterMs: Number(seconds) * 1000 } : {}),
        };
      }
      default:
        return { kind: 'retry', message: `HTTP ${response.status}` };
    }
  },
};

const T0 = 1_700_000_000_000;
const RETRY = { backoffBaseMs: 1000, backoffCapMs: 60_000 };

/** Answers with `answer(refs)`; each request takes 100 ms on the manual clock. */
function fakeSender(clock: ManualClock, answer: (refs: string[]) => SendResult) {
  const sent: Array<{ url: string; refs: string[] }> = [];
  const sender: HttpSender = {
    send: async (req: HttpRequest) => {
      sent.push({ url: req.url, refs: req.refs });
      clock.advance(100);
      return answer(req.refs);
    },
    close: async () => {},
  };
  return { sender, sent };
}
const status = (code: number, body = '', headers: Record<string, string> = {}): SendResult => ({
  ok: true,
  response: { status: code, headers, body },
});

const event = (ref: string, customEventName?: string): OutboundEvent => ({
  ref,
  eventName: customEventName ? 'Custom' : 'Purchase',
  ...(customEventName ? { customEventName } : {}),
  eventId: `evt-${ref}`,
  eventTime: T0 / 1000,
  userData: { email: 'jane@example.com' },
  customData: {},
  defaultCountry: 'US',
  consent: CONSENT_GRANTED,
});

/** Deliveries a, b, c…: first attempt, giving up an hour after T0. */
function run(
  refs: Array<string | [string, string]>,
  answer: (refs: string[]) => SendResult,
  options: { giveUpAt?: number; forceTestMode?: boolean } = {},
) {
  const clock = new ManualClock(T0);
  const { sender, sent } = fakeSender(clock, answer);
  const events = refs.map((r) => (typeof r === 'string' ? event(r) : event(r[0], r[1])));
  const deliveries = new Map<string, Attempted>(
    events.map((e) => [e.ref, { id: e.ref, attempts: 0, give_up_at: options.giveUpAt ?? T0 + 3600_000 }]),
  );
  const throttled: number[] = [];
  const result = deliverBatch(
    { sender, clock, retry: RETRY, random: () => 0.5 },
    {
      adapter,
      config: {},
      env: { baseUrl: 'https://platform.test', ...(options.forceTestMode ? { forceTestMode: true } : {}) },
      events,
      deliveries,
      onThrottled: (until) => throttled.push(until),
    },
  );
  return { result, sent, throttled };
}

/** [ref, status, outcome, statusCode, message, nextAttemptAt] per outcome, sorted by ref. */
const summary = (outcomes: Awaited<ReturnType<typeof run>['result']>['outcomes']) =>
  outcomes
    .map((o) => [o.delivery.id, o.status, o.outcome, o.statusCode, o.message, o.nextAttemptAt ?? null])
    .sort((x, y) => String(x[0]).localeCompare(String(y[0])));

test('delivered: every event of the accepted request; a skipped event is final without a request', async () => {
  const { result, sent } = run(['a', 'b', ['c', 'skip']], () => status(200));
  const batch = await result;
  assert.deepEqual(summary(batch.outcomes), [
    ['a', 'delivered', 'delivered', 200, null, null],
    ['b', 'delivered', 'delivered', 200, null, null],
    ['c', 'skipped', 'skipped', null, 'no identifiers', null],
  ]);
  assert.deepEqual(
    sent.map((s) => s.refs),
    [['a', 'b']],
  );
  assert.equal(batch.success, true);
  assert.equal(batch.transientFailure, false);
  assert.equal(batch.credentialsRejected, null);
  assert.equal(sent[0]!.url, 'https://platform.test/events');
});

test('forceTestMode reaches the build (the "send test event" path)', async () => {
  const { result, sent } = run(['a'], () => status(200), { forceTestMode: true });
  await result;
  assert.equal(sent[0]!.url, 'https://platform.test/events?test=1');
});

test('partial: the listed events fail, the others are delivered', async () => {
  const { result } = run(['a', 'b', 'c'], () => status(207, '["b"]'));
  const batch = await result;
  assert.deepEqual(summary(batch.outcomes), [
    ['a', 'delivered', 'delivered', 207, null, null],
    ['b', 'failed', 'rejected', 207, 'bad b', null],
    ['c', 'delivered', 'delivered', 207, null, null],
  ]);
  assert.equal(batch.success, true);
});

test('a request rejected as a whole is bisected until the invalid event is alone', async () => {
  const { result, sent } = run(['a', 'b', 'c', 'd', 'e'], (refs) =>
    refs.includes('d') ? status(400, 'invalid event d') : status(200),
  );
  const batch = await result;
  assert.deepEqual(
    sent.map((s) => s.refs),
    [['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c'], ['d', 'e'], ['d'], ['e']],
  );
  assert.deepEqual(summary(batch.outcomes), [
    ['a', 'delivered', 'delivered', 200, null, null],
    ['b', 'delivered', 'delivered', 200, null, null],
    ['c', 'delivered', 'delivered', 200, null, null],
    ['d', 'failed', 'rejected', 400, 'invalid event d', null],
    ['e', 'delivered', 'delivered', 200, null, null],
  ]);
  assert.equal(batch.credentialsRejected, null);
});

test('credentials rejected: no bisection; the destination must be held, and the batch waits with it', async () => {
  const { result, sent } = run(['a', 'b', 'c'], () => status(401));
  const batch = await result;
  assert.equal(sent.length, 1);
  // Pending behind the held destination (not final: the events are not at fault), due at once.
  assert.deepEqual(summary(batch.outcomes), [
    ['a', 'pending', 'rejected', 401, 'invalid token', T0 + 100],
    ['b', 'pending', 'rejected', 401, 'invalid token', T0 + 100],
    ['c', 'pending', 'rejected', 401, 'invalid token', T0 + 100],
  ]);
  assert.equal(batch.credentialsRejected, 'invalid token');
  assert.equal(batch.success, false);
});

test('throttled: pending after Retry-After (or the base backoff), the destination paced, not a circuit failure', async () => {
  const withHeader = run(['a'], () => status(429, '', { 'retry-after': '30' }));
  const batch = await withHeader.result;
  // The answer came at T0 + 100 (the request took 100 ms).
  assert.deepEqual(summary(batch.outcomes), [['a', 'pending', 'throttled', 429, 'slow down', T0 + 30_100]]);
  assert.deepEqual(withHeader.throttled, [T0 + 30_100]);
  assert.equal(batch.transientFailure, false);

  const without = run(['a'], () => status(429));
  const second = await without.result;
  // No Retry-After: the worker waits the base backoff before this destination's next request; the
  // delivery itself backs off with jitter (random 0.5 of min(cap, base · 2⁰) = 500 ms).
  assert.deepEqual(without.throttled, [T0 + 1100]);
  assert.deepEqual(summary(second.outcomes), [['a', 'pending', 'throttled', 429, 'slow down', T0 + 600]]);
});

test('retry: pending after a jittered backoff, a circuit failure; dead once past the retry horizon', async () => {
  const { result } = run(['a', 'b'], () => status(503));
  const batch = await result;
  assert.deepEqual(summary(batch.outcomes), [
    ['a', 'pending', 'retry', 503, 'HTTP 503', T0 + 600],
    ['b', 'pending', 'retry', 503, 'HTTP 503', T0 + 600],
  ]);
  assert.equal(batch.transientFailure, true);
  assert.equal(batch.success, false);

  const late = run(['a'], () => status(503), { giveUpAt: T0 + 500 });
  assert.deepEqual(summary((await late.result).outcomes), [
    ['a', 'dead', 'retry', 503, 'HTTP 503 (retry horizon reached)', null],
  ]);
});

test('transport failure: pending with the failure kind, no status code, a circuit failure', async () => {
  const { result } = run(['a'], () => ({ ok: false, kind: 'timeout', message: 'no answer within 5000 ms' }));
  const batch = await result;
  assert.deepEqual(summary(batch.outcomes), [
    ['a', 'pending', 'timeout', null, 'no answer within 5000 ms', T0 + 600],
  ]);
  assert.equal(batch.transientFailure, true);
});
