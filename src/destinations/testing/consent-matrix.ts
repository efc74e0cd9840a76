/**
 * Consent × one platform: the shared part of every destination's `consent.test.ts`. The destination
 * applies the shopper's decision with its own mechanism (its expectations, written from the platform's
 * documentation), or does not send the event (skipped, reason `consent`). The contract test fails for a
 * registered destination whose folder has no `consent.test.ts`, so a new platform cannot ship without
 * deciding how it applies consent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONSENT_GRANTED,
  type ConsentDecision,
  type DestinationDeclaration,
  type Mapped,
  type OutboundEvent,
} from '../contract.js';
import { consentedUserData } from '../shared/consent.js';
import type { JsonObject } from '../shared/json.js';
import { richPurchase } from './fixtures.js';

export interface ConsentExpectations {
  /** What limited data use (known US state, then unknown location) looks like in the platform's event. */
  ldu(event: JsonObject, known: boolean): void;
  /** The event when ads are allowed but personalised ads are not. */
  measurementOnly(event: JsonObject): void;
  /** The event when everything is allowed: no restriction flag at all. */
  granted(event: JsonObject): void;
  /**
   * For a platform with a consent signal of its own (GA4's consent fields, Microsoft's `adStorageConsent`):
   * the event it still sends when ads are refused. Absent: the event is not sent (skipped, reason `consent`).
   */
  adsRefused?(event: JsonObject): void;
  /** The platform takes no browser-built (PMW) event at all: one is skipped whatever consent says. */
  noBrowserBuilt?: true;
}

/** Platforms whose one restriction flag is the event's `opt_out` (Pinterest, Snapchat). */
export const OPT_OUT_FLAG: ConsentExpectations = {
  ldu(event) {
    assert.equal(event.opt_out, true);
  },
  measurementOnly(event) {
    assert.equal(event.opt_out, true);
  },
  granted(event) {
    assert.equal(event.opt_out, undefined);
  },
};

const NO_ADS: ConsentDecision = {
  adStorage: false,
  adUserData: false,
  adPersonalization: false,
  analytics: true,
  source: 'event',
};
const MEASUREMENT_ONLY: ConsentDecision = { ...CONSENT_GRANTED, adPersonalization: false, source: 'tcf' };
const LDU_CALIFORNIA: ConsentDecision = {
  ...CONSENT_GRANTED,
  limitedDataUse: { country: 'US', state: 'CA' },
};
const LDU_UNKNOWN: ConsentDecision = { ...CONSENT_GRANTED, limitedDataUse: {} };

/** An event's `key` object, for expectations about nested flags (Reddit's `user`). */
export const child = (event: JsonObject, key: string): JsonObject => event[key] as JsonObject;

export function mappedEvent(mapped: Mapped): JsonObject {
  assert.ok('event' in mapped, `expected an event, got ${JSON.stringify(mapped)}`);
  return mapped.event;
}

/** `event` as the worker opens it under `consent`, mapped by the destination with its sample config. */
export function mapWithConsent(
  destination: DestinationDeclaration<unknown>,
  consent: ConsentDecision,
  event: OutboundEvent = richPurchase,
): Mapped {
  const parsed = destination.parseConfig(destination.sampleConfig);
  assert.ok(parsed.ok, `sample config for ${destination.type}`);
  const opened = { ...event, consent, userData: consentedUserData(event.userData, consent) };
  return destination.plan(parsed.config, { baseUrl: 'http://127.0.0.1:4010' }).map(opened);
}

/**
 * `event` (default: the rich Purchase; a platform whose identifiers it lacks passes one that has them) is
 * mapped under each consent decision.
 */
export function consentMatrix(
  destination: DestinationDeclaration<unknown>,
  expect: ConsentExpectations,
  event: OutboundEvent = richPurchase,
): void {
  const mapWith = (consent: ConsentDecision, mapped: OutboundEvent = event): Mapped =>
    mapWithConsent(destination, consent, mapped);
  const { adsRefused } = expect;

  describe(`consent: ${destination.type}`, () => {
    it('everything allowed: sent, with no restriction flag', () => {
      expect.granted(mappedEvent(mapWith(CONSENT_GRANTED)));
    });
    if (adsRefused === undefined) {
      it('ads refused: not sent, reason consent (this platform has no consent flag of its own)', () => {
        assert.deepEqual(mapWith(NO_ADS), { skip: 'consent' });
        assert.deepEqual(mapWith({ ...NO_ADS, source: 'default' }), { skip: 'consent' });
      });
    } else {
      it('ads refused: sent with the platform’s own consent signal', () => {
        adsRefused(mappedEvent(mapWith(NO_ADS)));
        adsRefused(mappedEvent(mapWith({ ...NO_ADS, source: 'default' })));
      });
    }
    it('US-state limited data use: the platform’s own flag', () => {
      expect.ldu(mappedEvent(mapWith(LDU_CALIFORNIA)), true);
      expect.ldu(mappedEvent(mapWith(LDU_UNKNOWN)), false);
    });
    it('measurement allowed, personalised ads refused', () => {
      expect.measurementOnly(mappedEvent(mapWith(MEASUREMENT_ONLY)));
    });
    const pmw: OutboundEvent = { ...event, passthrough: { event_name: 'Purchase', event_id: 'x' } };
    if (expect.noBrowserBuilt === true) {
      it('a browser-built (PMW) event is never sent, whatever consent says', () => {
        assert.ok('skip' in mapWith(CONSENT_GRANTED, pmw));
        assert.ok('skip' in mapWith({ ...CONSENT_GRANTED, adStorage: false }, pmw));
      });
    } else {
      it('a browser-built (PMW) event without device-storage consent is not sent', () => {
        assert.deepEqual(mapWith({ ...CONSENT_GRANTED, adStorage: false }, pmw), { skip: 'consent' });
      });
    }
  });
}
