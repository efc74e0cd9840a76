/**
 * Delivering a batch: the destination builds its requests, the sender sends them, the destination classifies
 * the answers, and every event gets one outcome (final, or pending again after a backoff). No storage and
 * no worker state: the worker and "send test event" both call this with their own sender.
 */
import type { Config } from '../config.js';
import { buildInChunks } from '../destinations/shared/build.js';
import type { BuildEnv, Classification, Destination, OutboundEvent } from '../destinations/types.js';
import type { Clock } from '../lib/clock.js';
import type { DeliveryOutcome } from '../storage/repos/deliveries.js';
import type { Delivery } from '../storage/schema.js';
import { backoffDelay } from './backoff.js';
import type { HttpSender } from './http-client.js';

/** What the retry decision reads of a delivery: a queued one, or the test event's stand-in. */
export type Attempted = Pick<Delivery, 'id' | 'attempts' | 'give_up_at'>;

/** One event's outcome, about the delivery `D` (the worker's `Delivery`: a storage `DeliveryOutcome`). */
export type BatchOutcome<D extends Attempted> = Omit<DeliveryOutcome, 'delivery'> & { delivery: D };

export interface DeliverBatchDeps {
  sender: HttpSender;
  clock: Clock;
  retry: Pick<Config['delivery'], 'backoffBaseMs' | 'backoffCapMs'>;
  random?: () => number;
  /** Awaited between chunks of BUILD_CHUNK events while requests are built (default: one setImmediate). */
  pause?: () => Promise<void>;
}

/** Events mapped between two turns of the event loop. */
export const BUILD_CHUNK = 100;

/** One turn of the event loop: timers, I/O and other requests run before the caller continues. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface DeliverBatchInput<D extends Attempted> {
  adapter: Destination<unknown>;
  /** The parsed configuration (`adapter.parseConfig(…).config`). */
  config: unknown;
  env: BuildEnv;
  /** Opened events; `ref` is the id of the delivery in `deliveries`. */
  events: OutboundEvent[];
  deliveries: ReadonlyMap<string, D>;
  /** Each request's duration (metrics). */
  onRequestDone?: (seconds: number) => void;
  /** The platform asked to slow down: no request to this destination before `until` (epoch ms). */
  onThrottled?: (until: number) => void;
}

export interface BatchResult<D extends Attempted> {
  outcomes: BatchOutcome<D>[];
  /** The platform refused the credentials (its message): the destination must be held. */
  credentialsRejected: string | null;
  /** A request failed in a way that may pass later (timeout, network, 5xx): counts toward the circuit. */
  transientFailure: boolean;
  /** At least one request was accepted (fully or in part). */
  success: boolean;
}

/**
 * Builds, sends and classifies `events`. A request rejected as a whole (not for its credentials) is
 * bisected and resent: Meta, TikTok and Reddit reject a batch for one invalid event, and the valid ones
 * must still arrive.
 */
export async function deliverBatch<D extends Attempted>(
  deps: DeliverBatchDeps,
  input: DeliverBatchInput<D>,
): Promise<BatchResult<D>> {
  const result: BatchResult<D> = {
    outcomes: [],
    credentialsRejected: null,
    transientFailure: false,
    success: false,
  };
  const byRef = new Map(input.events.map((e) => [e.ref, e]));
  await sendEvents(deps, input, byRef, input.events, result);
  return result;
}

async function sendEvents<D extends Attempted>(
  deps: DeliverBatchDeps,
  input: DeliverBatchInput<D>,
  byRef: Map<string, OutboundEvent>,
  events: OutboundEvent[],
  result: BatchResult<D>,
): Promise<void> {
  const { adapter, deliveries } = input;
  const { outcomes } = result;
  const built = await buildInChunks(
    events,
    adapter.plan(input.config, input.env),
    deps.pause ?? nextTurn,
    BUILD_CHUNK,
  );
  for (const skip of built.skipped) {
    const delivery = deliveries.get(skip.ref);
    if (delivery) {
      outcomes.push({
        delivery,
        status: 'skipped',
        attempted: false,
        statusCode: null,
        outcome: 'skipped',
        message: skip.reason,
      });
    }
  }
  for (const req of built.requests) {
    const started = performance.now();
    const sent = await deps.sender.send(req);
    input.onRequestDone?.((performance.now() - started) / 1000);
    const delivered = req.refs.map((ref) => deliveries.get(ref)).filter((d): d is D => d !== undefined);
    const at = deps.clock.now();
    if (!sent.ok) {
      result.transientFailure = true;
      for (const d of delivered) {
        outcomes.push(retryOutcome(deps, d, at, null, sent.kind, sent.message, undefined));
      }
      continue;
    }
    const verdict: Classification = adapter.classify(sent.response, req);
    const status = sent.response.status;
    const final = (d: D, ok: boolean, message: string | null): BatchOutcome<D> => ({
      delivery: d,
      status: ok ? 'delivered' : 'failed',
      attempted: true,
      statusCode: status,
      outcome: ok ? 'delivered' : 'rejected',
      message,
    });
    switch (verdict.kind) {
      case 'delivered':
        result.success = true;
        for (const d of delivered) outcomes.push(final(d, true, null));
        break;
      case 'partial': {
        result.success = true;
        const failed = new Map(verdict.failures.map((f) => [f.ref, f.message]));
        for (const d of delivered) {
          const message = failed.get(d.id);
          outcomes.push(final(d, message === undefined, message ?? null));
        }
        break;
      }
      case 'rejected': {
        if (!verdict.credentials && req.refs.length > 1) {
          const subset = req.refs
            .map((ref) => byRef.get(ref))
            .filter((e): e is OutboundEvent => e !== undefined);
          const middle = Math.ceil(subset.length / 2);
          await sendEvents(deps, input, byRef, subset.slice(0, middle), result);
          await sendEvents(deps, input, byRef, subset.slice(middle), result);
          break;
        }
        // Permanent: no retry. Bad credentials also hold the destination's queue (needs_attention).
        if (verdict.credentials) result.credentialsRejected = verdict.message;
        for (const d of delivered) outcomes.push(final(d, false, verdict.message));
        break;
      }
      case 'throttled':
        input.onThrottled?.(at + (verdict.retryAfterMs ?? deps.retry.backoffBaseMs));
        for (const d of delivered) {
          outcomes.push(
            retryOutcome(deps, d, at, status, 'throttled', verdict.message, verdict.retryAfterMs),
          );
        }
        break;
      case 'retry':
        result.transientFailure = true;
        for (const d of delivered) {
          outcomes.push(retryOutcome(deps, d, at, status, 'retry', verdict.message, verdict.retryAfterMs));
        }
        break;
    }
  }
}

/** Pending again after a backoff (or the platform's Retry-After), or dead past the retry horizon. */
function retryOutcome<D extends Attempted>(
  deps: DeliverBatchDeps,
  delivery: D,
  now: number,
  statusCode: number | null,
  outcome: string,
  message: string,
  retryAfterMs: number | undefined,
): BatchOutcome<D> {
  const { backoffBaseMs, backoffCapMs } = deps.retry;
  const delay =
    retryAfterMs ??
    backoffDelay(delivery.attempts + 1, { baseMs: backoffBaseMs, capMs: backoffCapMs }, deps.random);
  const next = now + delay;
  if (next > delivery.give_up_at) {
    return {
      delivery,
      status: 'dead',
      attempted: true,
      statusCode,
      outcome,
      message: `${message} (retry horizon reached)`,
    };
  }
  return {
    delivery,
    status: 'pending',
    attempted: true,
    nextAttemptAt: next,
    statusCode,
    outcome,
    message,
  };
}
