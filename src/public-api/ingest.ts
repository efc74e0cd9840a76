import type { AppDeps } from '../app-deps.js';
import type { ErrorCode } from '../errors.js';
import { acceptEvents, EventRefusal } from '../ingest/accept.js';
import { ConsentError } from '../ingest/consent.js';
import type { DomainContext } from '../ingest/domain-context.js';
import { protectPageData } from '../ingest/page-privacy.js';
import {
  orderEventId,
  type PreparedEvent,
  type PrepareOptions,
  prepareInboundEvent,
} from '../ingest/prepare.js';
import { compileValidator, describeValidationError } from '../lib/json-schema.js';
import { activeCustomEventNames } from '../storage/repos/custom-events.js';
import { listLiveDomains } from '../storage/repos/domain-admin.js';
import { domainScopeViolation } from './domain-scope.js';
import { type ApiEvent, ApiEventSchema, resolveEventName, toInboundEvent } from './event-schema.js';
import { fingerprintEventId } from './fingerprint.js';
import type { ApiKeyAuth } from './keys.js';

export const EVENT_TIME_PAST_SECONDS = 86_400;
export const EVENT_TIME_FUTURE_SECONDS = 300;

export type EventResultStatus = 'accepted' | 'duplicate' | 'failed';

export interface EventResult {
  index: number;
  eventId: string | null;
  status: EventResultStatus;
  error?: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

const validateEvent = compileValidator<ApiEvent>(ApiEventSchema, { coerce: false });

interface OrgDomain {
  id: string;
  host: string;
  status: string;
}

/** What every event of one request shares: the org's domains and its active custom event names. */
class RequestContext {
  private customNames: Promise<Set<string>> | null = null;
  private domainsPromise: Promise<OrgDomain[]> | null = null;
  private readonly contexts = new Map<string, Promise<DomainContext | null>>();

  constructor(
    private readonly deps: AppDeps,
    private readonly auth: ApiKeyAuth,
  ) {}

  customEventNames(): Promise<Set<string>> {
    this.customNames ??= activeCustomEventNames(this.deps.storage.db, this.auth.orgId);
    return this.customNames;
  }

  domains(): Promise<OrgDomain[]> {
    this.domainsPromise ??= listLiveDomains(this.deps.storage.db, this.auth.orgId);
    return this.domainsPromise;
  }

