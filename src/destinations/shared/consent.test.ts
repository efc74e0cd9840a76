import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CONSENT_GRANTED } from '../contract.js';
import { consentedUserData } from './consent.js';

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
