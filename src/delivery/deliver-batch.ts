/**
 * Delivering a batch: the destination builds its requests, the sender sends them, the destination classifies
 * the answers, and every event gets one outcome (final, or pending again after a backoff). No storage and
 * no worker state: the worker and "send test event" both call this with their own sender.
 */
import type { Config } from '../config.js';
import { buildInChunks } from '../destinations/shared/build.js';
import type {
  AccessTokenFlow,
  BuildEnv,
  Classification,
  Destination,
  HttpRequest,
  OutboundEvent,
} from '../destinations/types.js';
import type { Clock } from '../lib/clock.js';
import type { DeliveryOutcome } from '../storage/repos/deliveries.js';
import type { Delivery } from '../storage/schema.js';
import {
  type AccessTokenCache,
  fetchAccessToken,
  sharedAccessTokens,
  type TokenResult,
} from './access-tokens.js';
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
  /** Access tokens of destinations that declare a token flow (default: the process's shared cache). */
  tokens?: AccessTokenCache;
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
  /**
   * For a destination with an access-token flow: the destination's id (its tokens are cached under it) and
   * its further URLs (`config.platformExtraUrls[type]`), which name the token endpoint.
   */
  auth?: { destinationId: string; urls: Readonly<Record<string, string>> };
}

/** The access token of one batch: the one in use, or why there is none. */
interface Auth {
  flow: AccessTokenFlow<unknown>;
  key: string;
  tokenUrl: string;
  current: TokenResult;
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
  const auth = await authenticate(deps, input);
  await sendEvents(deps, input, byRef, input.events, result, auth);
  return result;
}

function tokenKey(
  input: DeliverBatchInput<Attempted>,
  flow: AccessTokenFlow<unknown>,
  tokenUrl: string,
): string {
  return `${input.auth?.destinationId ?? ''}\u0000${tokenUrl}\u0000${flow.credentialKey(input.config)}`;
}

/** The batch's access token, from the cache or the token endpoint; undefined for a destination without one. */
async function authenticate<D extends Attempted>(
  deps: DeliverBatchDeps,
  input: DeliverBatchInput<D>,
): Promise<Auth | undefined> {
  const flow = input.adapter.accessToken;
  if (flow === undefined) return undefined;
  const tokenUrl = input.auth?.urls[flow.urlName];
  if (tokenUrl === undefined) throw new Error(`no ${flow.urlName} URL given for ${input.adapter.type}`);
  const key = tokenKey(input, flow, tokenUrl);
  const current = await tokenFor(deps, input, flow, key, tokenUrl);
  return { flow, key, tokenUrl, current };
}

function tokenFor<D extends Attempted>(
  deps: DeliverBatchDeps,
  input: DeliverBatchInput<D>,
  flow: AccessTokenFlow<unknown>,
  key: string,
  tokenUrl: string,
): Promise<TokenResult> {
  const now = deps.clock.now();
  return (deps.tokens ?? sharedAccessTokens).get(key, now, () =>
    fetchAccessToken(deps.sender, flow, input.config, tokenUrl, now),
  );
}

function envWith(env: BuildEnv, auth: Auth | undefined): BuildEnv {
  return auth?.current.ok === true ? { ...env, accessToken: auth.current.token } : env;
}

/** The same events built again with the batch's current token (after a refresh). */
async function rebuilt<D extends Attempted>(
  deps: DeliverBatchDeps,
  input: DeliverBatchInput<D>,
  byRef: Map<string, OutboundEvent>,
  req: HttpRequest,
  auth: Auth,
): Promise<HttpRequest> {
  const events = req.refs.map((ref) => byRef.get(ref)).filter((e): e is OutboundEvent => e !== undefined);
  const built = await buildInChunks(
    events,
    input.adapter.plan(input.config, envWith(input.env, auth)),
    deps.pause ?? nextTurn,
    BUILD_CHUNK,
  );
  return built.requests.length === 1 && built.requests[0] !== undefined ? built.requests[0] : req;
}

