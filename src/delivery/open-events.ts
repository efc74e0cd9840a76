/**
 * Opening events: turns leased deliveries and their event rows into the events a destination builds
 * requests from, or into final outcomes when there is nothing to send (too old, sealed data unreadable or
 * already erased, a PMW event without this platform's member). No I/O: the worker reads the rows.
 */

import { consentedUserData } from '../destinations/shared/consent.js';
import type { DestinationType, EventName, OutboundEvent } from '../destinations/types.js';
import { decodeConsent } from '../ingest/consent.js';
import { restoreCustomData } from '../ingest/page-privacy.js';
import { openEventPayload, type SealedPayload } from '../ingest/sealed-payload.js';
import type { Sealer } from '../lib/crypto.js';
import { canRebuildEvent } from '../storage/event-rebuild.js';
import { type GroupEntry, openGroup } from '../storage/pii-groups.js';
import type { DeliverableEvent, DeliveryOutcome, LeasedDelivery } from '../storage/repos/deliveries.js';
import type { DomainDeliveryDefaults } from '../storage/repos/domain-admin.js';

export interface OpenEventsInput {
  type: DestinationType;
  /** The destination's `limits.maxEventAgeSeconds`. */
  maxEventAgeSeconds: number;
  leased: LeasedDelivery[];
  /** Event rows by primary key (`leaseBatch`). */
  events: ReadonlyMap<string, DeliverableEvent>;
  /** The sealed groups of those events' personal data, by id (`leaseBatch`). */
  groups: ReadonlyMap<number, Buffer>;
  /** The domain's defaults; undefined if the domain row is gone. */
  domain: DomainDeliveryDefaults | undefined;
  now: number;
}

export interface OpenedEvents {
  /** Events to send; each `ref` is the id of its delivery in `deliveries`. */
  outbound: OutboundEvent[];
  deliveries: Map<string, LeasedDelivery>;
  /** Final outcomes of the deliveries that are not sent. */
  outcomes: DeliveryOutcome[];
}

/** Events opened between two turns of the event loop (a few hundred microseconds of work). */
export const OPEN_CHUNK = 100;

/**
 * Opens every leased event; `pause()` is awaited after every OPEN_CHUNK events, so a large batch does not
 * hold the event loop (with `--role all`, requests keep being served meanwhile).
 */
export async function openEvents(
  sealer: Sealer,
  input: OpenEventsInput,
  pause: () => Promise<void>,
): Promise<OpenedEvents> {
  const { type, maxEventAgeSeconds, domain, now } = input;
  const opened: OpenedEvents = { outbound: [], deliveries: new Map(), outcomes: [] };
  const finalOutcome = (
    delivery: LeasedDelivery,
    status: 'failed' | 'skipped',
    outcome: string,
    message: string,
  ) => opened.outcomes.push({ delivery, status, attempted: false, statusCode: null, outcome, message });

  // Each group is opened once for the batch (one cipher for all its events), when its first event is.
  const openedGroups = new Map<number, GroupEntry[]>();
  const groupEntries = (id: number): GroupEntry[] | undefined => {
    let entries = openedGroups.get(id);
    if (!entries) {
      const sealed = input.groups.get(id);
      if (!sealed) return undefined;
      entries = openGroup(sealer, sealed);
      openedGroups.set(id, entries);
    }
    return entries;
  };

  let sinceLastPause = 0;
  for (const delivery of input.leased) {
    if (sinceLastPause === OPEN_CHUNK) {
      sinceLastPause = 0;
      await pause();
    }
    sinceLastPause += 1;
    const event = input.events.get(delivery.event_pk);
    if (!event) {
      finalOutcome(delivery, 'failed', 'rejected', 'event not found');
      continue;
    }
    if (event.event_time < now / 1000 - maxEventAgeSeconds) {
      finalOutcome(
        delivery,
        'failed',
        'rejected',
        `event is older than ${type}'s maximum age of ${Math.round(maxEventAgeSeconds / 86400)} days`,
      );
      continue;
    }
    let payload: SealedPayload | null;
    try {
      payload = openEventPayload(sealer, event, groupEntries);
    } catch (error) {
      finalOutcome(delivery, 'failed', 'rejected', `cannot open sealed data: ${(error as Error).message}`);
      continue;
    }
    if (payload === null) {
      if (!canRebuildEvent({ sealed: false, matchKeys: event.match_keys, source: event.source })) {
        finalOutcome(delivery, 'failed', 'rejected', 'personal data was already erased');
        continue;
      }
      payload = { u: {} };
    }
    const passthrough = payload.m?.[type];
    if (event.source === 'PMW' && !passthrough) {
      finalOutcome(delivery, 'skipped', 'skipped', `no ${type} member in the event`);
      continue;
    }
    opened.deliveries.set(delivery.id, delivery);
    // Website events need a page URL (Meta rejects them without one): the shop's own URL stands in.
    // The URL as sent (query included) while the seal holds it; the clear column has origin and path only.
    const pageUrl = payload.s?.url ?? event.event_source_url ?? domain?.shop_url ?? null;
    const consent = decodeConsent(event.consent);
    opened.outbound.push({
      ref: delivery.id,
      eventName: event.event_name as EventName,
      ...(event.custom_event_name ? { customEventName: event.custom_event_name } : {}),
      eventId: event.event_id,
      eventTime: event.event_time,
      ...(pageUrl ? { eventSourceUrl: pageUrl } : {}),
      userData: consentedUserData(payload.u, consent),
      customData: restoreCustomData(event.custom_data ? JSON.parse(event.custom_data) : {}, payload.s),
      defaultCountry: domain?.default_country ?? 'US',
      consent,
      ...(passthrough ? { passthrough } : {}),
    });
  }
  return opened;
}
