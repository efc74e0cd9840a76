import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONSENT_GRANTED, type OutboundEvent } from '../contract.js';
import type { JsonObject } from '../shared/json.js';
import { child, consentMatrix, mappedEvent, mapWithConsent } from '../testing/consent-matrix.js';
import { richPurchase } from '../testing/fixtures.js';
import { ga4 } from './index.js';

/** The rich Purchase with the browser's GA4 cookies, so consent has GA4's own identifiers to act on. */
const purchase: OutboundEvent = {
  ...richPurchase,
  userData: {
    ...richPurchase.userData,
    gaClientId: 'GA1.1.1234567890.1733000000',
    gaSessionId: '1733000100',
  },
};
const granted = mappedEvent(mapWithConsent(ga4, CONSENT_GRANTED, purchase));

/** GA4's request-level fields (client id, user id, user data, consent) of a mapped event. */
const request = (event: JsonObject): JsonObject => child(event, 'request');

// GA4 reads its consent fields: ads refused still sends the event, DENIED/DENIED and without user_data. It
// has no limited-data-use field, so LDU changes nothing.
consentMatrix(
  ga4,
  {
    granted(event) {
      assert.deepEqual(request(event).consent, { ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' });
      assert.equal(request(event).client_id, '1234567890.1733000000');
      assert.ok(request(event).user_data, 'user_data sent');
    },
    ldu(event) {
      assert.deepEqual(event, granted);
    },
    measurementOnly(event) {
      assert.deepEqual(request(event).consent, { ad_user_data: 'GRANTED', ad_personalization: 'DENIED' });
      assert.deepEqual(request(event).user_data, request(granted).user_data);
    },
    adsRefused(event) {
      assert.deepEqual(request(event).consent, { ad_user_data: 'DENIED', ad_personalization: 'DENIED' });
      assert.equal(request(event).user_data, undefined);
      // Analytics was allowed: the browser's client id and the customer id still go.
      assert.equal(request(event).client_id, request(granted).client_id);
      assert.equal(request(event).user_id, 'cust-42');
    },
    noBrowserBuilt: true,
  },
  purchase,
);

describe('consent: ga4, analytics refused', () => {
  it('not sent, reason consent, whatever ads consent says', () => {
    const noAnalytics = { ...CONSENT_GRANTED, analytics: false, source: 'event' } as const;
    assert.deepEqual(mapWithConsent(ga4, noAnalytics, purchase), { skip: 'consent' });
    assert.deepEqual(mapWithConsent(ga4, { ...noAnalytics, adStorage: false, adUserData: false }, purchase), {
      skip: 'consent',
    });
  });
});
