import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePhone, normalizePhoneDigits } from './phone.js';

describe('normalizePhone', () => {
  // [input, customer country, shop default country, expected E.164]
  const cases: Array<[string, string | undefined, string | undefined, string | undefined]> = [
    ['(650)555-1212', 'US', 'US', '+16505551212'],
    ['650.555.1212', undefined, 'US', '+16505551212'],
    ['+1 650 555 1212', undefined, 'DE', '+16505551212'],
    ['1-650-555-1212', 'US', 'DE', '+16505551212'],
    ['16505551212', undefined, 'US', '+16505551212'],
    ['+1 (650) 555-1212 ext. 123', undefined, 'US', '+16505551212'],
    ['650-555-1212 x99', 'US', undefined, '+16505551212'],
    ['650 555 1212 #7', 'US', undefined, '+16505551212'],
    ['+44 844 412 4653', undefined, 'US', '+448444124653'],
    // Trunk zero in brackets after the country code.
    ['+44 (0)20 7946 0958', undefined, 'US', '+442079460958'],
    // 00 is the international prefix even where the shop's country dials 011.
    ['0044 20 7946 0958', undefined, 'US', '+442079460958'],
    ['020 7946 0958', 'GB', 'US', '+442079460958'],
    ['0151 12345678', 'DE', 'US', '+4915112345678'],
    ['0151/123 456 78', undefined, 'DE', '+4915112345678'],
    ['06-12345678', 'NL', 'DE', '+31612345678'],
    ['06 12 34 56 78', 'FR', 'US', '+33612345678'],
    // Customer country as a name or alpha-3 is not parsed here (callers pass alpha-2); unknown falls back.
    ['06 12 34 56 78', 'XX', 'FR', '+33612345678'],
    ['613.555.0123', 'CA', 'US', '+16135550123'],
    // Stored with the country code but no plus: impossible nationally, so read as international.
    ['4915112345678', undefined, 'US', '+4915112345678'],
    // Full-width digits (copied from Japanese forms) are digits.
    ['０９０－１２３４－５６７８', 'JP', 'US', '+819012345678'],
    ['1-800-FLOWERS', undefined, 'US', undefined],
    ['call me', undefined, 'US', undefined],
    ['555-1212', undefined, 'US', undefined],
    ['123', 'US', 'US', undefined],
    ['+91 2111111', undefined, 'US', undefined],
    ['', undefined, 'US', undefined],
    ['+', undefined, 'US', undefined],
  ];
  for (const [input, customer, fallback, expected] of cases) {
    it(`${JSON.stringify(input)} (${String(customer)}/${String(fallback)}) → ${String(expected)}`, () =>
      assert.equal(normalizePhone(input, customer, fallback), expected));
  }
});

describe('normalizePhoneDigits', () => {
  it('is the E.164 number without the plus', () => {
    assert.equal(normalizePhoneDigits('(650)555-1212', 'US', 'US'), '16505551212');
    assert.equal(normalizePhoneDigits('+44 844 412 4653', undefined, 'US'), '448444124653');
    assert.equal(normalizePhoneDigits('nope', undefined, 'US'), undefined);
  });
});
