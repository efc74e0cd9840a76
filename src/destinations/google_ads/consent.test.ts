import assert from 'node:assert/strict';
import { CONSENT_GRANTED, type OutboundEvent } from '../contract.js';
import { child, consentMatrix, mappedEvent, mapWithConsent } from '../testing/consent-matrix.js';
import { richPurchase } from '../testing/fixtures.js';
import { googleAds } from './index.js';

/** The rich Purchase with a Google click id, so consent has Google's own identifier to act on. */
const purchase: OutboundEvent = {
  ...richPurchase,
  userData: { ...richPurchase.userData, gclid: 'Cj0KCQiA-gclid-1' },
};
const granted = mappedEvent(mapWithConsent(googleAds, CONSENT_GRANTED, purchase));

// Google Ads reads the event's `consent`: personalised ads refused is CONSENT_DENIED for adPersonalization.
// Ad user data refused is not sent at all: Google drops such a conversion (DENIED_CONSENT, reference §4).
// It has no limited-data-use field, so LDU changes nothing.
consentMatrix(
  googleAds,
  {
    granted(event) {
      assert.deepEqual(event.consent, {
        adUserData: 'CONSENT_GRANTED',
        adPersonalization: 'CONSENT_GRANTED',
      });
      assert.deepEqual(child(event, 'adIdentifiers'), { gclid: 'Cj0KCQiA-gclid-1' });
      assert.ok(child(event, 'userData').userIdentifiers, 'user identifiers sent');
    },
    ldu(event) {
      assert.deepEqual(event, granted);
    },
    measurementOnly(event) {
      assert.deepEqual(event.consent, { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_DENIED' });
      assert.deepEqual(event.userData, granted.userData);
      assert.deepEqual(event.adIdentifiers, granted.adIdentifiers);
    },
    noBrowserBuilt: true,
  },
  purchase,
);
