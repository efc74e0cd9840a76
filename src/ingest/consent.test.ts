import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONSENT_GRANTED } from '../destinations/types.js';
import { ConsentError, decodeConsent, encodeConsent, resolveConsent } from './consent.js';
import { tcStringWith } from './tc-strings.js';

const flags = (d: ReturnType<typeof resolveConsent>) =>
  [d.adStorage, d.adUserData, d.adPersonalization, d.analytics].map(Number).join('');

test('no consent signal: the domain default decides', () => {
  assert.deepEqual(resolveConsent(undefined, undefined, 'forward'), CONSENT_GRANTED);
  const held = resolveConsent(undefined, undefined, 'deny');
  assert.equal(flags(held), '0000');
  assert.equal(held.source, 'default');
});

test("the event's own flags override the default, and a missing one falls back to it", () => {
  const noAds = resolveConsent({ ads: false }, undefined, 'forward');
  assert.equal(flags(noAds), '0001');
  assert.equal(noAds.source, 'event');
  assert.equal(flags(resolveConsent({ ads: true }, undefined, 'deny')), '1110');
  assert.equal(flags(resolveConsent({ ads: true, analytics: true }, undefined, 'deny')), '1111');
  assert.equal(flags(resolveConsent({ analytics: false }, undefined, 'forward')), '1110');
});

test('GDPR applies without any signal: nothing was consented to, whatever the default', () => {
  const d = resolveConsent({ gdprApplies: true }, undefined, 'forward');
  assert.equal(flags(d), '0000');
  assert.equal(d.source, 'event');
});

test('TCF v2.2: purpose 1 is storage, 1+7 ad user data, 1+3+4 personalisation', () => {
  const cases: Array<[number[], string]> = [
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], '1111'],
    [[1, 7], '1101'],
    [[1, 3, 4], '1011'],
    [[1], '1001'],
    [[3, 4, 7], '0000'],
    [[], '0000'],
  ];
  for (const [purposes, expected] of cases) {
    const decision = resolveConsent({ tcString: tcStringWith(purposes) }, undefined, 'forward');
    assert.equal(flags(decision), expected, `purposes ${purposes.join(',')}`);
    assert.equal(decision.source, 'tcf');
  }
});

test('a TC string can only be narrowed by the shop, and is ignored where GDPR does not apply', () => {
  const all = tcStringWith([1, 3, 4, 7]);
  assert.equal(flags(resolveConsent({ tcString: all, ads: false }, undefined, 'forward')), '0001');
  assert.equal(
    flags(resolveConsent({ tcString: tcStringWith([]), ads: true }, undefined, 'forward')),
    '0000',
  );
  const outside = resolveConsent({ tcString: tcStringWith([]), gdprApplies: false }, undefined, 'forward');
  assert.deepEqual(outside, CONSENT_GRANTED);
});

test('a TC string that does not decode is refused, not guessed at', () => {
  for (const bad of ['garbage', 'CPz', tcStringWith([1]).slice(0, 12)]) {
    assert.throws(() => resolveConsent({ tcString: bad }, undefined, 'forward'), ConsentError);
  }
});

test('limited data use carries its country and state, upper case', () => {
  const d = resolveConsent(undefined, { ldu: true, country: 'us', state: 'ca' }, 'forward');
  assert.deepEqual(d.limitedDataUse, { country: 'US', state: 'CA' });
  assert.equal(flags(d), '1111');
  assert.equal(resolveConsent(undefined, { ldu: false }, 'forward').limitedDataUse, undefined);
});

test('the column form: null for granted by default, and every decision reads back as it was', () => {
  assert.equal(encodeConsent(CONSENT_GRANTED), null);
  assert.deepEqual(decodeConsent(null), CONSENT_GRANTED);
  const decisions = [
    resolveConsent({ ads: false }, undefined, 'forward'),
    resolveConsent(undefined, undefined, 'deny'),
    resolveConsent({ tcString: tcStringWith([1, 7]) }, { ldu: true, country: 'US', state: 'CA' }, 'forward'),
    resolveConsent(undefined, { ldu: true }, 'forward'),
    resolveConsent(undefined, { ldu: true, country: 'US' }, 'forward'),
  ];
  for (const decision of decisions) {
    const column = encodeConsent(decision);
    assert.ok(column !== null && column.length <= 16, `compact: ${column}`);
    assert.deepEqual(decodeConsent(column), decision);
  }
  assert.equal(encodeConsent(decisions[2]!), 't1101;ldu=US-CA');
});
