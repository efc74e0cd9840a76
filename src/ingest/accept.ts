/**
 * One way in: every entry point (/v1/events, /v1/pmw-events, /api/v1/events, /v1/sync/purchase-events, and
 * the next ones) hands its events to acceptEvents, which runs the same steps in the same order —
 * admission (subscription, then monthly quota), validation and preparation (sealing) at one `now`,
 * submission to the group commit (resolves only once durable), quota recording, metrics. What an entry
 * point may vary is an explicit input: its metrics label, how its payload becomes prepared events, its
 * dedup window, whether the request counts toward the quota.
 */
import { ApiError, type ErrorCode } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Sealer } from '../lib/crypto.js';
import type { DB } from '../storage/db.js';
import {
  BROWSER_SOURCES,
  type DuplicateArrival,
  markPairedAcrossPaths,
} from '../storage/repos/diagnostics.js';
import { admitIngest, type IngestingOrg } from './admission.js';
import { ConsentError } from './consent.js';
import type { SharedIpTracker } from './diagnostics.js';
import type { DomainContext } from './domain-context.js';
import {
  type EventSource,
  type PreparedEvent,
  type PrepareOptions,
  prepareInboundEvent,
  preparePmwEvent,
} from './prepare.js';
import { linkPurchases } from './purchase-attribution.js';
import type { QuotaDecision, QuotaTracker } from './quota.js';
import type { InboundEvent, PmwEvent } from './schema.js';
import type { EventStatus, GroupCommitWriter } from './writer.js';

/** What ingest reports; src/metrics.ts implements it (tagbridge_ingest_events_total, …_duration_seconds). */
export interface IngestMetrics {
  ingested(route: string, accepted: number, duplicate: number, seconds: number): void;
}

export interface AcceptDeps {
  writer: Pick<GroupCommitWriter, 'submit'>;
  quota: QuotaTracker;
  clock: Clock;
  sealer: Sealer;
  metrics: IngestMetrics;
  /** encryptionKeys: the shopper keys of attribution (absent: server-side purchases are not linked). */
  config: { delivery: { retryHorizonMs: number }; encryptionKeys?: readonly Buffer[] };
  sharedIps?: SharedIpTracker | undefined;
  /** Where duplicates from the other path mark the stored event (absent: not recorded). */
  storage?: { db: DB };
  logger?: { warn(object: object, message: string): void } | undefined;
}

/** Why one event was not accepted, when the entry point answers per event (the public API's bulk). */
export class EventRefusal {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
    readonly details: Record<string, unknown> = {},
  ) {}
}

const GRANT = Symbol('admission');

/** Proof that an org passed admission: only `admitEvents` can make one (GRANT is this module's). */
export class Admission {
  constructor(
    token: typeof GRANT,
    readonly orgId: string,
  ) {
    if (token !== GRANT) throw new Error('An Admission comes from admitEvents');
  }
}

/**
 * Subscription, then quota. acceptEvents runs it itself; an entry point that must refuse before the body is
 * read (the proxy, so requests over quota cost no parsing) calls this first and passes the Admission on.
 * `onDecision` sees the quota decision first, also when it refuses (the proxy's rate-limit headers).
 */
export async function admitEvents(
  deps: Pick<AcceptDeps, 'quota' | 'clock'>,
  org: IngestingOrg,
  onDecision?: (decision: QuotaDecision) => void,
): Promise<Admission> {
  await admitIngest(deps, org, onDecision);
  return new Admission(GRANT, org.id);
}

/**
 * One request's events validated and prepared at `now`, in request order. Throwing (an ApiError) refuses
 * the whole request; an EventRefusal in the array refuses that event only.
 */
export type PrepareEvents = (
  now: number,
  options: PrepareOptions,
) => ReadonlyArray<PreparedEvent | EventRefusal> | Promise<ReadonlyArray<PreparedEvent | EventRefusal>>;

export interface AcceptInput {
  org: IngestingOrg;
  /** Metrics label: the entry point's route. */
  route: string;
  prepare: PrepareEvents;
  /** Counts as one request toward the org's monthly quota (and in its usage). */
  countRequest: boolean;
  /** Dedup window of this entry point; undefined: the writer's default. */
  dedupWindowMs?: number | undefined;
  /** Given when the entry point admitted the org before reading the body; else admitted here. */
  admission?: Admission | null | undefined;
}

export interface AcceptResult {
  /** What `prepare` returned, in request order. */
  prepared: ReadonlyArray<PreparedEvent | EventRefusal>;
  /** Per event, in request order: stored, a duplicate (not stored again), or refused. */
  statuses: ReadonlyArray<EventStatus | EventRefusal>;
  accepted: number;
  duplicate: number;
}

/** Checks the schema cannot express for /v1/events' body: they depend on the event type or on the clock. */
export function checkInboundEvent(event: InboundEvent, index: number, nowSeconds: number): void {
  // Five minutes of clock skew; a millisecond timestamp lands far in the future and is caught here.
  if (event.eventTime > nowSeconds + 300) {
    throw new ApiError(
      'invalid_payload',
      `events[${index}].eventTime must be Unix seconds and not in the future`,
      {
        field: `events[${index}].eventTime`,
        index,
      },
    );
  }
}

