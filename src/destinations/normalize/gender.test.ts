import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeGender } from './gender.js';

describe('normalizeGender', () => {
  const cases: Array<[string, string | undefined, string | undefined]> = [
    // [input, default (Meta, Snap), Pinterest (non-binary allowed)]
    ['f', 'f', 'f'],
    ['F', 'f', 'f'],
    [' Female ', 'f', 'f'],
    ['woman', 'f', 'f'],
    ['weiblich', 'f', 'f'],
    ['m', 'm', 'm'],
    ['MALE', 'm', 'm'],
    ['männlich', 'm', 'm'],
    ['m.', 'm', 'm'],
    ['n', undefined, 'n'],
    ['non-binary', undefined, 'n'],
    ['divers', undefined, 'n'],
    ['unknown', undefined, undefined],
    ['', undefined, undefined],
  ];
  for (const [input, standard, pinterest] of cases) {
    it(`${JSON.stringify(input)} → ${String(standard)} / ${String(pinterest)}`, () => {
      assert.equal(normalizeGender(input), standard);
      assert.equal(normalizeGender(input, { nonBinary: true }), pinterest);
    });
  }
});
