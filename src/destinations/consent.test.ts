/**
 * Consent × every platform: each registered destination applies the shopper's decision with its own
 * mechanism, or does not send the event (skipped, reason `consent`). A destination registered without
 * expectations here fails the first test, so a new platform cannot ship without deciding how it applies
 * consent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { destinations } from './registry.js';
import { consentedUserData } from './shared/consent.js';
import type { JsonObject } from './shared/json.js';
import { richPurchase } from './testing/fixtures.js';
import {
  CONSENT_GRANTED,
  type ConsentDecision,
  DESTINATION_TYPES,
  type DestinationType,
  type Mapped,
  type OutboundEvent,
} from './types.js';

const SAMPLE_CONFIGS: Partial<Record<DestinationType, Record<string, unknown>>> = {
  meta: { pixelId: '1234567890', accessToken: 'meta-token' },
  tiktok: { pixelCode: 'C4ABCDEF123', accessToken: 'tiktok-token' },
  pinterest: { adAccountId: '549755885175', accessToken: 'pinterest-token' },
  snapchat: { pixelId: 'a1b2c3d4-0000-4000-8000-000000000001', accessToken: 'snap-token' },
  reddit: { pixelId: 't2_abc123', accessToken: 'reddit-token' },
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

interface Expectations {
  /** What limited data use (known US state, then unknown location) looks like in the platform's event. */
  ldu(event: JsonObject, known: boolean): void;
  /** The event when ads are allowed but personalised ads are not. */
  measurementOnly(event: JsonObject): void;
  /** The event when everything is allowed: no restriction flag at all. */
  granted(event: JsonObject): void;
}

const child = (event: JsonObject, key: string) => event[key] as JsonObject;

const EXPECTATIONS: Partial<Record<DestinationType, Expectations>> = {
  meta: {
    ldu(event, known) {
      assert.deepEqual(event.data_processing_options, ['LDU']);
      assert.equal(event.data_processing_options_country, known ? 1 : 0);
      assert.equal(event.data_processing_options_state, known ? 1000 : 0);
    },
    measurementOnly(event) {
      assert.equal(event.data_processing_options, undefined);
    },
    granted(event) {
      assert.equal(event.data_processing_options, undefined);
      assert.equal(event.opt_out, undefined);
    },
  },
  tiktok: {
    ldu(event) {
      assert.equal(event.limited_data_use, true);
    },
    measurementOnly(event) {
      assert.equal(event.limited_data_use, undefined);
    },
    granted(event) {
      assert.equal(event.limited_data_use, undefined);
    },
  },
  pinterest: {
    ldu(event) {
      assert.equal(event.opt_out, true);
    },
    measurementOnly(event) {
      assert.equal(event.opt_out, true);
    },
    granted(event) {
      assert.equal(event.opt_out, undefined);
    },
  },
  snapchat: {
    ldu(event) {
      assert.equal(event.opt_out, true);
    },
    measurementOnly(event) {
      assert.equal(event.opt_out, true);
    },
    granted(event) {
      assert.equal(event.opt_out, undefined);
    },
  },
  reddit: {
    ldu(event, known) {
      assert.deepEqual(
        child(event, 'user').data_processing_options,
        known ? { modes: ['LDU'], country: 'US', region: 'US-CA' } : { modes: ['LDU'] },
      );
    },
    measurementOnly(event) {
      assert.equal(child(event, 'user').data_processing_options, undefined);
    },
    granted(event) {
      assert.equal(child(event, 'user').data_processing_options, undefined);
    },
  },
};

function mapWith(
  type: DestinationType,
  consent: ConsentDecision,
  event: OutboundEvent = richPurchase,
): Mapped {
  const destination = destinations[type];
  const parsed = destination.parseConfig(SAMPLE_CONFIGS[type]);
  assert.ok(parsed.ok, `sample config for ${type}`);
  const opened = { ...event, consent, userData: consentedUserData(event.userData, consent) };
  return destination.plan(parsed.config, { baseUrl: 'http://127.0.0.1:4010' }).map(opened);
}

function mappedEvent(mapped: Mapped): JsonObject {
  assert.ok('event' in mapped, `expected an event, got ${JSON.stringify(mapped)}`);
  return mapped.event;
}

it('every registered destination states how it applies consent', () => {
  for (const type of DESTINATION_TYPES) {
    assert.ok(EXPECTATIONS[type] && SAMPLE_CONFIGS[type], `${type}: add its consent expectations here`);
  }
});

for (const type of DESTINATION_TYPES) {
  const expect = EXPECTATIONS[type];
  if (!expect) continue;
  describe(`consent: ${type}`, () => {
    it('everything allowed: sent, with no restriction flag', () => {
      expect.granted(mappedEvent(mapWith(type, CONSENT_GRANTED)));
    });
    it('ads refused: not sent, reason consent (this platform has no consent flag of its own)', () => {
      assert.deepEqual(mapWith(type, NO_ADS), { skip: 'consent' });
      assert.deepEqual(mapWith(type, { ...NO_ADS, source: 'default' }), { skip: 'consent' });
    });
    it('US-state limited data use: the platform’s own flag', () => {
      expect.ldu(mappedEvent(mapWith(type, LDU_CALIFORNIA)), true);
      expect.ldu(mappedEvent(mapWith(type, LDU_UNKNOWN)), false);
    });
    it('measurement allowed, personalised ads refused', () => {
      expect.measurementOnly(mappedEvent(mapWith(type, MEASUREMENT_ONLY)));
    });
    it('a browser-built (PMW) event without device-storage consent is not sent', () => {
      const pmw: OutboundEvent = { ...richPurchase, passthrough: { event_name: 'Purchase', event_id: 'x' } };
      assert.deepEqual(mapWith(type, { ...CONSENT_GRANTED, adStorage: false }, pmw), { skip: 'consent' });
    });
  });
}

it('device identifiers go when their storage was refused; the rest of the user data stays', () => {
  const userData = { email: 'a@example.com', fbp: 'fb.1.1.1', gclid: 'g', msclkid: 'm', gaClientId: '1.2' };
  assert.deepEqual(consentedUserData(userData, { ...CONSENT_GRANTED, adStorage: false }), {
    email: 'a@example.com',
    gaClientId: '1.2',
  });
  assert.deepEqual(consentedUserData(userData, { ...CONSENT_GRANTED, analytics: false }), {
    email: 'a@example.com',
    fbp: 'fb.1.1.1',
    gclid: 'g',
    msclkid: 'm',
  });
  assert.equal(consentedUserData(userData, CONSENT_GRANTED), userData);
});
