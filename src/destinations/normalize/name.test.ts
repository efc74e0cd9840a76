import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeName, normalizeNameLowercase } from './name.js';

describe('normalizeName', () => {
  const cases: Array<[string, string | undefined]> = [
    ['Mary', 'mary'],
    ['  JOHN ', 'john'],
    ['Valéry', 'valéry'],
    ['Raphaël', 'raphaël'],
    // Decomposed e + combining diaeresis composes to the same string.
    ['Rapha\u0065\u0308l', 'raphaël'],
    ['정', '정'],
    ["O'Brien", 'obrien'],
    ['Jean-Luc', 'jeanluc'],
    ['Dr. Müller', 'dr müller'],
    ['Mary   Ann', 'mary ann'],
    ['Zoë!', 'zoë'],
    ['Søren', 'søren'],
    ['ÇAĞLA', 'çağla'],
    ['123', undefined],
    ['...', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(normalizeName(input), expected));
  }
});

describe('normalizeNameLowercase (Pinterest)', () => {
  const cases: Array<[string, string | undefined]> = [
    ['Mary', 'mary'],
    ["O'Brien", "o'brien"],
    ['Jean-Luc', 'jean-luc'],
    ['  Raphaël  ', 'raphaël'],
    ['42', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeNameLowercase(input), expected));
  }
});
