import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeCity } from './city.js';

describe('normalizeCity', () => {
  const cases: Array<[string, string | undefined]> = [
    ['New York', 'newyork'],
    ['  San Francisco ', 'sanfrancisco'],
    ['St. Louis', 'stlouis'],
    ['Winston-Salem', 'winstonsalem'],
    ['São Paulo', 'sãopaulo'],
    ['Köln', 'köln'],
    ["L'Aquila", 'laquila'],
    ['東京', '東京'],
    ['Frankfurt am Main', 'frankfurtammain'],
    ['12345', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(normalizeCity(input), expected));
  }
});
