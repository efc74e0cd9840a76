import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countryCode, normalizeCountry } from './country.js';

describe('normalizeCountry', () => {
  const cases: Array<[string, string | undefined]> = [
    ['United States', 'us'],
    ['United States of America', 'us'],
    ['USA', 'us'],
    ['U.S.A.', 'us'],
    ['us', 'us'],
    [' US ', 'us'],
    ['DEU', 'de'],
    ['Deutschland', 'de'],
    ['germany', 'de'],
    ['Österreich', 'at'],
    ['UK', 'gb'],
    ['GBR', 'gb'],
    ['Great Britain', 'gb'],
    ['England', 'gb'],
    ['NLD', 'nl'],
    ['Nederland', 'nl'],
    ['The Netherlands', 'nl'],
    ['España', 'es'],
    ['Espana', 'es'],
    ['Schweiz', 'ch'],
    ['Suisse', 'ch'],
    ['Côte d’Ivoire', 'ci'],
    ['south korea', 'kr'],
    ['Brasil', 'br'],
    ['Polska', 'pl'],
    ['CAN', 'ca'],
    ['XX', undefined],
    ['ZZZ', undefined],
    ['Narnia', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeCountry(input), expected));
  }
});

describe('countryCode', () => {
  it('is upper case, for phone parsing', () => {
    assert.equal(countryCode('Deutschland'), 'DE');
    assert.equal(countryCode('gb'), 'GB');
    assert.equal(countryCode('nowhere'), undefined);
  });
});
