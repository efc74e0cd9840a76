import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeDateOfBirth } from './date-of-birth.js';

const NOW = Date.UTC(2026, 10, 20) / 1000; // 2026-11-20, the event time

describe('normalizeDateOfBirth', () => {
  const cases: Array<[string, string | undefined]> = [
    // Meta's documented example (US month/day/year).
    ['2/16/1997', '19970216'],
    ['1997-02-16', '19970216'],
    ['1997-2-6', '19970206'],
    ['19970216', '19970216'],
    ['1997/02/16', '19970216'],
    ['16.02.1997', '19970216'],
    ['6.2.1997', '19970206'],
    ['02/16/1997', '19970216'],
    ['1997-02-16T00:00:00Z', '19970216'],
    [' 2000-02-29 ', '20000229'],
    ['1900-01-01', '19000101'],
    ['2026-11-20', '20261120'],
    // Invalid calendar dates and ranges.
    ['1999-02-29', undefined],
    ['1997-13-01', undefined],
    ['1997-00-10', undefined],
    ['31.04.1997', undefined],
    ['16/02/1997', undefined],
    ['1899-12-31', undefined],
    ['2026-11-21', undefined],
    ['97-02-16', undefined],
    ['Feb 16 1997', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeDateOfBirth(input, NOW), expected));
  }
});
