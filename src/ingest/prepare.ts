/**
 * Turns validated inbound events into rows: the event (personal data sealed, only match-key names in the
 * clear) and one pending delivery per enabled destination.
 */
import { matchOf } from '../destinations/match-quality.js';
import { getDestination } from '../destinations/registry.js';
import { consentedUserData } from '../destinations/shared/consent.js';
import {
  CONSENT_GRANTED,
  type ConsentDecision,
  DESTINATION_TYPES,
  type DestinationType,
  type EventName,
  USER_DATA_KEYS,
  type UserData,
} from '../destinations/types.js';
import { newId, randomId } from '../lib/ids.js';
import type { NewDelivery, NewEvent } from '../storage/schema.js';
import { type ConsentDefault, encodeConsent, resolveConsent } from './consent.js';
import { DIAGNOSTIC_FLAGS, diagnosticFlags, type SharedIpTracker } from './diagnostics.js';
import type { DomainContext } from './domain-context.js';
import { protectPageData } from './page-privacy.js';
import type { InboundEvent, PmwEvent } from './schema.js';
import { matchKeysColumn, payloadEntry, type SealedPayload } from './sealed-payload.js';

// SYNC: server-side purchase and refund events from the shop plugin's backend (/v1/sync/purchase-events).
export const EVENT_SOURCES = ['PROXY', 'PMW', 'API', 'PIXEL', 'WEBHOOK', 'SYNC'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export interface PreparedEvent {
  event: NewEvent;
  deliveries: NewDelivery[];
  /** The personal data, in clear: sealed with its group by the group commit, from `pii`. */
  payload: SealedPayload;
  /** The event's entry in its group's sealed value (sealed-payload.ts payloadEntry). */
  pii: string;
}

export interface PrepareOptions {
  now: number;
  retryHorizonMs: number;
  /** Flags IPs that come with many shoppers (absent: that one diagnostic is not computed). */
  sharedIps?: SharedIpTracker | undefined;
}

function pickUserData(raw: Record<string, unknown> | undefined): UserData {
  const picked: UserData = {};
  if (!raw) return picked;
  for (const key of USER_DATA_KEYS) {
    const value = raw[key];
    if (typeof value === 'string' && value.trim() !== '') picked[key] = value;
    // Customer ids arrive as JSON numbers from many shops (the schema allows it where it does).
    else if (typeof value === 'number' && Number.isSafeInteger(value)) picked[key] = String(value);
  }
  return picked;
}

/** `purchase_<orderId>` for a Purchase with an order id (matches the pixel's dedup key), else null. */
export function orderEventId(event: InboundEvent): string | null {
  const orderId = event.customData?.orderId;
  if (event.eventName === 'Purchase' && orderId !== undefined && String(orderId) !== '') {
    return `purchase_${orderId}`;
  }
  return null;
}

/** `purchase_<orderId>` for a Purchase with an order id (matches the pixel's dedup key), otherwise random. */
export function defaultEventId(event: InboundEvent): string {
  return orderEventId(event) ?? randomId(16);
}

function deliveriesFor(
  ctx: DomainContext,
  eventPk: string,
  eventTime: number,
  types: ReadonlySet<DestinationType> | null,
  options: PrepareOptions,
): NewDelivery[] {
  const deliveries: NewDelivery[] = [];
  for (const destination of ctx.destinations) {
    if (types && !types.has(destination.type)) continue;
    const maxAgeMs = getDestination(destination.type).limits.maxEventAgeSeconds * 1000;
    deliveries.push({
      id: newId('dlv', options.now),
      event_pk: eventPk,
      org_id: ctx.org.id,
      domain_id: ctx.domain.id,
      destination_id: destination.id,
      destination_type: destination.type,
      status: 'pending',
      attempts: 0,
      next_attempt_at: options.now,
      lease_owner: null,
      lease_expires_at: null,
      event_time: eventTime,
      event_received_at: options.now,
      give_up_at: Math.min(options.now + options.retryHorizonMs, eventTime * 1000 + maxAgeMs),
      last_status_code: null,
      last_error: null,
      created_at: options.now,
      updated_at: options.now,
      final_at: null,
    });
  }
  return deliveries;
}

/** The event's consent decision; throws ConsentError for a TC string that does not decode. */
function consentOf(
  ctx: DomainContext,
  inbound: Pick<InboundEvent, 'consent' | 'dataProcessing'>,
): ConsentDecision {
  if (!inbound.consent && !inbound.dataProcessing && ctx.domain.consent_default === 'forward') {
    return CONSENT_GRANTED;
  }
  return resolveConsent(
    inbound.consent,
    inbound.dataProcessing,
    ctx.domain.consent_default as ConsentDefault,
  );
}

/**
 * What each delivery will carry for its platform, as recorded for diagnostics: the identifiers consent
 * lets through that the platform uses, and their score. Unknown (null) for browser-built events, whose
 * identifiers sit in their platform objects.
 */
function matchFor(userData: UserData | null): (delivery: NewDelivery) => void {
  return (delivery) => {
    if (!userData) return;
    const { sentKeys, score } = matchOf(delivery.destination_type, userData);
    delivery.sent_keys = sentKeys;
    delivery.match_score = score;
  };
}

export function prepareInboundEvent(
  ctx: DomainContext,
  inbound: InboundEvent,
  source: EventSource,
  options: PrepareOptions,
): PreparedEvent {
  const pk = newId('evt', options.now);
  const userData = pickUserData(inbound.userData as Record<string, unknown> | undefined);
  const consent = consentOf(ctx, inbound);
  // The page URL's query and customData's free text are sealed, not stored in clear (page-privacy.ts).
  const page = protectPageData(inbound.eventSourceUrl, inbound.customData);
  const payload: SealedPayload = page.sealed ? { u: userData, s: page.sealed } : { u: userData };
  const event: NewEvent = {
    id: pk,
    org_id: ctx.org.id,
    domain_id: ctx.domain.id,
    event_name: inbound.eventName,
    custom_event_name: inbound.eventName === 'Custom' ? (inbound.customEventName ?? null) : null,
    event_id: inbound.eventId ?? defaultEventId(inbound),
    source,
    event_time: inbound.eventTime,
    received_at: options.now,
    event_source_url: page.url,
    custom_data: page.customData ? JSON.stringify(page.customData) : null,
    match_keys: matchKeysColumn(userData),
    pii_sealed: null,
    pii_group: null,
    pii_slot: null,
    pii_erased_at: null,
    consent: encodeConsent(consent),
    diagnostics: diagnosticFlags(
      { domainId: ctx.domain.id, userData, eventSourceUrl: inbound.eventSourceUrl, now: options.now },
      options.sharedIps,
    ),
  };
  const deliveries = deliveriesFor(ctx, pk, inbound.eventTime, null, options);
  deliveries.forEach(matchFor(consentedUserData(userData, consent)));
  return { event, deliveries, payload, pii: payloadEntry(payload, pk) };
}

const IP_FLAGS = DIAGNOSTIC_FLAGS.ipNotPublic | DIAGNOSTIC_FLAGS.ipWithPort | DIAGNOSTIC_FLAGS.ipMalformed;

/** PMW's browser event names (GA4 style) to our event types. Anything else is a Custom event. */
const PMW_EVENT_NAMES: Record<string, EventName> = {
  page_view: 'PageVisit',
  view_item: 'ViewContent',
  search: 'Search',
  add_to_cart: 'AddToCart',
  add_to_wishlist: 'AddToWishlist',
  purchase: 'Purchase',
  generate_lead: 'Lead',
  sign_up: 'SignUp',
};

/** PMW's member key (`facebook`) → the destination it is forwarded to, as each destination declares. */
const PMW_MEMBERS: Record<string, DestinationType> = Object.fromEntries(
  DESTINATION_TYPES.flatMap((type) => {
    const member = getDestination(type).pixelManager?.eventMember;
    return member === undefined ? [] : [[member, type]];
  }),
);

function stringField(member: Record<string, unknown> | undefined, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = member?.[key];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

function eventTimeOf(member: Record<string, unknown> | undefined): number | undefined {
  for (const key of ['event_time', 'timestamp', 'event_at']) {
    const value = member?.[key];
    if (typeof value === 'number' && Number.isFinite(value)) {
      return value > 1e12 ? Math.floor(value / 1000) : Math.floor(value);
    }
  }
  return undefined;
}

/**
 * A PMW event: each known platform member is forwarded as it is. The request's IP and user agent are kept
 * so members that lack them get the shopper's (the point of a first-party proxy).
 */
export function preparePmwEvent(
  ctx: DomainContext,
  inbound: PmwEvent,
  client: { ipAddress?: string | undefined; userAgent?: string | undefined },
  options: PrepareOptions,
): PreparedEvent {
  const pk = newId('evt', options.now);
  const members: Partial<Record<DestinationType, Record<string, unknown>>> = {};
  const raw = inbound as Record<string, unknown>;
  for (const [key, type] of Object.entries(PMW_MEMBERS)) {
    const member = raw[key];
    if (member && typeof member === 'object' && !Array.isArray(member)) {
      members[type] = member as Record<string, unknown>;
    }
  }
  const first = Object.values(members)[0];
  const eventName = PMW_EVENT_NAMES[inbound.event] ?? 'Custom';
  const eventTime = eventTimeOf(members.meta) ?? eventTimeOf(first) ?? Math.floor(options.now / 1000);
  const eventId =
    stringField(members.meta, 'event_id') ??
    stringField(members.tiktok, 'event_id') ??
    stringField(members.pinterest, 'event_id') ??
    stringField(members.snapchat, 'event_id') ??
    randomId(16);
  const userData: UserData = {};
  if (client.ipAddress) userData.ipAddress = client.ipAddress;
  if (client.userAgent) userData.userAgent = client.userAgent;
  const payload: SealedPayload = { u: userData, m: members };
  const event: NewEvent = {
    id: pk,
    org_id: ctx.org.id,
    domain_id: ctx.domain.id,
    event_name: eventName,
    custom_event_name: eventName === 'Custom' ? inbound.event : null,
    event_id: eventId,
    source: 'PMW',
    event_time: eventTime,
    received_at: options.now,
    // The members (sealed) carry the URL as sent; the clear column only its origin and path.
    event_source_url: protectPageData(stringField(members.meta, 'event_source_url'), undefined).url,
    custom_data: null,
    match_keys: matchKeysColumn(userData),
    pii_sealed: null,
    pii_group: null,
    pii_slot: null,
    pii_erased_at: null,
    consent: encodeConsent(consentOf(ctx, inbound)),
    // A browser-built event's identifiers sit in its platform objects: only the request's IP is ours to judge.
    diagnostics:
      diagnosticFlags({ domainId: ctx.domain.id, userData, now: options.now }, undefined) & IP_FLAGS,
  };
  const types = new Set(Object.keys(members) as DestinationType[]);
  return {
    event,
    deliveries: deliveriesFor(ctx, pk, eventTime, types, options),
    payload,
    pii: payloadEntry(payload, pk),
  };
}