/** /v1/events' body (also the sync purchase events'): every event checked first, then each prepared. */
export function inboundEvents(
  ctx: DomainContext,
  events: readonly InboundEvent[],
  source: EventSource,
): PrepareEvents {
  return (now, options) => {
    const nowSeconds = Math.floor(now / 1000);
    events.forEach((event, index) => {
      checkInboundEvent(event, index, nowSeconds);
    });
    return events.map((event, index) =>
      refuseBadConsent(`events[${index}]`, index, () => prepareInboundEvent(ctx, event, source, options)),
    );
  };
}

/** A TC string that does not decode refuses the request, naming the event (like every other bad field). */
function refuseBadConsent<T>(path: string, index: number, prepare: () => T): T {
  try {
    return prepare();
  } catch (error) {
    if (!(error instanceof ConsentError)) throw error;
    throw new ApiError('invalid_payload', `${path}.${error.message}`, {
      field: `${path}.consent.tcString`,
      index,
    });
  }
}

/** PMW's passthrough events, with the request's IP and user agent. */
export function pmwEvents(
  ctx: DomainContext,
  items: readonly PmwEvent[],
  client: { ipAddress?: string | undefined; userAgent?: string | undefined },
): PrepareEvents {
  return (_now, options) =>
    items.map((item, index) => {
      refuseNulInMembers(item, index);
      return refuseBadConsent(`[${index}]`, index, () => preparePmwEvent(ctx, item, client, options));
    });
}

/**
 * PMW's platform members are free-form (the schema cannot say which strings they hold), and some of their
 * values become columns (event id, page URL): U+0000, which PostgreSQL text cannot store, is refused here
 * as the schema refuses it everywhere else.
 */
function refuseNulInMembers(item: PmwEvent, index: number): void {
  for (const [member, value] of Object.entries(item)) {
    if (!value || typeof value !== 'object') continue;
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (typeof field === 'string' && field.includes('\u0000')) {
        const path = `[${index}].${member}.${key}`;
        throw new ApiError('invalid_payload', `${path} must not contain the NUL character (\\u0000)`, {
          field: path,
          index,
        });
      }
    }
  }
}

/** Duplicates that came from the other path mark the stored event: the shop's ids line up (diagnostics). */
async function markPaired(
  db: DB,
  events: readonly PreparedEvent[],
  statuses: readonly EventStatus[],
): Promise<void> {
  const arrivals: DuplicateArrival[] = [];
  statuses.forEach((status, i) => {
    const event = events[i]?.event;
    if (status !== 'duplicate' || !event) return;
    arrivals.push({
      domainId: event.domain_id,
      eventName: event.event_name,
      customEventName: event.custom_event_name ?? null,
      eventId: event.event_id,
      fromBrowser: (BROWSER_SOURCES as readonly string[]).includes(event.source),
    });
  });
  await markPairedAcrossPaths(db, arrivals);
}

/** The one way in. Resolves once the accepted events are durable; throws ApiError to refuse the request. */
export async function acceptEvents(deps: AcceptDeps, input: AcceptInput): Promise<AcceptResult> {
  const { org, route } = input;
  if (!input.admission || input.admission.orgId !== org.id) await admitEvents(deps, org);
  const now = deps.clock.now();
  const outcome = input.prepare(now, {
    now,
    retryHorizonMs: deps.config.delivery.retryHorizonMs,
    sharedIps: deps.sharedIps,
  });
  const prepared = Array.isArray(outcome)
    ? (outcome as ReadonlyArray<PreparedEvent | EventRefusal>)
    : await outcome;

  // Only a request with refusals needs a second array; the proxy's path submits what prepare returned.
  let refused = 0;
  for (const item of prepared) if (item instanceof EventRefusal) refused += 1;
  const events =
    refused === 0
      ? (prepared as PreparedEvent[])
      : prepared.filter((p): p is PreparedEvent => !(p instanceof EventRefusal));
  // A request with nothing to store is neither submitted nor counted.
  if (events.length === 0)
    return { prepared, statuses: prepared as EventRefusal[], accepted: 0, duplicate: 0 };

  const started = performance.now();
  const written = await deps.writer.submit({
    orgId: org.id,
    events,
    countRequest: input.countRequest,
    dedupWindowMs: input.dedupWindowMs,
  });
  if (input.countRequest) deps.quota.record(org.id);
  let accepted = 0;
  for (const status of written.statuses) if (status === 'accepted') accepted += 1;
  const duplicate = written.statuses.length - accepted;
  if (duplicate > 0 && deps.storage) await markPaired(deps.storage.db, events, written.statuses);
  deps.metrics.ingested(route, accepted, duplicate, (performance.now() - started) / 1000);
  // Attribution (issue 12): server-side Purchases with the buyer's e-mail or customer id link their order to
  // the shopper's pixel visitors. Non-Purchase events cost one name check; a Purchase one small upsert,
  // after the events are durable; failures are logged, never the request's (src/ingest/purchase-attribution.ts).
  await linkPurchases(deps, events, written.statuses);

  if (refused === 0) return { prepared, statuses: written.statuses, accepted, duplicate };
  let next = 0;
  const statuses = prepared.map((p) =>
    p instanceof EventRefusal ? p : (written.statuses[next++] ?? 'accepted'),
  );
  return { prepared, statuses, accepted, duplicate };
}