async function sendEvents<D extends Attempted>(
  deps: DeliverBatchDeps,
  input: DeliverBatchInput<D>,
  byRef: Map<string, OutboundEvent>,
  events: OutboundEvent[],
  result: BatchResult<D>,
  auth: Auth | undefined,
): Promise<void> {
  const { adapter, deliveries } = input;
  const { outcomes } = result;
  const builtWith = auth?.current;
  const built = await buildInChunks(
    events,
    adapter.plan(input.config, envWith(input.env, auth)),
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
  for (const planned of built.requests) {
    const delivered = planned.refs.map((ref) => deliveries.get(ref)).filter((d): d is D => d !== undefined);
    if (auth !== undefined && !auth.current.ok) {
      tokenFailure(deps, auth.current, delivered, result);
      continue;
    }
    // A token refreshed since these requests were built (a 401 on an earlier one) replaces theirs.
    let req =
      auth !== undefined && auth.current !== builtWith
        ? await rebuilt(deps, input, byRef, planned, auth)
        : planned;
    const started = performance.now();
    let sent = await deps.sender.send(req);
    if (auth?.current.ok === true && sent.ok && sent.response.status === 401) {
      // The token was refused (revoked, or expired early): a fresh one, and this request once more with it.
      // A second 401 is classified as the platform's refusal of the credentials.
      (deps.tokens ?? sharedAccessTokens).invalidate(auth.key, auth.current.token);
      auth.current = await tokenFor(deps, input, auth.flow, auth.key, auth.tokenUrl);
      if (!auth.current.ok) {
        input.onRequestDone?.((performance.now() - started) / 1000);
        tokenFailure(deps, auth.current, delivered, result);
        continue;
      }
      req = await rebuilt(deps, input, byRef, req, auth);
      sent = await deps.sender.send(req);
    }
    input.onRequestDone?.((performance.now() - started) / 1000);
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
        for (const d of delivered) outcomes.push(final(d, true, verdict.message ?? null));
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
          await sendEvents(deps, input, byRef, subset.slice(0, middle), result, auth);
          await sendEvents(deps, input, byRef, subset.slice(middle), result, auth);
          break;
        }
        // Bad credentials hold the destination's queue (needs_attention), this batch included: the events
        // are not at fault, so they wait with the queue and go out once the credentials are fixed.
        if (verdict.credentials) {
          result.credentialsRejected = verdict.message;
          for (const d of delivered) outcomes.push(heldOutcome(deps, d, at, status, verdict.message));
          break;
        }
        // Permanent: no retry.
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

/**
 * No token for these events: the token endpoint refused the credentials (final, and the destination is
 * held, as for a platform's own refusal) or could not answer (pending again after a backoff).
 */
function tokenFailure<D extends Attempted>(
  deps: DeliverBatchDeps,
  failure: Extract<TokenResult, { ok: false }>,
  delivered: D[],
  result: BatchResult<D>,
): void {
  const at = deps.clock.now();
  if (failure.kind === 'rejected') {
    result.credentialsRejected = failure.message;
    for (const d of delivered) {
      result.outcomes.push(heldOutcome(deps, d, at, failure.statusCode, failure.message));
    }
    return;
  }
  result.transientFailure = true;
  for (const d of delivered) {
    result.outcomes.push(
      retryOutcome(deps, d, at, failure.statusCode, failure.kind, failure.message, failure.retryAfterMs),
    );
  }
}

/**
 * The platform refused the credentials: the delivery stays pending behind its held destination (the worker
 * leases nothing for a destination that needs attention), due at once, and is sent once the credentials are
 * fixed; dead only past its retry horizon, like any other wait.
 */
function heldOutcome<D extends Attempted>(
  deps: DeliverBatchDeps,
  delivery: D,
  now: number,
  statusCode: number | null,
  message: string,
): BatchOutcome<D> {
  return retryOutcome(deps, delivery, now, statusCode, 'rejected', message, 0);
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
