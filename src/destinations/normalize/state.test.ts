import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeState } from './state.js';

describe('normalizeState', () => {
  // [input, country, expected]
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ['California', 'US', 'ca'],
    ['CA', 'US', 'ca'],
    [' ca ', 'us', 'ca'],
    ['New York', 'US', 'ny'],
    ['new-york', undefined, 'ny'],
    ['District of Columbia', 'US', 'dc'],
    ['Puerto Rico', 'US', 'pr'],
    ['TEXAS', undefined, 'tx'],
    ['Georgia', undefined, 'ga'],
    // In the US a value that is neither a code nor a state name is omitted.
    ['Calif.', 'US', undefined],
    ['XY', 'US', undefined],
    // Elsewhere: lowercase, no punctuation, no spaces.
    ['Bayern', 'DE', 'bayern'],
    ['Île-de-France', 'FR', 'îledefrance'],
    ['ON', 'CA', 'on'],
    ['British Columbia', 'CA', 'britishcolumbia'],
    ['Noord-Holland', 'NL', 'noordholland'],
    ['Greater London', undefined, 'greaterlondon'],
    ['', 'DE', undefined],
  ];
  for (const [input, country, expected] of cases) {
    it(`${JSON.stringify(input)} (${String(country)}) → ${String(expected)}`, () =>
      assert.equal(normalizeState(input, country), expected));
  }
});
