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
    // Ports, as some proxies and plugins pass the address on.
    ['203.0.113.7:51234', '203.0.113.7'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    // Never the shopper's: the shop server, a proxy, a container.
    ['127.0.0.1', undefined],
    ['10.1.2.3', undefined],
    ['172.20.0.5', undefined],
    ['192.168.1.10:8080', undefined],
    ['100.64.0.1', undefined],
    ['169.254.1.1', undefined],
    ['::1', undefined],
    ['::ffff:127.0.0.1', undefined],
    ['fd00::1', undefined],
    ['fe80::1', undefined],
    ['0.0.0.0', undefined],
    // Public neighbours of those ranges stay.
    ['172.32.0.1', '172.32.0.1'],
    ['100.128.0.1', '100.128.0.1'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(normalizeIp(input), expected));
  }
});
