import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeIp } from './ip.js';

describe('normalizeIp', () => {
  const cases: Array<[string, string | undefined]> = [
    ['54.100.200.255', '54.100.200.255'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['2001:DB8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['::ffff:198.51.100.4', '198.51.100.4'],
    ['256.1.1.1', undefined],
    ['not-an-ip', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(normalizeIp(input), expected));
  }
});