  domainContext(domain: OrgDomain): Promise<DomainContext | null> {
    let context = this.contexts.get(domain.id);
    if (!context) {
      context = this.deps.domains.resolve(domain.host);
      this.contexts.set(domain.id, context);
    }
    return context;
  }
}

async function resolveDomain(
  request: RequestContext,
  auth: ApiKeyAuth,
  event: ApiEvent,
): Promise<OrgDomain | EventRefusal> {
  const domains = await request.domains();
  if (auth.domainId) {
    const violation = domainScopeViolation(auth, event.domainId, 'write');
    if (violation) return new EventRefusal(violation.code, violation.message, violation.details);
    const own = domains.find((d) => d.id === auth.domainId);
    if (!own)
      return new EventRefusal('not_found', `Domain ${auth.domainId} no longer exists`, { field: 'domainId' });
    return own;
  }
  if (event.domainId !== undefined) {
    const named = domains.find((d) => d.id === event.domainId);
    if (!named) return new EventRefusal('not_found', `No domain ${event.domainId}`, { field: 'domainId' });
    return named;
  }
  const [only, ...others] = domains;
  if (!only)
    return new EventRefusal('not_found', 'The org has no domain to write events to', { field: 'domainId' });
  if (others.length > 0) {
    return new EventRefusal(
      'validation_failed',
      `domainId is required: the org has ${domains.length} domains (or use a domain-restricted key)`,
      { field: 'domainId' },
    );
  }
  return only;
}

async function prepareOne(
  deps: AppDeps,
  request: RequestContext,
  auth: ApiKeyAuth,
  raw: unknown,
  now: number,
  options: PrepareOptions,
): Promise<PreparedEvent | EventRefusal> {
  if (!validateEvent(raw)) {
    const first = describeValidationError(validateEvent.errors![0]!);
    return new EventRefusal('validation_failed', `Invalid event: ${first.reason}`, {
      field: first.field,
      reason: first.reason,
    });
  }
  const event = raw;
  const nowSeconds = Math.floor(now / 1000);
  if (
    event.eventTime < nowSeconds - EVENT_TIME_PAST_SECONDS ||
    event.eventTime > nowSeconds + EVENT_TIME_FUTURE_SECONDS
  ) {
    return new EventRefusal(
      'validation_failed',
      `eventTime must lie within [now − ${EVENT_TIME_PAST_SECONDS}, now + ${EVENT_TIME_FUTURE_SECONDS}] Unix seconds; backfills older than 24 h are not accepted`,
      {
        field: 'eventTime',
        min: nowSeconds - EVENT_TIME_PAST_SECONDS,
        max: nowSeconds + EVENT_TIME_FUTURE_SECONDS,
      },
    );
  }
  const name = resolveEventName(event);
  if (name.kind === 'custom' && !(await request.customEventNames()).has(name.customEventName)) {
    return new EventRefusal(
      'event_not_found',
      `Custom event "${name.customEventName}" is not defined for this org (or not active): create it under custom events first`,
      { eventName: name.customEventName },
    );
  }
  const domain = await resolveDomain(request, auth, event);
  if (domain instanceof EventRefusal) return domain;
  if (domain.status === 'disabled') {
    return new EventRefusal('forbidden', `Domain ${domain.id} is disabled`, { field: 'domainId' });
  }
  const context = await request.domainContext(domain);
  if (!context) return new EventRefusal('not_found', `No domain ${domain.id}`, { field: 'domainId' });
  const inbound = toInboundEvent(event, name);
  const secret = deps.config.encryptionKeys[0];
  if (inbound.eventId === undefined && orderEventId(inbound) === null && secret) {
    inbound.eventId = fingerprintEventId(secret, domain.id, inbound);
  }
  let prepared: PreparedEvent;
  try {
    prepared = prepareInboundEvent(context, inbound, 'API', options);
  } catch (error) {
    if (!(error instanceof ConsentError)) throw error;
    return new EventRefusal('validation_failed', error.message, { field: 'consent.tcString' });
  }
  if (event.customData !== undefined) {
    // As sent, minus what is sealed (page-privacy.ts): personal free text is never stored in clear.
    const sent = JSON.stringify(protectPageData(undefined, event.customData).customData);
    if (sent !== prepared.event.custom_data) prepared.event.custom_data_sent = sent;
  }
  return prepared;
}

function rawEventId(raw: unknown): string | null {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const id = (raw as Record<string, unknown>).eventId;
    if (typeof id === 'string' && id !== '') return id;
  }
  return null;
}

/**
 * Processes the events of one request through acceptEvents (admission, per-event validation and preparation,
 * the 20-minute dedup window, one request toward the quota); the results are in the order of `events`.
 */
export async function ingestApiEvents(
  deps: AppDeps,
  auth: ApiKeyAuth,
  events: unknown[],
): Promise<EventResult[]> {
  const request = new RequestContext(deps, auth);
  const accepted = await acceptEvents(deps, {
    org: { id: auth.orgId, plan: auth.plan, subscriptionStatus: auth.subscriptionStatus },
    route: '/api/v1/events',
    countRequest: true,
    dedupWindowMs: deps.config.api.dedupWindowSeconds * 1000,
    prepare: async (now, options) => {
      const prepared: Array<PreparedEvent | EventRefusal> = [];
      for (const raw of events) prepared.push(await prepareOne(deps, request, auth, raw, now, options));
      return prepared;
    },
  });
  return accepted.statuses.map((status, index): EventResult => {
    if (status instanceof EventRefusal) {
      return {
        index,
        eventId: rawEventId(events[index]),
        status: 'failed',
        error: { code: status.code, message: status.message, details: status.details },
      };
    }
    const prepared = accepted.prepared[index] as PreparedEvent;
    return { index, eventId: prepared.event.event_id, status };
  });
}
