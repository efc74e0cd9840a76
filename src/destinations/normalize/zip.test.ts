import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeGooglePostalCode, normalizeZip, normalizeZipDigits } from './zip.js';

describe('normalizeZip', () => {
  // [input, country, expected]
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ['94035', 'US', '94035'],
    ['94107-1234', 'US', '94107'],
    ['941071234', 'US', '94107'],
    [' 02139 ', 'US', '02139'],
    ['94107 1234', undefined, '94107'],
    ['94107-1234', undefined, '94107'],
    // A leading zero lost in a spreadsheet cannot be guessed back.
    ['2139', 'US', undefined],
    ['ABCDE', 'US', undefined],
    ['M1 1AE', 'GB', 'm11ae'],
    ['SW1A 1AA', 'GB', 'sw1a1aa'],
    ['sw1a-1aa', 'GB', 'sw1a1aa'],
    ['1012 AB', 'NL', '1012ab'],
    ['1012AB', 'NL', '1012ab'],
    ['K1A 0B6', 'CA', 'k1a0b6'],
    ['00-950', 'PL', '00950'],
    ['10115', 'DE', '10115'],
    ['100-0001', 'JP', '1000001'],
    ['', 'DE', undefined],
  ];
  for (const [input, country, expected] of cases) {
    it(`${JSON.stringify(input)} (${String(country)}) → ${String(expected)}`, () =>
      assert.equal(normalizeZip(input, country), expected));
  }
});

describe('normalizeZipDigits (Pinterest)', () => {
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ['94107-1234', 'US', '94107'],
    ['10115', 'DE', '10115'],
    ['00-950', 'PL', '00950'],
    ['M1 1AE', 'GB', undefined],
    ['1012 AB', 'NL', undefined],
    ['K1A 0B6', 'CA', undefined],
  ];
  for (const [input, country, expected] of cases) {
    it(`${JSON.stringify(input)} (${String(country)}) → ${String(expected)}`, () =>
      assert.equal(normalizeZipDigits(input, country), expected));
  }
});

describe('normalizeGooglePostalCode', () => {
  const cases: Array<[string, string | undefined]> = [
    [' 94107-1234 ', '94107-1234'],
    ['SW1A 1AA', 'SW1A 1AA'],
    ['1.012~AB', '1012AB'],
    [' . ~ ', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeGooglePostalCode(input), expected));
  }
});
