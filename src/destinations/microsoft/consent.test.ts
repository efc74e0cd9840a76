import assert from 'node:assert/strict';
import { CONSENT_GRANTED, type OutboundEvent } from '../contract.js';
import { child, consentMatrix, mappedEvent, mapWithConsent } from '../testing/consent-matrix.js';
import { richPurchase } from '../testing/fixtures.js';
import { microsoft } from './index.js';

/** The rich Purchase with a Microsoft click id, so consent has Microsoft's own identifier to act on. */
const purchase: OutboundEvent = {
  ...richPurchase,
  userData: { ...richPurchase.userData, msclkid: 'ms-click-1' },
};
const granted = mappedEvent(mapWithConsent(microsoft, CONSENT_GRANTED, purchase));

// Microsoft reads `adStorageConsent`: ads refused still sends the event, as "D", without the click id and
// the personal identifiers. Personalised ads and LDU have no field: they change nothing.
consentMatrix(
  microsoft,
  {
    granted(event) {
      assert.equal(event.adStorageConsent, 'G');
      const user = child(event, 'userData');
      assert.equal(user.msclkid, 'ms-click-1');
      for (const key of ['em', 'ph', 'externalId']) assert.ok(user[key], `${key} sent`);
    },
    ldu(event) {
      assert.deepEqual(event, granted);
    },
    measurementOnly(event) {
      assert.deepEqual(event, granted);
    },
    adsRefused(event) {
      assert.equal(event.adStorageConsent, 'D');
      assert.deepEqual(Object.keys(child(event, 'userData')).sort(), [
        'anonymousId',
        'clientIpAddress',
        'clientUserAgent',
      ]);
    },
    noBrowserBuilt: true,
  },
  purchase,
);
